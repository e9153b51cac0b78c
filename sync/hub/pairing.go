package hub

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

func (s *DB) CreatePairingCode(ctx context.Context, codeHash, forKiosk string, created, expires time.Time) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO pairing_codes (code_hash, for_kiosk, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		codeHash, forKiosk, nanos(created), nanos(expires))
	if err != nil {
		return fmt.Errorf("create pairing code: %w", err)
	}
	return nil
}

func (s *DB) Pair(ctx context.Context, codeHash, kioskID string, secret []byte, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var forKiosk string
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE pairing_codes SET used_at = ?, kiosk_id = ?
			WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? AND (for_kiosk = '' OR for_kiosk = ?)
			RETURNING for_kiosk`), nanos(now), kioskID, codeHash, nanos(now), kioskID).Scan(&forKiosk)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadCode
		}
		if err != nil {
			return fmt.Errorf("spend pairing code: %w", err)
		}
		if forKiosk == "" {
			var n int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM kiosks WHERE id = ?`), kioskID).Scan(&n); err != nil {
				return fmt.Errorf("pair: %w", err)
			}
			if n > 0 {
				return ErrKioskExists
			}
		}
		_, err = s.exec(ctx, tx, `INSERT INTO kiosks (id, secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, revoked_at = NULL, revoke_reason = ''`,
			kioskID, base64.StdEncoding.EncodeToString(secret), nanos(now))
		if err != nil {
			return fmt.Errorf("store kiosk: %w", err)
		}
		return nil
	})
}

const kioskCols = `id, secret, created_at, revoked_at, last_seen, last_skew_ms, audit_seq, audit_hash,
	(SELECT COUNT(*) FROM audit_flags f WHERE f.kiosk_id = kiosks.id), site, revoke_reason`

func scanKiosk(sc interface{ Scan(...any) error }) (Kiosk, error) {
	var k Kiosk
	var secret string
	var created int64
	var revoked, seen sql.NullInt64
	var skew int64
	if err := sc.Scan(&k.ID, &secret, &created, &revoked, &seen, &skew, &k.AuditSeq, &k.AuditHash, &k.AuditFlags, &k.Site, &k.RevokeReason); err != nil {
		return Kiosk{}, err
	}
	var err error
	if k.Secret, err = base64.StdEncoding.DecodeString(secret); err != nil {
		return Kiosk{}, fmt.Errorf("kiosk %s: garbled secret", k.ID)
	}
	k.CreatedAt = fromNanos(created)
	k.RevokedAt, k.LastSeen = fromNullNanos(revoked), fromNullNanos(seen)
	k.LastSkew = time.Duration(skew) * time.Millisecond
	return k, nil
}

func (s *DB) Kiosk(ctx context.Context, id string) (Kiosk, error) {
	k, err := scanKiosk(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+kioskCols+` FROM kiosks WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Kiosk{}, fmt.Errorf("%w: %s", ErrUnknownKiosk, id)
	}
	if err != nil {
		return Kiosk{}, fmt.Errorf("kiosk %s: %w", id, err)
	}
	return k, nil
}

func (s *DB) Kiosks(ctx context.Context) ([]Kiosk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+kioskCols+` FROM kiosks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	defer rows.Close()
	var ks []Kiosk
	for rows.Next() {
		k, err := scanKiosk(rows)
		if err != nil {
			return nil, fmt.Errorf("list kiosks: %w", err)
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

func (s *DB) Revoke(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, s.db, `UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, nanos(now), id)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Kiosk(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// auditedCodes is a CodeStore that stores the code inside tx together
// with its hub audit entry.
type auditedCodes struct {
	s     *DB
	tx    *sql.Tx
	actor string
}

func (a auditedCodes) CreatePairingCode(ctx context.Context, codeHash, forKiosk string, created, expires time.Time) error {
	if _, err := a.s.exec(ctx, a.tx, `INSERT INTO pairing_codes (code_hash, for_kiosk, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		codeHash, forKiosk, nanos(created), nanos(expires)); err != nil {
		return fmt.Errorf("create pairing code: %w", err)
	}
	action, subject := "kiosk.pair_code", forKiosk
	if forKiosk != "" {
		action = "kiosk.repair_code"
	} else {
		subject = "(new kiosk)"
	}
	// Only the code's expiry is recorded: the code itself is shown once
	// and stored nowhere but as its hash.
	return a.s.audit(ctx, a.tx, created, a.actor, action, subject, map[string]string{"expires": expires.UTC().Format(time.RFC3339)})
}

// IssuePairingCode is NewPairingCodeFor for the dashboard: the code (for
// a new kiosk when forKiosk is empty, else re-pairing only that kiosk, which
// must exist) is stored with an entry in the hub audit log naming actor.
// It returns the code, to be shown once, and when it expires.
func (s *DB) IssuePairingCode(ctx context.Context, forKiosk, actor string, now time.Time, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		return "", time.Time{}, invalid("pairing code: the validity must be positive")
	}
	if forKiosk != "" {
		if _, err := s.Kiosk(ctx, forKiosk); err != nil {
			return "", time.Time{}, err
		}
	}
	var code string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		code, err = NewPairingCodeFor(ctx, auditedCodes{s, tx, actor}, now, ttl, forKiosk)
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return code, now.Add(ttl), nil
}

// RevokeKiosk revokes a kiosk's credential with a reason, recorded on the
// kiosk and in the hub audit log: its requests are refused from now on
// (a re-pairing code for it makes it work again). Revoking a revoked kiosk
// is an error, and changes nothing.
func (s *DB) RevokeKiosk(ctx context.Context, id, reason, actor string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return invalid("revoke: a reason is required")
	}
	if err := checkText("reason", reason); err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE kiosks SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL`, nanos(now), reason, id)
		if err != nil {
			return fmt.Errorf("revoke %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var known int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM kiosks WHERE id = ?`), id).Scan(&known); err != nil {
				return fmt.Errorf("revoke %s: %w", id, err)
			}
			if known == 0 {
				return fmt.Errorf("%w: %s", ErrUnknownKiosk, id)
			}
			return invalid("revoke %s: already revoked", id)
		}
		return s.audit(ctx, tx, now, actor, "kiosk.revoke", id, map[string]string{"reason": reason})
	})
}
