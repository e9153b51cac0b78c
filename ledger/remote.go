package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/sync/wire"
)

// What the hub sends down at each sync (sync/outbox's downstream pass):
// employee status changes HR made on the hub, and every employee's last
// known state from the other kiosks. Both are outside input: they arrive
// decoded and validated by wire.DecodeDownstream, and here an employee
// this ledger does not hold is ignored (never created), a change at or
// below the sequence number already applied (overall or for that
// employee) is ignored, and a terminated employee stays terminated.
// Nothing biometric ever comes down.

// metaDownstreamSeq is the newest hub status change applied.
const metaDownstreamSeq = "downstream_seq"

// hubActor is how the audit names a hub user: "hub:" and their name.
func hubActor(actor string) string { return "hub:" + actor }

// DownstreamCursor is the hub sequence number of the newest status change
// this ledger has applied (0 before the first): the relay's next After.
func (l *Ledger) DownstreamCursor(ctx context.Context) (int64, error) {
	return downstreamCursor(ctx, l.db)
}

func downstreamCursor(ctx context.Context, q querier) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaDownstreamSeq).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("downstream cursor: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("downstream cursor %q: %w", v, err)
	}
	return n, nil
}

// ApplyDownstream applies one answer of the hub in one transaction. Each
// status change is applied as a termination or restriction at this kiosk
// is (Terminate, Restrict), audited with the hub user as actor
// ("hub:EMAIL") and the hub's reason and sequence number: a termination
// deletes the employee's templates (or schedules it after
// Config.TemplateGrace) and stops face matching; a restriction stops face
// matching and face punches; an unrestrict lifts a restriction (only an
// explicit one does). The remote states replace those stored before
// (employees not held here are left out), when d carries the last page
// of changes (More false). It returns how many changes it applied; the
// others were for employees not held here, at or below a sequence number
// already applied, or for an employee already terminated.
func (l *Ledger) ApplyDownstream(ctx context.Context, d wire.Downstream) (int, error) {
	if err := d.Validate(); err != nil { // a caller that skipped the decoder
		return 0, fmt.Errorf("downstream: %w", err)
	}
	applied := 0
	terminated := false
	err := l.tx(ctx, func(tx *sql.Tx) error {
		cursor, err := downstreamCursor(ctx, tx)
		if err != nil {
			return err
		}
		now := l.now()
		for _, c := range d.Changes {
			if c.Seq <= cursor {
				continue
			}
			cursor = c.Seq
			ok, err := l.applyStatus(ctx, tx, c, now)
			if err != nil {
				return fmt.Errorf("hub change %d for %s: %w", c.Seq, c.Employee, err)
			}
			if !ok {
				continue
			}
			applied++
			terminated = terminated || c.Action == wire.ActionTerminate
		}
		if err := setMeta(ctx, tx, metaDownstreamSeq, strconv.FormatInt(cursor, 10)); err != nil {
			return err
		}
		if d.More {
			return nil
		}
		return storeRemoteStates(ctx, tx, d.States, now)
	})
	if err != nil {
		return 0, fmt.Errorf("apply downstream: %w", err)
	}
	if terminated {
		l.flushDeleted(ctx)
	}
	return applied, nil
}

// applyStatus applies one change; false when it changes nothing here
// (unknown employee, older than one applied, already terminated).
func (l *Ledger) applyStatus(ctx context.Context, tx *sql.Tx, c wire.StatusChange, now time.Time) (bool, error) {
	var id, last int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT e.id, e.status, COALESCE(h.seq, 0) FROM employees e
		LEFT JOIN hub_status h ON h.employee_id = e.id WHERE e.number = ?`, c.Employee).Scan(&id, &status, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if c.Seq <= last || clockface.EmployeeStatus(status) != clockface.StatusActive {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_status (employee_id, seq, action, applied_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (employee_id) DO UPDATE SET seq = excluded.seq, action = excluded.action, applied_at = excluded.applied_at`,
		id, c.Seq, c.Action, nanos(now)); err != nil {
		return false, err
	}
	detail := map[string]any{"hub_seq": c.Seq, "reason": c.Reason, "hub_time": c.At}
	actor := hubActor(c.Actor)
	switch c.Action {
	case wire.ActionTerminate:
		return true, l.terminate(ctx, tx, id, c.Employee, actor, detail)
	case wire.ActionRestrict, wire.ActionUnrestrict:
		restricted := c.Action == wire.ActionRestrict
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET restricted = ? WHERE id = ?`, restricted, id); err != nil {
			return false, err
		}
		return true, l.audit(ctx, tx, actor, "employee."+c.Action, c.Employee, detail)
	}
	return false, fmt.Errorf("unknown action %q", c.Action)
}

// storeRemoteStates replaces the stored remote states with those of
// employees held here.
func storeRemoteStates(ctx context.Context, tx *sql.Tx, states []wire.RemoteState, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM remote_states`); err != nil {
		return err
	}
	for _, s := range states {
		var shift int64
		if !s.ShiftStart.IsZero() {
			shift = nanos(s.ShiftStart)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO remote_states (employee_id, kind, at, shift_start, kiosk_id, punch_id, received_at)
			SELECT id, ?, ?, ?, ?, ?, ? FROM employees WHERE number = ?`,
			s.Kind, nanos(s.At), shift, s.KioskID, s.PunchID, nanos(now), s.Employee); err != nil {
			return err
		}
	}
	return nil
}

// withRemote is own, or the hub's last known state of the employee when
// that was set later (and not after t): the later of this kiosk's own
// last punch and the other kiosks'. An in or break state whose shift
// started more than maxShift before t counts as out (Stale), as
// attendance.State has it.
func withRemote(ctx context.Context, q querier, empID int64, own attendance.Status, t time.Time, maxShift time.Duration) (attendance.Status, error) {
	var kind, kiosk, punch string
	var at, shift int64
	err := q.QueryRowContext(ctx, `SELECT kind, at, shift_start, kiosk_id, punch_id FROM remote_states WHERE employee_id = ?`, empID).
		Scan(&kind, &at, &shift, &kiosk, &punch)
	if errors.Is(err, sql.ErrNoRows) {
		return own, nil
	}
	if err != nil {
		return own, fmt.Errorf("remote state: %w", err)
	}
	since := fromNanos(at)
	if !since.After(own.Since) || since.After(t) {
		return own, nil
	}
	st := attendance.Status{Kind: clockface.PunchKind(kind), Since: since, PunchID: punch, KioskID: kiosk}
	if st.Kind == clockface.PunchOut {
		return st, nil
	}
	st.ShiftStart = fromNanos(shift)
	if t.Sub(st.ShiftStart) > maxShift {
		return attendance.Status{Kind: clockface.PunchOut, Since: st.ShiftStart, PunchID: punch, KioskID: kiosk, Stale: true}, nil
	}
	return st, nil
}
