package hub

import (
	"context"
	"database/sql"
	"fmt"

	"clockface/sync/wire"
)

// PostgreSQL bulk inserts: one array parameter per column and unnest,
// instead of a VALUES list with 19 parameters per row.

func (s *DB) insertEventsPG(ctx context.Context, tx *sql.Tx, kiosk string, evs []wire.Event, hub int64) (map[string]bool, error) {
	n := len(evs)
	ids, types, punchIDs := make([]string, n), make([]string, n), make([]string, n)
	seqs, ats := make([]int64, n), make([]int64, n)
	for i, e := range evs {
		ids[i], types[i], punchIDs[i], seqs[i], ats[i] = e.ID, e.Type, e.Punch.ID, e.Seq, nanos(e.At)
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO events (id, kiosk_id, seq, type, punch_id, at, received_at)
		SELECT u.id, $2, u.seq, u.type, u.punch_id, u.at, $3
		FROM unnest($1::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[]) AS u(id, seq, type, punch_id, at)
		ON CONFLICT (id) DO NOTHING RETURNING id`, ids, kiosk, hub, seqs, types, punchIDs, ats)
	if err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	defer rows.Close()
	fresh := make(map[string]bool, n)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		fresh[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	return fresh, nil
}

func (s *DB) insertPunchesPG(ctx context.Context, tx *sql.Tx, evs []wire.Event, hub int64) (int, error) {
	n := len(evs)
	cols := make([][]any, 19)
	for c := range cols {
		cols[c] = make([]any, n)
	}
	for i, e := range evs {
		for c, v := range punchArgs(e.Punch, hub) {
			cols[c][i] = v
		}
	}
	// Typed arrays: pgx encodes []*T with NULLs.
	str := func(c int) []*string {
		out := make([]*string, n)
		for i, v := range cols[c] {
			switch x := v.(type) {
			case string:
				out[i] = &x
			case sql.NullString:
				if x.Valid {
					out[i] = &x.String
				}
			}
		}
		return out
	}
	i64 := func(c int) []*int64 {
		out := make([]*int64, n)
		for i, v := range cols[c] {
			switch x := v.(type) {
			case int64:
				out[i] = &x
			case sql.NullInt64:
				if x.Valid {
					out[i] = &x.Int64
				}
			}
		}
		return out
	}
	f64 := func(c int) []float64 {
		out := make([]float64, n)
		for i, v := range cols[c] {
			out[i] = v.(float64)
		}
		return out
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO punches (`+punchCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
			$7::float8[], $8::float8[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::bigint[],
			$15::text[], $16::text[], $17::bigint[], $18::bigint[], $19::bigint[])
		ON CONFLICT (id) DO NOTHING`,
		str(0), str(1), str(2), str(3), i64(4), str(5), f64(6), f64(7), str(8), str(9), i64(10), str(11), str(12), i64(13),
		str(14), str(15), i64(16), i64(17), i64(18))
	if err != nil {
		return 0, fmt.Errorf("insert punches: %w", err)
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert punches: %w", err)
	}
	return int(inserted), nil
}
