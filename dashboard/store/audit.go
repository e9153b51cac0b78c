package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clockface/dashboard"
)

// ErrAuditBroken says the audit chain does not verify.
var ErrAuditBroken = errors.New("audit chain broken")

// AppendAudit appends one entry on its own.
func (s *SQL) AppendAudit(ctx context.Context, a dashboard.Audit) error {
	if err := s.tx(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, a) }); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// appendAudit chains a to the newest entry inside tx. On PostgreSQL the
// table is locked for the transaction so two writers cannot both read the
// same head; SQLite's immediate transactions already serialise writers.
func (s *SQL) appendAudit(ctx context.Context, tx *sql.Tx, a dashboard.Audit) error {
	if s.pg {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE dashboard_audit IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	var seq int64
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM dashboard_audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	a.Seq, a.PrevHash = seq+1, prev
	if a.At.IsZero() {
		a.At = s.clock.Now()
	}
	a.At = a.At.UTC()
	a.Hash = dashboard.AuditHash(a)
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO dashboard_audit (seq, at, actor, action, subject, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.Seq, a.At.UnixNano(), a.Actor, a.Action, a.Subject, nullJSON(a.Before), nullJSON(a.After), a.PrevHash, a.Hash)
	return err
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

const auditCols = `seq, at, actor, action, subject, before_json, after_json, prev_hash, hash`

func scanAudit(r scanner) (dashboard.Audit, error) {
	var a dashboard.Audit
	var at int64
	var before, after sql.NullString
	if err := r.Scan(&a.Seq, &at, &a.Actor, &a.Action, &a.Subject, &before, &after, &a.PrevHash, &a.Hash); err != nil {
		return a, err
	}
	a.At = time.Unix(0, at).UTC()
	if before.Valid {
		a.Before = []byte(before.String)
	}
	if after.Valid {
		a.After = []byte(after.String)
	}
	return a, nil
}

// AuditEntries returns the newest entries first, at most limit.
func (s *SQL) AuditEntries(ctx context.Context, limit int) ([]dashboard.Audit, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+auditCols+` FROM dashboard_audit ORDER BY seq DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var as []dashboard.Audit
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		as = append(as, a)
	}
	return as, rows.Err()
}

// VerifyAudit walks the chain from the first entry: sequence numbers
// without gaps, each PrevHash the hash before it, each Hash recomputed.
func (s *SQL) VerifyAudit(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM dashboard_audit ORDER BY seq`)
	if err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	n, prev := 0, ""
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return n, fmt.Errorf("verify audit: %w", err)
		}
		switch {
		case a.Seq != int64(n+1):
			return n, fmt.Errorf("%w: entry %d follows %d", ErrAuditBroken, a.Seq, n)
		case a.PrevHash != prev:
			return n, fmt.Errorf("%w: entry %d does not point at the hash of entry %d", ErrAuditBroken, a.Seq, n)
		case dashboard.AuditHash(a) != a.Hash:
			return n, fmt.Errorf("%w: entry %d was changed", ErrAuditBroken, a.Seq)
		}
		n, prev = n+1, a.Hash
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("verify audit: %w", err)
	}
	return n, nil
}
