package hub

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// The dashboard's reads of the hub's records (dashboard/hubdata holds them
// through its own small interfaces). They read only; written once with ?
// placeholders for both dialects.

// ShareRecord is what the hub stores about one shared template, without
// the sealed ciphertext (which the hub cannot open): for an employee's
// "what my employer holds about me".
type ShareRecord struct {
	Employee string    `json:"employee"`
	Model    string    `json:"model"`
	KeyID    string    `json:"key_id"`
	Origin   string    `json:"origin_kiosk"`
	At       time.Time `json:"at"`
	Deleted  bool      `json:"deleted"`
	// SealedBytes is the length of the ciphertext the hub forwards.
	SealedBytes int `json:"sealed_bytes"`
}

// PresencePunches returns the punches whose effective time is in [from,
// to) with only what the who's-in board and the timesheet's rules need:
// id, employee, kind, time, kiosk, correction time and whether it was
// voided (the void's details are left empty). Cheaper than PunchesBetween
// for screens of thousands: the punches_presence index covers the query,
// and the few distinct kinds and kiosk ids are shared, not copied per row.
func (s *DB) PresencePunches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT id, employee, kind, at, kiosk_id, corrected_at, voided_by IS NOT NULL
		FROM punches WHERE effective_at >= ? AND effective_at < ?`), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("presence punches: %w", err)
	}
	defer rows.Close()
	var ps []clockface.Punch
	void := &clockface.Void{}
	shared := map[string]string{}
	intern := func(b sql.RawBytes) string {
		if v, ok := shared[string(b)]; ok {
			return v
		}
		v := string(b)
		shared[v] = v
		return v
	}
	var kind, kiosk sql.RawBytes
	for rows.Next() {
		var p clockface.Punch
		var at int64
		var cAt sql.NullInt64
		var voided bool
		if err := rows.Scan(&p.ID, &p.EmployeeNumber, &kind, &at, &kiosk, &cAt, &voided); err != nil {
			return nil, fmt.Errorf("presence punches: %w", err)
		}
		p.Kind, p.KioskID = clockface.PunchKind(intern(kind)), intern(kiosk)
		p.At = fromNanos(at)
		if cAt.Valid {
			p.Corrected = &clockface.Correction{At: fromNanos(cAt.Int64)}
		}
		if voided {
			p.Voided = void
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// PunchesOf returns one employee's punches whose effective time is in
// [from, to), complete (corrections and voids), ordered by original time.
// Zero bounds mean no bound.
func (s *DB) PunchesOf(ctx context.Context, employee string, from, to time.Time) ([]clockface.Punch, error) {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = nanos(from)
	}
	if !to.IsZero() {
		hi = nanos(to)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+punchCols+` FROM punches
		WHERE employee = ? AND effective_at >= ? AND effective_at < ? ORDER BY at, id`), employee, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("punches of %s: %w", employee, err)
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
			return nil, fmt.Errorf("punches of %s: %w", employee, err)
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

// SharesOf lists the template shares the hub stores for employee, without
// their ciphertext.
func (s *DB) SharesOf(ctx context.Context, employee string) ([]ShareRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT employee, model, key_id, origin, at, deleted, sealed
		FROM template_shares WHERE employee = ? ORDER BY model`), employee)
	if err != nil {
		return nil, fmt.Errorf("shares of %s: %w", employee, err)
	}
	defer rows.Close()
	var out []ShareRecord
	for rows.Next() {
		var r ShareRecord
		var at, deleted int64
		var sealed string
		if err := rows.Scan(&r.Employee, &r.Model, &r.KeyID, &r.Origin, &at, &deleted, &sealed); err != nil {
			return nil, fmt.Errorf("shares of %s: %w", employee, err)
		}
		r.At, r.Deleted, r.SealedBytes = fromNanos(at), deleted != 0, len(sealed)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SQLDB is the database handle and whether it is PostgreSQL, so the
// dashboard's own tables (dashboard/store, with their own goose version
// table) live in the same hub database on the same connections. Nothing
// else may use it.
func (s *DB) SQLDB() (db *sql.DB, postgres bool) { return s.db, s.d.dollar }

// LastKiosks maps each employee number to the kiosk of their latest punch
// (by original time), for the directory's site column.
func (s *DB) LastKiosks(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.employee, MAX(p.kiosk_id) FROM punches p
		JOIN (SELECT employee, MAX(at) AS at FROM punches GROUP BY employee) m ON p.employee = m.employee AND p.at = m.at
		GROUP BY p.employee`)
	if err != nil {
		return nil, fmt.Errorf("last kiosks: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var emp, kiosk string
		if err := rows.Scan(&emp, &kiosk); err != nil {
			return nil, fmt.Errorf("last kiosks: %w", err)
		}
		out[emp] = kiosk
	}
	return out, rows.Err()
}
