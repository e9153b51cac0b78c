package hubdata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"clockface"
	"clockface/dashboard"
	"clockface/sync/hub"
)

// PairingTTL is how long a pairing code made from the dashboard is valid.
const PairingTTL = time.Hour

// Control is what the Kiosks, Employees and correction-request actions
// change on the hub, each change in its audit log. *hub.DB is the real one.
type Control interface {
	IssuePairingCode(ctx context.Context, forKiosk, actor string, now time.Time, ttl time.Duration) (string, time.Time, error)
	RevokeKiosk(ctx context.Context, id, reason, actor string, now time.Time) error
	AddSite(ctx context.Context, id, name, actor string, now time.Time) (hub.Site, error)
	AssignKiosk(ctx context.Context, kioskID, site, actor string, now time.Time) error
	SetPlacement(ctx context.Context, number string, p hub.Placement, actor string, now time.Time) error
	RequestCorrection(ctx context.Context, r hub.CorrectionRequest, actor string, now time.Time) (hub.CorrectionRequest, error)
	DecideRequest(ctx context.Context, id int64, status, resultPunch, reason, actor string, now time.Time) (hub.CorrectionRequest, error)
	RequestsOf(ctx context.Context, employee string) ([]hub.CorrectionRequest, error)
	OpenRequests(ctx context.Context) ([]hub.CorrectionRequest, error)
	Punch(ctx context.Context, id string) (clockface.Punch, error)
}

var _ Control = (*hub.DB)(nil)

// Controls implements dashboard.KioskControl, dashboard.SiteControl and
// dashboard.Requests on the hub. Requests are resolved through Actions,
// the punch edit flow every other dashboard edit takes.
type Controls struct {
	hub   Control
	data  *Data
	edits *Actions
	clock clockface.Clock
}

// NewControls returns the controls on c; d scopes the request queue like
// the exceptions, a resolves requests with punch edits.
func NewControls(c Control, d *Data, a *Actions, clock clockface.Clock) *Controls {
	return &Controls{hub: c, data: d, edits: a, clock: clock}
}

// dashErr maps the hub's refusals to the dashboard's: bad input to
// dashboard.ErrInvalid (the hub's message kept), unknown records to
// dashboard.ErrNotFound; a locked period stays attendance.ErrLocked.
func dashErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hub.ErrInvalidInput):
		return fmt.Errorf("%s: %w", err.Error(), dashboard.ErrInvalid)
	case errors.Is(err, hub.ErrUnknownKiosk), errors.Is(err, hub.ErrUnknownSite), errors.Is(err, hub.ErrUnknownEmployee),
		errors.Is(err, hub.ErrUnknownRequest), errors.Is(err, hub.ErrUnknownPunch):
		return fmt.Errorf("%s: %w", err.Error(), dashboard.ErrNotFound)
	}
	return err
}

func (c *Controls) PairingCode(ctx context.Context, kiosk, actor string) (dashboard.PairingCode, error) {
	code, exp, err := c.hub.IssuePairingCode(ctx, kiosk, actor, c.clock.Now(), PairingTTL)
	if err != nil {
		return dashboard.PairingCode{}, dashErr(err)
	}
	return dashboard.PairingCode{Code: code, Kiosk: kiosk, Expires: exp.In(c.data.rules.Location)}, nil
}

func (c *Controls) Revoke(ctx context.Context, kiosk, reason, actor string) error {
	return dashErr(c.hub.RevokeKiosk(ctx, kiosk, reason, actor, c.clock.Now()))
}

func (c *Controls) AddSite(ctx context.Context, id, name, actor string) error {
	_, err := c.hub.AddSite(ctx, id, name, actor, c.clock.Now())
	return dashErr(err)
}

func (c *Controls) AssignKiosk(ctx context.Context, kiosk, site, actor string) error {
	return dashErr(c.hub.AssignKiosk(ctx, kiosk, site, actor, c.clock.Now()))
}

func (c *Controls) Place(ctx context.Context, employee, site, department, actor string) error {
	return dashErr(c.hub.SetPlacement(ctx, employee, hub.Placement{Site: site, Department: department}, actor, c.clock.Now()))
}

func (c *Controls) Ask(ctx context.Context, employee string, r dashboard.NewRequest, actor string) error {
	_, err := c.hub.RequestCorrection(ctx, hub.CorrectionRequest{Employee: employee, PunchID: r.PunchID,
		Kind: clockface.PunchKind(r.Kind), At: r.At, Note: r.Note}, actor, c.clock.Now())
	return dashErr(err)
}

func (c *Controls) view(ctx context.Context, r hub.CorrectionRequest, name string) dashboard.CorrectionRequest {
	loc := c.data.rules.Location
	v := dashboard.CorrectionRequest{ID: r.ID, Employee: r.Employee, Name: name, PunchID: r.PunchID, Kind: string(r.Kind),
		At: r.At.In(loc), Note: r.Note, Created: r.Created.In(loc), Status: r.Status, DecidedBy: r.DecidedBy, Reason: r.Reason}
	if r.DecidedAt != nil {
		v.DecidedAt = r.DecidedAt.In(loc)
	}
	if r.PunchID != "" {
		if p, err := c.hub.Punch(ctx, r.PunchID); err == nil {
			v.PunchAt = p.Time().In(loc)
		}
	}
	return v
}

func (c *Controls) Mine(ctx context.Context, employee string) ([]dashboard.CorrectionRequest, error) {
	rs, err := c.hub.RequestsOf(ctx, employee)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.CorrectionRequest, 0, len(rs))
	for _, r := range rs {
		out = append(out, c.view(ctx, r, ""))
	}
	return out, nil
}

// Open is the open requests of the employees who belong to site (the site
// HR set for them, or else the site of their latest punch's kiosk) and
// whom f allows.
func (c *Controls) Open(ctx context.Context, site string, f dashboard.Filter) ([]dashboard.CorrectionRequest, error) {
	return c.open(ctx, site, f)
}

func (c *Controls) open(ctx context.Context, site string, f dashboard.Filter) ([]dashboard.CorrectionRequest, error) {
	rs, err := c.hub.OpenRequests(ctx)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	dir, err := c.data.roster(ctx)
	if err != nil {
		return nil, err
	}
	sites, _, err := c.data.kioskSites(ctx)
	if err != nil {
		return nil, err
	}
	last, err := c.data.r.LastKiosks(ctx)
	if err != nil {
		return nil, err
	}
	var out []dashboard.CorrectionRequest
	for _, r := range rs {
		e := dir[r.Employee]
		home := e.Site
		if home == "" {
			home = sites[last[r.Employee]]
		}
		if home != site || !allows(f, r.Employee, e.Department) {
			continue
		}
		out = append(out, c.view(ctx, r, e.Name))
	}
	return out, nil
}

// find is request id among site's open requests f allows.
func (c *Controls) find(ctx context.Context, id int64, site string, f dashboard.Filter) (dashboard.CorrectionRequest, error) {
	rs, err := c.open(ctx, site, f)
	if err != nil {
		return dashboard.CorrectionRequest{}, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return dashboard.CorrectionRequest{}, fmt.Errorf("request %d: %w", id, dashboard.ErrNotFound)
}

// Resolve edits the punch (or adds the missing one) at at with reason,
// then closes the request naming the punch. The two are separate hub
// transactions: should the second fail, the edit stands (audited) and
// the request stays open, to be closed by rejecting it with a note.
func (c *Controls) Resolve(ctx context.Context, id int64, site string, f dashboard.Filter, at time.Time, reason, actor string) error {
	r, err := c.find(ctx, id, site, f)
	if err != nil {
		return err
	}
	punch := r.PunchID
	if punch != "" {
		if err := c.edits.Correct(ctx, punch, at, reason, actor); err != nil {
			return dashErr(err)
		}
	} else {
		if punch, err = c.edits.Add(ctx, dashboard.NewPunch{Employee: r.Employee, Kind: r.Kind, At: at, Site: site}, reason, actor); err != nil {
			return dashErr(err)
		}
	}
	_, err = c.hub.DecideRequest(ctx, id, hub.RequestResolved, punch, reason, actor, c.clock.Now())
	return dashErr(err)
}

func (c *Controls) Reject(ctx context.Context, id int64, site string, f dashboard.Filter, reason, actor string) error {
	if _, err := c.find(ctx, id, site, f); err != nil {
		return err
	}
	_, err := c.hub.DecideRequest(ctx, id, hub.RequestRejected, "", reason, actor, c.clock.Now())
	return dashErr(err)
}

var (
	_ dashboard.KioskControl = (*Controls)(nil)
	_ dashboard.SiteControl  = (*Controls)(nil)
	_ dashboard.Requests     = (*Controls)(nil)
)
