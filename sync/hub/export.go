package hub

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// PunchesBetween returns the punches whose effective time is in [from,
// to), with their latest correction and void, ordered by original time.
func (s *DB) PunchesBetween(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+punchCols+` FROM punches
		WHERE effective_at >= ? AND effective_at < ? ORDER BY at, id`), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("punches: %w", err)
	}
	defer rows.Close()
	var ps []clockface.Punch
	for rows.Next() {
		var p wire.Punch
		var at, eff, recv int64
		var cAt, cWhen, vWhen sql.NullInt64
		var cBy, cReason, vBy, vReason sql.NullString
		if err := rows.Scan(&p.ID, &p.Employee, &p.Kind, &p.Method, &at, &p.KioskID, &p.Evidence.Distance, &p.Evidence.Margin,
			&p.Evidence.Liveness, &p.Evidence.Model, &cAt, &cBy, &cReason, &cWhen, &vBy, &vReason, &vWhen, &eff, &recv); err != nil {
			return nil, fmt.Errorf("punches: %w", err)
		}
		p.At = fromNanos(at)
		if cAt.Valid {
			p.Correction = &wire.Correction{At: fromNanos(cAt.Int64), By: cBy.String, Reason: cReason.String, When: fromNanos(cWhen.Int64)}
		}
		if vBy.Valid {
			p.Void = &wire.Void{By: vBy.String, Reason: vReason.String, When: fromNanos(vWhen.Int64)}
		}
		ps = append(ps, p.Domain())
	}
	return ps, rows.Err()
}

func (s *DB) Employees(ctx context.Context) ([]clockface.Employee, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, name, status FROM employees ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("employees: %w", err)
	}
	defer rows.Close()
	var es []clockface.Employee
	for rows.Next() {
		var e clockface.Employee
		if err := rows.Scan(&e.Number, &e.Name, &e.Status); err != nil {
			return nil, fmt.Errorf("employees: %w", err)
		}
		es = append(es, e)
	}
	return es, rows.Err()
}
