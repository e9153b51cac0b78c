package hubdata

import (
	"context"
	"errors"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/sync/hub"
)

// Editor is what the dashboard's actions change on the hub: punch
// repairs (originals kept, every edit audited) and period approval and
// lock. *hub.DB is the real one.
type Editor interface {
	AddPunch(ctx context.Context, employee string, kind clockface.PunchKind, at time.Time, e hub.PunchEdit) (hub.EditResult, error)
	CorrectPunch(ctx context.Context, id string, c hub.PunchChange, e hub.PunchEdit) (hub.EditResult, error)
	VoidPunch(ctx context.Context, id string, e hub.PunchEdit) (hub.EditResult, error)
	Approve(ctx context.Context, a attendance.Approval) error
	Lock(ctx context.Context, l attendance.Lock) error
}

// Actions implements dashboard.PunchEditor and dashboard.PeriodControl on
// the hub. An edit inside a locked period is refused (attendance.ErrLocked),
// as the CLI refuses it without --adjust.
type Actions struct {
	ed    Editor
	clock clockface.Clock
	rules attendance.Rules
}

// NewActions returns the actions on ed, timed by clock, with the site's
// rules (their zone reads the period's days).
func NewActions(ed Editor, clock clockface.Clock, rules attendance.Rules) *Actions {
	return &Actions{ed: ed, clock: clock, rules: rules}
}

func (a *Actions) edit(reason, actor string) hub.PunchEdit {
	r := a.rules
	r.Now = a.clock.Now()
	return hub.PunchEdit{Actor: actor, Reason: reason, Now: r.Now, Rules: r}
}

// Add records a forgotten punch.
func (a *Actions) Add(ctx context.Context, p dashboard.NewPunch, reason, actor string) (string, error) {
	kind := clockface.PunchKind(p.Kind)
	if !kind.Valid() {
		return "", errors.New("unknown punch kind " + p.Kind)
	}
	res, err := a.ed.AddPunch(ctx, p.Employee, kind, p.At, a.edit(reason, actor))
	return res.Punch.ID, err
}

// Correct moves a punch to at.
func (a *Actions) Correct(ctx context.Context, id string, at time.Time, reason, actor string) error {
	_, err := a.ed.CorrectPunch(ctx, id, hub.PunchChange{At: &at}, a.edit(reason, actor))
	return err
}

// Void takes a punch out of the timesheet; the row stays.
func (a *Actions) Void(ctx context.Context, id, reason, actor string) error {
	_, err := a.ed.VoidPunch(ctx, id, a.edit(reason, actor))
	return err
}

// period turns the dashboard's period (To is its last day) into the
// attendance rules' [From, To) between local midnights.
func (a *Actions) period(p dashboard.Period) attendance.Period {
	loc := a.rules.Location
	return attendance.Period{
		From: time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, loc),
		To:   time.Date(p.To.Year(), p.To.Month(), p.To.Day()+1, 0, 0, 0, 0, loc),
	}
}

// Approve records a manager's approval of one employee's period.
func (a *Actions) Approve(ctx context.Context, employee string, p dashboard.Period, actor string) error {
	return a.ed.Approve(ctx, attendance.Approval{Employee: employee, Period: a.period(p), Approver: actor, At: a.clock.Now()})
}

// Lock locks a whole period: later edits inside it are refused.
func (a *Actions) Lock(ctx context.Context, p dashboard.Period, actor string) error {
	return a.ed.Lock(ctx, attendance.Lock{Period: a.period(p), By: actor, At: a.clock.Now()})
}
