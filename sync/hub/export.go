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
	return s.punchesBetween(ctx, s.db, from, to)
}

func (s *DB) punchesBetween(ctx context.Context, q execer, from, to time.Time) ([]clockface.Punch, error) {
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+punchCols+` FROM punches
		WHERE effective_at >= ? AND effective_at < ? ORDER BY at, id`), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("punches: %w", err)
	}
	defer rows.Close()
	var ps []clockface.Punch
	for rows.Next() {
		p, err := scanPunch(rows)
		if err != nil {
			return nil, fmt.Errorf("punches: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// scanPunch reads one row of punchCols.
func scanPunch(sc interface{ Scan(...any) error }) (clockface.Punch, error) {
	var p wire.Punch
	var at, eff, recv int64
	var cAt, cWhen, vWhen sql.NullInt64
	var cBy, cReason, vBy, vReason sql.NullString
	if err := sc.Scan(&p.ID, &p.Employee, &p.Kind, &p.Method, &at, &p.KioskID, &p.Evidence.Distance, &p.Evidence.Margin,
		&p.Evidence.Liveness, &p.Evidence.Model, &cAt, &cBy, &cReason, &cWhen, &vBy, &vReason, &vWhen, &eff, &recv); err != nil {
		return clockface.Punch{}, err
	}
	p.At = fromNanos(at)
	if cAt.Valid {
		p.Correction = &wire.Correction{At: fromNanos(cAt.Int64), By: cBy.String, Reason: cReason.String, When: fromNanos(cWhen.Int64)}
	}
	if vBy.Valid {
		p.Void = &wire.Void{By: vBy.String, Reason: vReason.String, When: fromNanos(vWhen.Int64)}
	}
	return p.Domain(), nil
}
