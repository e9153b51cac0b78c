package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clockface/dashboard"
)

// LockedUntil returns the latest lock end among keys still in the future
// at now, or the zero time.
func (s *SQL) LockedUntil(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		var lu int64
		err := s.db.QueryRowContext(ctx, s.q(`SELECT locked_until FROM dashboard_throttle WHERE tkey = ?`), k).Scan(&lu)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("login throttle: %w", err)
		}
		if t := time.Unix(0, lu).UTC(); t.After(now) && t.After(until) {
			until = t
		}
	}
	return until, nil
}

// Fail counts one failure against each rule's key. A window that ended
// starts again at one; reaching the limit locks the key until now+Lock.
func (s *SQL) Fail(ctx context.Context, now time.Time, rules []dashboard.ThrottleRule) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rules {
			var failures int
			var start, locked int64
			err := tx.QueryRowContext(ctx, s.q(`SELECT failures, window_start, locked_until FROM dashboard_throttle WHERE tkey = ?`), r.Key).
				Scan(&failures, &start, &locked)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				failures, start = 0, now.UnixNano()
			case err != nil:
				return err
			}
			if now.Sub(time.Unix(0, start)) > r.Window {
				failures, start = 0, now.UnixNano()
			}
			failures++
			if failures >= r.Limit {
				locked = now.Add(r.Lock).UnixNano()
				failures, start = 0, now.UnixNano()
			}
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM dashboard_throttle WHERE tkey = ?`), r.Key); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO dashboard_throttle (tkey, failures, window_start, locked_until) VALUES (?, ?, ?, ?)`),
				r.Key, failures, start, locked); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}

// Reset forgets a key's failures and lock.
func (s *SQL) Reset(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM dashboard_throttle WHERE tkey = ?`), key); err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}
