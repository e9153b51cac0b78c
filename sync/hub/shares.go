package hub

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"clockface/sync/wire"
)

func (s *DB) PutShares(ctx context.Context, origin string, shares []wire.TemplateShare, now time.Time) (int, error) {
	stored := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored = 0
		for _, sh := range shares {
			var seq int64
			if err := tx.QueryRowContext(ctx, `UPDATE share_seq SET n = n + 1 WHERE id = 1 RETURNING n`).Scan(&seq); err != nil {
				return fmt.Errorf("share sequence: %w", err)
			}
			deleted := 0
			if sh.Deleted {
				deleted = 1
			}
			out, err := s.exec(ctx, tx, `INSERT INTO template_shares (employee, model, key_id, sealed, deleted, origin, at, received_at, seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (employee, model) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed,
					deleted = excluded.deleted, origin = excluded.origin, at = excluded.at,
					received_at = excluded.received_at, seq = excluded.seq
				WHERE template_shares.at <= excluded.at`,
				sh.Employee, sh.Model, sh.KeyID, sh.Sealed, deleted, origin, nanos(sh.At), nanos(now), seq)
			if err != nil {
				return fmt.Errorf("store share: %w", err)
			}
			if n, _ := out.RowsAffected(); n == 1 {
				stored++
			}
		}
		return nil
	})
	return stored, err
}

func (s *DB) Shares(ctx context.Context, after int64, limit int) ([]wire.SharedTemplate, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT seq, origin, employee, model, key_id, sealed, deleted, at
		FROM template_shares WHERE seq > ? ORDER BY seq LIMIT ?`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	defer rows.Close()
	var out []wire.SharedTemplate
	for rows.Next() {
		var sh wire.SharedTemplate
		var deleted, at int64
		if err := rows.Scan(&sh.Seq, &sh.Origin, &sh.Employee, &sh.Model, &sh.KeyID, &sh.Sealed, &deleted, &at); err != nil {
			return nil, fmt.Errorf("shares: %w", err)
		}
		sh.Deleted, sh.At = deleted == 1, fromNanos(at)
		out = append(out, sh)
	}
	return out, rows.Err()
}
