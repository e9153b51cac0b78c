package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"clockface/dashboard"
)

const userCols = `id, email, role, scope_json, lang, password_hash, epoch, created_at`

type scanner interface{ Scan(...any) error }

func scanUser(r scanner) (dashboard.User, error) {
	var u dashboard.User
	var role, scope string
	var created int64
	if err := r.Scan(&u.ID, &u.Email, &role, &scope, &u.Lang, &u.PasswordHash, &u.Epoch, &created); err != nil {
		return u, err
	}
	u.Role = dashboard.Role(role)
	u.CreatedAt = time.Unix(0, created).UTC()
	if err := json.Unmarshal([]byte(scope), &u.Scope); err != nil {
		return u, fmt.Errorf("user %s: scope: %w", u.ID, err)
	}
	return u, nil
}

// AddUser stores a new user (ID and CreatedAt are set here) and its audit
// entry; a taken email is ErrDuplicateEmail.
func (s *SQL) AddUser(ctx context.Context, u dashboard.User, a dashboard.Audit) (dashboard.User, error) {
	u.ID = uuid.Must(uuid.NewV7()).String()
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = s.clock.Now().UTC()
	scope, err := json.Marshal(u.Scope)
	if err != nil {
		return u, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO dashboard_users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, 0, ?)`),
			u.ID, u.Email, string(u.Role), string(scope), u.Lang, u.PasswordHash, u.CreatedAt.UnixNano())
		if isUniqueViolation(err) {
			return dashboard.ErrDuplicateEmail
		}
		if err != nil {
			return err
		}
		a.Subject = u.ID
		if a.After == nil {
			a.After = userJSON(u)
		}
		return s.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return dashboard.User{}, fmt.Errorf("add user %s: %w", u.Email, err)
	}
	return u, nil
}

// userJSON is the audit record of a user: never the password hash.
func userJSON(u dashboard.User) json.RawMessage {
	b, _ := json.Marshal(u)
	return b
}

// UserByID returns a user or ErrNotFound.
func (s *SQL) UserByID(ctx context.Context, id string) (dashboard.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM dashboard_users WHERE id = ?`), id))
	return u, notFound(err, "user "+id)
}

// UserByEmail returns a user by email (any case) or ErrNotFound.
func (s *SQL) UserByEmail(ctx context.Context, email string) (dashboard.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM dashboard_users WHERE email = ?`), email))
	return u, notFound(err, "user "+email)
}

// ListUsers returns every user by email.
func (s *SQL) ListUsers(ctx context.Context) ([]dashboard.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM dashboard_users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var us []dashboard.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// update reads the user, applies change, writes the columns it names and
// the audit entry (before and after filled in) in one transaction.
func (s *SQL) update(ctx context.Context, id string, a dashboard.Audit, change func(*dashboard.User), set string, args func(dashboard.User) []any) (dashboard.User, error) {
	var after dashboard.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		before, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM dashboard_users WHERE id = ?`), id))
		if err != nil {
			return notFound(err, "user "+id)
		}
		after = before
		change(&after)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE dashboard_users SET `+set+` WHERE id = ?`), append(args(after), id)...); err != nil {
			return err
		}
		a.Subject = id
		if a.Before == nil {
			a.Before = userJSON(before)
		}
		if a.After == nil {
			a.After = userJSON(after)
		}
		return s.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return dashboard.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return after, nil
}

// SetRole replaces the user's role and scope.
func (s *SQL) SetRole(ctx context.Context, id string, role dashboard.Role, scope dashboard.Scope, a dashboard.Audit) (dashboard.User, error) {
	sj, err := json.Marshal(scope)
	if err != nil {
		return dashboard.User{}, err
	}
	return s.update(ctx, id, a, func(u *dashboard.User) { u.Role, u.Scope = role, scope },
		`role = ?, scope_json = ?`, func(u dashboard.User) []any { return []any{string(u.Role), string(sj)} })
}

// SetLang saves the user's language.
func (s *SQL) SetLang(ctx context.Context, id, lang string, a dashboard.Audit) (dashboard.User, error) {
	return s.update(ctx, id, a, func(u *dashboard.User) { u.Lang = lang },
		`lang = ?`, func(u dashboard.User) []any { return []any{u.Lang} })
}

// SetPassword replaces the password hash and bumps the epoch.
func (s *SQL) SetPassword(ctx context.Context, id, hash string, a dashboard.Audit) (dashboard.User, error) {
	return s.update(ctx, id, a, func(u *dashboard.User) { u.PasswordHash = hash; u.Epoch++ },
		`password_hash = ?, epoch = ?`, func(u dashboard.User) []any { return []any{u.PasswordHash, u.Epoch} })
}

// BumpEpoch ends every session of the user.
func (s *SQL) BumpEpoch(ctx context.Context, id string, a dashboard.Audit) (dashboard.User, error) {
	return s.update(ctx, id, a, func(u *dashboard.User) { u.Epoch++ },
		`epoch = ?`, func(u dashboard.User) []any { return []any{u.Epoch} })
}
