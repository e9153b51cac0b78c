package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/attendance"
	"clockface/sync/wire"
)

// Punches repaired by an admin on the hub. The original values stay: a
// time correction keeps the recorded time (punches.at), a kind correction
// keeps the recorded kind (punches.original_kind), a void keeps the row,
// and every change is a row in punch_edits and an entry in the hub audit
// log.
const (
	// HubKioskID is the kiosk id of punches added on the hub.
	HubKioskID = "hub"
	// MethodAdmin is the method of punches added on the hub: nobody
	// proved anything at a kiosk; an admin entered it, with a reason.
	MethodAdmin = clockface.MethodAdmin
	// MaxEditAhead is how far past the hub's clock an edited time may be:
	// the tolerance attendance gives kiosk clocks. Later is refused, as
	// nobody can vouch for hours not yet worked.
	MaxEditAhead = attendance.DefaultFutureTolerance
	// adjustCandidates is how many periods after a locked one are tried
	// for an open one to carry an adjustment into.
	adjustCandidates = 24
)

// ErrUnknownPunch: no punch has this id on the hub.
var ErrUnknownPunch = errors.New("unknown punch")

// PunchEdit says who edits, why, when, and what to do with an edit at a
// time inside a locked period.
type PunchEdit struct {
	Actor, Reason string
	Now           time.Time
	// Adjust, for an edit inside a locked period: instead of refusing it
	// (attendance.ErrLocked), apply it and carry the change of each
	// employee's hours in that period into the next open period as an
	// attendance.Adjustment, computed with Rules (Location and Now set).
	Adjust bool
	Rules  attendance.Rules
}

// PunchChange is a correction: a new time, a new kind, or both.
type PunchChange struct {
	At   *time.Time
	Kind clockface.PunchKind // "" keeps the kind
}

// EditResult is a punch after an edit, and the adjustments the edit made
// (only with PunchEdit.Adjust).
type EditResult struct {
	Punch       clockface.Punch
	Adjustments []attendance.Adjustment
	// Unapproved are the approvals the edit withdrew: the approver saw
	// other hours.
	Unapproved []attendance.Approval
}

// PunchEditRecord is one changed field of one edit.
type PunchEditRecord struct {
	ID            int64 // the hub audit entry's sequence number
	PunchID       string
	Field         string // "punch" (added), "at", "kind" or "void"
	Before, After string
	Actor, Reason string
	At            time.Time
}

// Repairs is what an admin (CLI or dashboard) uses to repair punches.
type Repairs interface {
	// AddPunch adds a missed punch for a known employee, with a new
	// UUIDv7 and kiosk id HubKioskID.
	AddPunch(ctx context.Context, employee string, kind clockface.PunchKind, at time.Time, e PunchEdit) (EditResult, error)
	// CorrectPunch changes a punch's time, kind or both.
	CorrectPunch(ctx context.Context, id string, c PunchChange, e PunchEdit) (EditResult, error)
	// VoidPunch takes a punch out of timesheets; the row stays.
	VoidPunch(ctx context.Context, id string, e PunchEdit) (EditResult, error)
	// Punch returns one punch as exports see it.
	Punch(ctx context.Context, id string) (clockface.Punch, error)
	// PunchEdits lists a punch's edits ("" for all), oldest first.
	PunchEdits(ctx context.Context, punchID string) ([]PunchEditRecord, error)
}

var _ Repairs = (*DB)(nil)

func (e PunchEdit) check() error {
	if strings.TrimSpace(e.Reason) == "" {
		return errors.New("a reason is required")
	}
	if strings.TrimSpace(e.Actor) == "" {
		return errors.New("an actor is required")
	}
	if e.Now.IsZero() {
		return errors.New("edit: no clock reading")
	}
	if e.Adjust && e.Rules.Location == nil {
		return errors.New("adjust: the site's rules and time zone are required")
	}
	return nil
}

func (e PunchEdit) checkTime(t time.Time) error {
	if t.After(e.Now.Add(MaxEditAhead)) {
		return fmt.Errorf("time %s is in the future (the hub's clock reads %s)", t.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
	}
	if t.Year() < 2000 {
		return fmt.Errorf("time %s is before 2000", t.UTC().Format(time.RFC3339))
	}
	return nil
}

func checkKind(k clockface.PunchKind) error {
	if !k.Valid() {
		return fmt.Errorf("unknown punch kind %q (want in, out, break_start or break_end)", k)
	}
	return nil
}

func (s *DB) AddPunch(ctx context.Context, employee string, kind clockface.PunchKind, at time.Time, e PunchEdit) (EditResult, error) {
	if err := errors.Join(e.check(), checkKind(kind), e.checkTime(at)); err != nil {
		return EditResult{}, fmt.Errorf("add punch: %w", err)
	}
	p := wire.Punch{ID: uuid.Must(uuid.NewV7()).String(), Employee: employee, Kind: string(kind), Method: string(MethodAdmin),
		At: at.UTC(), KioskID: HubKioskID}
	res, err := s.edit(ctx, "punch.add", p.ID, employee, []time.Time{at}, e, func(tx *sql.Tx, _ clockface.Punch) ([][3]string, error) {
		if _, err := s.employee(ctx, tx, employee); err != nil {
			return nil, err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO punches (`+punchCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			punchArgs(p, nanos(e.Now))...); err != nil {
			return nil, err
		}
		return [][3]string{{"punch", "", string(kind) + " " + p.At.Format(time.RFC3339Nano)}}, nil
	})
	if err != nil {
		return EditResult{}, fmt.Errorf("add punch: %w", err)
	}
	return res, nil
}

func (s *DB) CorrectPunch(ctx context.Context, id string, c PunchChange, e PunchEdit) (EditResult, error) {
	err := e.check()
	if c.At == nil && c.Kind == "" {
		err = errors.Join(err, errors.New("nothing to correct: give a time, a kind or both"))
	}
	if c.Kind != "" {
		err = errors.Join(err, checkKind(c.Kind))
	}
	if c.At != nil {
		err = errors.Join(err, e.checkTime(*c.At))
	}
	if err != nil {
		return EditResult{}, fmt.Errorf("correct punch %s: %w", id, err)
	}
	res, err := s.edit(ctx, "punch.correct", id, "", nil, e, func(tx *sql.Tx, old clockface.Punch) ([][3]string, error) {
		var changed [][3]string
		if c.At != nil && !c.At.Equal(old.Time()) {
			t := nanos(*c.At)
			if _, err := s.exec(ctx, tx, `UPDATE punches SET corrected_at = ?, correction_by = ?, correction_reason = ?,
				correction_when = ?, effective_at = ? WHERE id = ?`, t, e.Actor, e.Reason, nanos(e.Now), t, id); err != nil {
				return nil, err
			}
			changed = append(changed, [3]string{"at", old.Time().UTC().Format(time.RFC3339Nano), c.At.UTC().Format(time.RFC3339Nano)})
		}
		if c.Kind != "" && c.Kind != old.Kind {
			if _, err := s.exec(ctx, tx, `UPDATE punches SET original_kind = COALESCE(original_kind, kind), kind = ? WHERE id = ?`,
				string(c.Kind), id); err != nil {
				return nil, err
			}
			changed = append(changed, [3]string{"kind", string(old.Kind), string(c.Kind)})
		}
		if len(changed) == 0 {
			return nil, errors.New("nothing changes: the punch already has that time and kind")
		}
		return changed, nil
	}, c.At)
	if err != nil {
		return EditResult{}, fmt.Errorf("correct punch %s: %w", id, err)
	}
	return res, nil
}

func (s *DB) VoidPunch(ctx context.Context, id string, e PunchEdit) (EditResult, error) {
	if err := e.check(); err != nil {
		return EditResult{}, fmt.Errorf("void punch %s: %w", id, err)
	}
	res, err := s.edit(ctx, "punch.void", id, "", nil, e, func(tx *sql.Tx, old clockface.Punch) ([][3]string, error) {
		if _, err := s.exec(ctx, tx, `UPDATE punches SET voided_by = ?, void_reason = ?, void_when = ? WHERE id = ?`,
			e.Actor, e.Reason, nanos(e.Now), id); err != nil {
			return nil, err
		}
		return [][3]string{{"void", "", "voided"}}, nil
	})
	if err != nil {
		return EditResult{}, fmt.Errorf("void punch %s: %w", id, err)
	}
	return res, nil
}

// edit runs one audited edit in a transaction. For an existing punch (id
// and no employee), it loads it (refusing a voided one) and adds its
// effective time, and newAt if given, to times. Each time inside a locked
// period refuses the edit, or with e.Adjust records the adjustments; each
// approval of the employee's covering a time is withdrawn. apply makes the
// change and returns the changed fields (field, before, after).
func (s *DB) edit(ctx context.Context, action, id, employee string, times []time.Time, e PunchEdit,
	apply func(tx *sql.Tx, old clockface.Punch) ([][3]string, error), newAt ...*time.Time) (EditResult, error) {
	var res EditResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = EditResult{}
		// Take the audit head first: writers queue here, and the next
		// entry's number is this edit's id.
		var seq int64
		if err := tx.QueryRowContext(ctx, `UPDATE hub_audit_head SET seq = seq WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		editID := seq + 1
		var old clockface.Punch
		if employee == "" {
			var err error
			if old, err = s.punch(ctx, tx, id); err != nil {
				return err
			}
			if old.Voided != nil {
				return fmt.Errorf("punch %s was voided (by %s at %s): nothing to edit", id, old.Voided.By, old.Voided.When.Format(time.RFC3339))
			}
			employee = old.EmployeeNumber
			times = append(times, old.Time())
			for _, t := range newAt {
				if t != nil {
					times = append(times, *t)
				}
			}
		}
		locks, err := s.locks(ctx, tx)
		if err != nil {
			return err
		}
		var locked []attendance.Period
		for _, t := range times {
			err := attendance.CheckEditable(locks, t)
			var le *attendance.LockedError
			if errors.As(err, &le) {
				if !e.Adjust {
					return err
				}
				if !slices.Contains(locked, le.Lock.Period) {
					locked = append(locked, le.Lock.Period)
				}
			}
		}
		before := make([]attendance.Sheet, len(locked))
		for i, p := range locked {
			if before[i], err = s.sheet(ctx, tx, p, e.Rules); err != nil {
				return err
			}
		}
		changed, err := apply(tx, old)
		if err != nil {
			return err
		}
		for i, p := range locked {
			after, err := s.sheet(ctx, tx, p, e.Rules)
			if err != nil {
				return err
			}
			into, err := attendance.NextOpen(locks, nextPeriods(p, e.Rules.Location, adjustCandidates), p.To)
			if err != nil {
				return fmt.Errorf("adjust: %w", err)
			}
			adj, err := attendance.Adjust(before[i], after, into, e.Actor, e.Reason, e.Now)
			if err != nil {
				return err
			}
			for _, a := range adj {
				if _, err := s.exec(ctx, tx, `INSERT INTO adjustments (id, employee, locked_from, locked_to, into_from, into_to,
					regular_ns, overtime_ns, double_ns, adjusted_by, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					editID, a.Employee, nanos(a.Locked.From), nanos(a.Locked.To), nanos(a.Into.From), nanos(a.Into.To),
					int64(a.Delta.Regular), int64(a.Delta.Overtime), int64(a.Delta.Double), a.By, a.Reason, nanos(a.At)); err != nil {
					return fmt.Errorf("adjustment: %w", err)
				}
			}
			res.Adjustments = append(res.Adjustments, adj...)
		}
		if res.Unapproved, err = s.withdrawApprovals(ctx, tx, employee, times); err != nil {
			return err
		}
		for _, c := range changed {
			if _, err := s.exec(ctx, tx, `INSERT INTO punch_edits (id, punch_id, field, before_value, after_value, actor, reason, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, editID, id, c[0], c[1], c[2], e.Actor, e.Reason, nanos(e.Now)); err != nil {
				return fmt.Errorf("record edit: %w", err)
			}
		}
		if res.Punch, err = s.punch(ctx, tx, id); err != nil {
			return err
		}
		detail := map[string]any{"employee": employee, "reason": e.Reason, "changes": changed}
		if len(res.Adjustments) > 0 {
			detail["adjustments"] = res.Adjustments
		}
		if len(res.Unapproved) > 0 {
			detail["unapproved"] = res.Unapproved
		}
		return s.audit(ctx, tx, e.Now, e.Actor, action, id, detail)
	})
	return res, err
}

// sheet computes the timesheets of period p from the punches in tx.
func (s *DB) sheet(ctx context.Context, tx *sql.Tx, p attendance.Period, r attendance.Rules) (attendance.Sheet, error) {
	from, to := p.From.In(r.Location), p.To.In(r.Location)
	qFrom, qTo, err := attendance.Window(from, to, r)
	if err != nil {
		return attendance.Sheet{}, fmt.Errorf("adjust: %w", err)
	}
	ps, err := s.punchesBetween(ctx, tx, qFrom, qTo)
	if err != nil {
		return attendance.Sheet{}, err
	}
	sh, err := attendance.Build(ps, from, to, r)
	if err != nil {
		return attendance.Sheet{}, fmt.Errorf("adjust: %w", err)
	}
	return sh, nil
}

// withdrawApprovals deletes employee's approvals of periods holding any
// of times and returns them.
func (s *DB) withdrawApprovals(ctx context.Context, tx *sql.Tx, employee string, times []time.Time) ([]attendance.Approval, error) {
	var out []attendance.Approval
	for _, t := range times {
		rows, err := tx.QueryContext(ctx, s.rebind(`DELETE FROM approvals WHERE employee = ? AND from_at <= ? AND to_at > ?
			RETURNING from_at, to_at, approver, at`), employee, nanos(t), nanos(t))
		if err != nil {
			return nil, fmt.Errorf("withdraw approval: %w", err)
		}
		for rows.Next() {
			a := attendance.Approval{Employee: employee}
			var from, to, at int64
			if err := rows.Scan(&from, &to, &a.Approver, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("withdraw approval: %w", err)
			}
			a.Period, a.At = attendance.Period{From: fromNanos(from), To: fromNanos(to)}, fromNanos(at)
			out = append(out, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("withdraw approval: %w", err)
		}
	}
	return out, nil
}

func (s *DB) Punch(ctx context.Context, id string) (clockface.Punch, error) {
	return s.punch(ctx, s.db, id)
}

func (s *DB) punch(ctx context.Context, q execer, id string) (clockface.Punch, error) {
	p, err := scanPunch(q.QueryRowContext(ctx, s.rebind(`SELECT `+punchCols+` FROM punches WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Punch{}, fmt.Errorf("punch %q: %w", id, ErrUnknownPunch)
	}
	if err != nil {
		return clockface.Punch{}, fmt.Errorf("punch %s: %w", id, err)
	}
	return p, nil
}

func (s *DB) PunchEdits(ctx context.Context, punchID string) ([]PunchEditRecord, error) {
	q := `SELECT id, punch_id, field, before_value, after_value, actor, reason, at FROM punch_edits`
	var args []any
	if punchID != "" {
		q += ` WHERE punch_id = ?`
		args = append(args, punchID)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q+` ORDER BY id, field`), args...)
	if err != nil {
		return nil, fmt.Errorf("punch edits: %w", err)
	}
	defer rows.Close()
	var out []PunchEditRecord
	for rows.Next() {
		var r PunchEditRecord
		var at int64
		if err := rows.Scan(&r.ID, &r.PunchID, &r.Field, &r.Before, &r.After, &r.Actor, &r.Reason, &at); err != nil {
			return nil, fmt.Errorf("punch edits: %w", err)
		}
		r.At = fromNanos(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
