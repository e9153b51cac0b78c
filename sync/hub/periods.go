package hub

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"clockface/attendance"
)

// Periods is approval and lock of pay periods, and the adjustments that
// carry edits of a locked period into an open one.
type Periods interface {
	// Approve records that a.Approver accepted a.Employee's timesheet
	// for a.Period (an employee in the directory; a real range). Approving
	// again replaces the approval. Audited.
	Approve(ctx context.Context, a attendance.Approval) error
	// Approvals lists every approval, by period then employee.
	Approvals(ctx context.Context) ([]attendance.Approval, error)
	// Lock closes a period: edits at a time inside it are refused with
	// attendance.ErrLocked (or become adjustments). A lock overlapping an
	// existing one is refused. Audited.
	Lock(ctx context.Context, l attendance.Lock) error
	// Locks lists every lock, oldest period first.
	Locks(ctx context.Context) ([]attendance.Lock, error)
	// Adjustments lists the adjustments paid in a period starting in
	// [from, to): those whose Into period starts there.
	Adjustments(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
	// CarriedOut lists the adjustments carried out of a locked period
	// starting in [from, to): a re-export of it leaves them out, so its
	// file stays as exported.
	CarriedOut(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
}

var _ Periods = (*DB)(nil)

func checkRange(p attendance.Period) error {
	if _, err := attendance.NewPeriod(p.From, p.To); err != nil {
		return fmt.Errorf("period %s to %s: %w", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), err)
	}
	return nil
}

func (s *DB) Approve(ctx context.Context, a attendance.Approval) error {
	if err := checkRange(a.Period); err != nil {
		return err
	}
	if strings.TrimSpace(a.Approver) == "" {
		return fmt.Errorf("approve: an approver is required")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.employee(ctx, tx, a.Employee); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO approvals (employee, from_at, to_at, approver, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (employee, from_at, to_at) DO UPDATE SET approver = excluded.approver, at = excluded.at`,
			a.Employee, nanos(a.Period.From), nanos(a.Period.To), a.Approver, nanos(a.At)); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		return s.audit(ctx, tx, a.At, a.Approver, "period.approve", a.Employee, periodDetail(a.Period))
	})
}

func periodDetail(p attendance.Period) map[string]time.Time {
	return map[string]time.Time{"from": p.From.UTC(), "to": p.To.UTC()}
}

func (s *DB) Approvals(ctx context.Context) ([]attendance.Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT employee, from_at, to_at, approver, at FROM approvals ORDER BY from_at, to_at, employee`)
	if err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	defer rows.Close()
	var out []attendance.Approval
	for rows.Next() {
		var a attendance.Approval
		var from, to, at int64
		if err := rows.Scan(&a.Employee, &from, &to, &a.Approver, &at); err != nil {
			return nil, fmt.Errorf("approvals: %w", err)
		}
		a.Period, a.At = attendance.Period{From: fromNanos(from), To: fromNanos(to)}, fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *DB) Lock(ctx context.Context, l attendance.Lock) error {
	if err := checkRange(l.Period); err != nil {
		return err
	}
	if strings.TrimSpace(l.By) == "" {
		return fmt.Errorf("lock: who locks is required")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		locks, err := s.locks(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range locks {
			if o.Period.From.Before(l.Period.To) && l.Period.From.Before(o.Period.To) {
				return fmt.Errorf("lock %s: overlaps the locked period %s", l.Period, o.Period)
			}
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO locks (from_at, to_at, locked_by, at) VALUES (?, ?, ?, ?)`,
			nanos(l.Period.From), nanos(l.Period.To), l.By, nanos(l.At)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return s.audit(ctx, tx, l.At, l.By, "period.lock", l.Period.String(), periodDetail(l.Period))
	})
}

func (s *DB) Locks(ctx context.Context) ([]attendance.Lock, error) { return s.locks(ctx, s.db) }

func (s *DB) locks(ctx context.Context, q execer) ([]attendance.Lock, error) {
	rows, err := q.QueryContext(ctx, `SELECT from_at, to_at, locked_by, at FROM locks ORDER BY from_at`)
	if err != nil {
		return nil, fmt.Errorf("locks: %w", err)
	}
	defer rows.Close()
	var out []attendance.Lock
	for rows.Next() {
		var l attendance.Lock
		var from, to, at int64
		if err := rows.Scan(&from, &to, &l.By, &at); err != nil {
			return nil, fmt.Errorf("locks: %w", err)
		}
		l.Period, l.At = attendance.Period{From: fromNanos(from), To: fromNanos(to)}, fromNanos(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *DB) Adjustments(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error) {
	return s.adjustments(ctx, "into_from", from, to)
}

func (s *DB) CarriedOut(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error) {
	return s.adjustments(ctx, "locked_from", from, to)
}

// adjustments lists those whose column col (into_from or locked_from) is
// in [from, to).
func (s *DB) adjustments(ctx context.Context, col string, from, to time.Time) ([]attendance.Adjustment, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT employee, locked_from, locked_to, into_from, into_to,
		regular_ns, overtime_ns, double_ns, adjusted_by, reason, at FROM adjustments
		WHERE `+col+` >= ? AND `+col+` < ? ORDER BY employee, at, id`), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("adjustments: %w", err)
	}
	defer rows.Close()
	var out []attendance.Adjustment
	for rows.Next() {
		var a attendance.Adjustment
		var lf, lt, inf, intt, reg, ot, dbl, at int64
		if err := rows.Scan(&a.Employee, &lf, &lt, &inf, &intt, &reg, &ot, &dbl, &a.By, &a.Reason, &at); err != nil {
			return nil, fmt.Errorf("adjustments: %w", err)
		}
		a.Locked = attendance.Period{From: fromNanos(lf), To: fromNanos(lt)}
		a.Into = attendance.Period{From: fromNanos(inf), To: fromNanos(intt)}
		a.Delta = attendance.Hours{Regular: time.Duration(reg), Overtime: time.Duration(ot), Double: time.Duration(dbl)}
		a.At = fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// nextPeriods are the candidate periods after a locked one, in order,
// shaped like it: semi-monthly (1st-15th, 16th-end), whole months, or the
// same number of days.
func nextPeriods(locked attendance.Period, loc *time.Location, n int) []attendance.Period {
	from, to := locked.From.In(loc), locked.To.In(loc)
	var out []attendance.Period
	semi := (from.Day() == 1 && to.Day() == 16 && to.Month() == from.Month()) ||
		(from.Day() == 16 && to.Day() == 1)
	months := 0
	if from.Day() == 1 && to.Day() == 1 {
		months = int(to.Year()*12+int(to.Month())) - (from.Year()*12 + int(from.Month()))
	}
	days := int(to.Sub(from).Hours()/24 + 0.5)
	for range n {
		var next time.Time
		switch {
		case semi && to.Day() == 16:
			next = time.Date(to.Year(), to.Month()+1, 1, 0, 0, 0, 0, loc)
		case semi:
			next = time.Date(to.Year(), to.Month(), 16, 0, 0, 0, 0, loc)
		case months > 0:
			next = time.Date(to.Year(), to.Month()+time.Month(months), 1, 0, 0, 0, 0, loc)
		default:
			next = time.Date(to.Year(), to.Month(), to.Day()+days, 0, 0, 0, 0, loc)
		}
		out = append(out, attendance.Period{From: to, To: next})
		to = next
	}
	return out
}
