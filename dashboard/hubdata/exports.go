package hubdata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/payroll"
	"clockface/payrun"
	"clockface/sync/hub"
)

// ExportStore is what the export screen reads and records: the pay run's
// source and book, and the export history. *hub.DB is the real one.
type ExportStore interface {
	payrun.Source
	payrun.Book
	Exports(ctx context.Context) ([]hub.ExportRecord, error)
}

var _ ExportStore = (*hub.DB)(nil)

// Exports implements dashboard.Exports and dashboard.ExportRunner on the
// hub with payrun, exactly as `clockface export` runs: the same sheet
// (whole workweeks, adjustments carried into the period added, those
// carried out taken away), the same file bytes, the same record (who,
// when, period, format, rule set, SHA-256, totals, bytes). A run with a
// blocking exception or a missing payroll id or company value is refused
// with the list (*dashboard.ExportBlocked) and records nothing; the
// dashboard never allows exceptions. Download hands back the recorded
// bytes once they match their SHA-256.
type Exports struct {
	st    ExportStore
	clock clockface.Clock
	rules attendance.Rules
	cfg   payroll.Config
}

// NewExports returns the export runner on st, timed by clock, with the
// site's rules (as the timesheets use them) and the employer's payroll
// settings (company values and earnings names; start from
// payroll.DefaultConfig). Its formats are those cfg can run.
func NewExports(st ExportStore, clock clockface.Clock, rules attendance.Rules, cfg payroll.Config) *Exports {
	cfg.AllowExceptions = false
	return &Exports{st: st, clock: clock, rules: rules, cfg: cfg}
}

// Formats lists the formats whose company values cfg holds (generic and
// Gusto need none; ADP, Paychex and QuickBooks need the employer's).
func (e *Exports) Formats() []string {
	var out []string
	for _, f := range payroll.Formats {
		if payrun.Ready(e.cfg, f) == nil {
			out = append(out, string(f))
		}
	}
	return out
}

// ExportHistory is History, for the export page.
func (e *Exports) ExportHistory(ctx context.Context) ([]dashboard.ExportRecord, error) {
	return e.History(ctx)
}

// plan is the pay run of the dashboard's period (To is its last day) in
// format.
func (e *Exports) plan(p dashboard.Period, format string) (payrun.Plan, error) {
	if !slices.Contains(e.Formats(), format) {
		return payrun.Plan{}, fmt.Errorf("export: format %q is not one of %v", format, e.Formats())
	}
	r := e.rules
	r.Now = e.clock.Now()
	period, err := payrun.Days(p.From, p.To, r.Location)
	if err != nil {
		return payrun.Plan{}, fmt.Errorf("export: %w", err)
	}
	cfg := e.cfg
	cfg.Format = payroll.Format(format)
	return payrun.Plan{Period: period, Rules: r, Payroll: cfg, ExportID: uuid.Must(uuid.NewV7()).String()}, nil
}

func (e *Exports) prepare(ctx context.Context, p dashboard.Period, format string) (*payrun.Run, dashboard.ExportPreview, error) {
	plan, err := e.plan(p, format)
	if err != nil {
		return nil, dashboard.ExportPreview{}, err
	}
	run, err := payrun.Prepare(ctx, e.st, e.st, plan)
	if err != nil {
		return nil, dashboard.ExportPreview{}, fmt.Errorf("export: %w", err)
	}
	pv, err := run.Preview()
	if err != nil {
		return nil, dashboard.ExportPreview{}, err
	}
	return run, e.preview(run, pv), nil
}

// preview is the dashboard's view of a pay run's preview: a line per
// employee, the totals, and what stops the file (the sheet's blocking
// exceptions, then the provider's problems).
func (e *Exports) preview(run *payrun.Run, pv payrun.Preview) dashboard.ExportPreview {
	loc := e.rules.Location
	out := dashboard.ExportPreview{Format: string(run.Plan.Payroll.Format),
		Period: dashboard.Period{From: run.Plan.Period.From, To: run.Plan.Period.To.AddDate(0, 0, -1)}}
	line := func(l payroll.Line) dashboard.ExportLine {
		return dashboard.ExportLine{Employee: l.Number, Name: l.Name, Regular: minutes(l.Regular), Overtime: minutes(l.Overtime),
			Double: minutes(l.Double), Exceptions: l.Exceptions}
	}
	for _, l := range pv.Summary.Lines {
		out.Lines = append(out.Lines, line(l))
	}
	out.Totals = line(pv.Summary.Totals)
	for i, x := range pv.Blocking {
		at := x.At.In(loc)
		out.Blocking = append(out.Blocking, dashboard.Exception{ID: fmt.Sprintf("%s-%d", x.Employee, i), Employee: x.Employee,
			Name: run.Directory[x.Employee].Name, Day: time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, loc),
			Kind: string(x.Kind), Reason: x.Detail, Blocking: true, PunchID: x.PunchID})
	}
	for i, p := range pv.Problems {
		who := p.Employee
		if who == "" {
			who = "company"
		}
		out.Blocking = append(out.Blocking, dashboard.Exception{ID: fmt.Sprintf("payroll-%d", i), Employee: who,
			Name: run.Directory[p.Employee].Name, Kind: p.Field, Reason: fmt.Sprintf("%q: %s", p.Value, p.Reason), Blocking: true})
	}
	return out
}

// Preview is what Run would write for the period in format, and what
// stops it.
func (e *Exports) Preview(ctx context.Context, p dashboard.Period, format string) (dashboard.ExportPreview, error) {
	_, pv, err := e.prepare(ctx, p, format)
	return pv, err
}

// Run builds the file, records it by actor and returns it. With anything
// blocking it returns *dashboard.ExportBlocked and records nothing.
func (e *Exports) Run(ctx context.Context, p dashboard.Period, format, actor string) (dashboard.ExportFile, error) {
	run, pv, err := e.prepare(ctx, p, format)
	if err != nil {
		return dashboard.ExportFile{}, err
	}
	if len(pv.Blocking) > 0 {
		return dashboard.ExportFile{}, &dashboard.ExportBlocked{Preview: pv}
	}
	f, err := run.Build()
	if err != nil {
		return dashboard.ExportFile{}, fmt.Errorf("export: %w", err)
	}
	name := payrun.FileName(f)
	rec := run.Record(actor, e.clock.Now(), name, f.Data)
	if err := e.st.RecordExport(ctx, rec, f.Data); err != nil {
		return dashboard.ExportFile{}, err
	}
	return dashboard.ExportFile{Record: e.record(rec), Name: name, Data: f.Data}, nil
}

// record is the history row of r: its period's last day, in the site's
// zone.
func (e *Exports) record(r payrun.Record) dashboard.ExportRecord {
	loc := e.rules.Location
	return dashboard.ExportRecord{ID: r.ID, By: r.By, At: r.At.In(loc), Format: r.Format, SHA256: r.SHA256,
		Period: dashboard.Period{From: r.Period.From.In(loc), To: r.Period.To.In(loc).AddDate(0, 0, -1)}}
}

// History lists every recorded export (the CLI's too), newest first.
func (e *Exports) History(ctx context.Context) ([]dashboard.ExportRecord, error) {
	rs, err := e.st.Exports(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.ExportRecord, 0, len(rs))
	for _, r := range rs {
		out = append(out, e.record(r))
	}
	return out, nil
}

// Download is a recorded export's exact bytes, checked against their
// SHA-256; an unknown id is dashboard.ErrNotFound.
func (e *Exports) Download(ctx context.Context, id string) (dashboard.ExportFile, error) {
	r, data, err := payrun.Download(ctx, e.st, id)
	if errors.Is(err, hub.ErrUnknownExport) {
		return dashboard.ExportFile{}, fmt.Errorf("%w: %w", dashboard.ErrNotFound, err)
	}
	if err != nil {
		return dashboard.ExportFile{}, err
	}
	return dashboard.ExportFile{Record: e.record(r), Name: r.FileName, Data: data}, nil
}
