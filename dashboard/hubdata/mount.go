package hubdata

import (
	"context"
	"log/slog"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/store"
	"clockface/payroll"
	"clockface/sync/hub"
)

// NewDashboard builds the dashboard on the hub database: the dashboard's
// own tables (dashboard/store, migrated under their own version table) in
// the same database on the same connections, and this package's Data read
// from db. cfg.Reads is set to db. The dashboard signs sessions in with
// web (the hub's clock); cfg.Clock is what the screens call now.
func NewDashboard(ctx context.Context, db *hub.DB, cfg Config, web clockface.Clock, log *slog.Logger) (*dashboard.Handler, error) {
	sqlDB, pg := db.SQLDB()
	st, err := store.New(ctx, sqlDB, pg, web)
	if err != nil {
		return nil, err
	}
	cfg.Reads = db
	d, err := New(cfg)
	if err != nil {
		return nil, err
	}
	data := d.Dashboard()
	act := NewActions(db, cfg.Clock, cfg.Rules)
	data.PunchEditor, data.PeriodControl = act, act
	pay := payroll.DefaultConfig()
	if cfg.Payroll != nil {
		pay = *cfg.Payroll
	}
	exp := NewExports(db, cfg.Clock, cfg.Rules, pay)
	data.Exports, data.ExportRunner = exp, exp
	emp := NewEmployees(data.Directory, db, cfg.Clock)
	data.Directory, data.EmployeeControl = emp, emp
	ctl := NewControls(db, d, act, cfg.Clock)
	data.KioskControl, data.SiteControl, data.Requests = ctl, ctl, ctl
	return dashboard.New(dashboard.Config{Store: st, Data: data, Clock: web, Log: log})
}
