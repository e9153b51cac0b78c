package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// The session methods make SQL an scs.CtxStore. Tokens arrive hashed
// (scs HashTokenInStore), so the table never holds a live cookie value.
// An expired row is never found, by the store's clock, and is deleted by
// PurgeSessions.

// FindCtx returns the session data for token if it has not expired.
func (s *SQL) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data string
	var expiry int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT data, expiry FROM dashboard_sessions WHERE token = ?`), token).Scan(&data, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	if !s.clock.Now().Before(time.Unix(0, expiry)) {
		return nil, false, nil
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores (or replaces) a session in one statement. (A delete
// then an insert raced on PostgreSQL: two requests of one browser
// committing the same session at once both deleted, and the second insert
// hit the primary key, which failed the page with "session store
// unavailable".)
func (s *SQL) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO dashboard_sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`),
		token, base64.StdEncoding.EncodeToString(b), expiry.UnixNano())
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session.
func (s *SQL) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM dashboard_sessions WHERE token = ?`), token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes sessions expired at the store's clock and returns
// how many.
func (s *SQL) PurgeSessions(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM dashboard_sessions WHERE expiry <= ?`), s.clock.Now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return res.RowsAffected()
}

// Find is FindCtx without a context.
func (s *SQL) Find(token string) ([]byte, bool, error) { return s.FindCtx(context.Background(), token) }

// Commit is CommitCtx without a context.
func (s *SQL) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context.
func (s *SQL) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
