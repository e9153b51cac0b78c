package hubdata

import (
	"context"
	"errors"
	"time"

	"clockface"
	"clockface/dashboard"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// Employee status on the hub: the Employees screen's terminate, restrict
// to PIN and lift-restriction actions (hub.ChangeEmployeeStatus: audited,
// versioned, final after a termination), and the directory with each
// employee's hub change and on how many kiosks it is still pending. The
// kiosks apply a change at their next sync (sync/outbox's downstream
// pass, ledger.ApplyDownstream).

// StatusControl is what this reads and changes; *hub.DB is one.
type StatusControl interface {
	ChangeEmployeeStatus(ctx context.Context, number, action, reason, actor string, now time.Time) (wire.StatusChange, error)
	EmployeeStatuses(ctx context.Context) (map[string]hub.HubStatus, error)
}

// Employees is dashboard.Directory with the hub's status changes laid
// over the kiosks' directory, and dashboard.EmployeeControl.
type Employees struct {
	dir   dashboard.Directory
	st    StatusControl
	clock clockface.Clock
}

// NewEmployees lays st's changes over dir; changes are timed by clock.
func NewEmployees(dir dashboard.Directory, st StatusControl, clock clockface.Clock) *Employees {
	return &Employees{dir: dir, st: st, clock: clock}
}

var (
	_ dashboard.Directory       = (*Employees)(nil)
	_ dashboard.EmployeeControl = (*Employees)(nil)
)

// Employees is the directory: a terminated or restricted status set on
// the hub shows at once, with the change and its progress.
func (e *Employees) Employees(ctx context.Context, f dashboard.Filter) ([]dashboard.DirectoryEntry, error) {
	rows, err := e.dir.Employees(ctx, f)
	if err != nil {
		return nil, err
	}
	sts, err := e.st.EmployeeStatuses(ctx)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		s, ok := sts[r.Number]
		if !ok {
			continue
		}
		if s.Terminated {
			r.Status = clockface.StatusTerminated
		}
		r.RestrictedToPIN = s.Restricted
		r.HubAction, r.Pending, r.AppliedBy = s.Last.Action, s.Pending, s.AppliedBy
		rows[i] = r
	}
	return rows, nil
}

// ChangeStatus records the change on the hub, for every kiosk to apply.
func (e *Employees) ChangeStatus(ctx context.Context, number, action, reason, actor string) error {
	_, err := e.st.ChangeEmployeeStatus(ctx, number, action, reason, actor, e.clock.Now())
	if errors.Is(err, hub.ErrTerminatedFinal) {
		return errors.Join(dashboard.ErrTerminatedFinal, err)
	}
	return err
}
