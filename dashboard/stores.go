package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// User is a person who signs in to the dashboard. Users are not employees:
// an employee user points at an employee by number (Scope.Employee).
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Role         Role      `json:"role"`
	Scope        Scope     `json:"scope"`
	Lang         string    `json:"lang"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// Epoch counts "sign out everywhere" and password changes. A session
	// remembers the epoch it signed in at; a session from an older epoch
	// is refused and destroyed.
	Epoch int64 `json:"-"`
}

// ErrNotFound says a user (or another record) does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicateEmail says a user with that email exists already.
var ErrDuplicateEmail = errors.New("a user with this email exists already")

// Audit is one state change the dashboard records: who did what, when, and
// the record before and after (JSON, nil when there is none). Entries are
// hash-chained: Hash covers PrevHash and every other field.
type Audit struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Subject  string          `json:"subject,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// The audit actions the dashboard writes.
const (
	AuditLoginOK           = "login.ok"
	AuditLoginFailed       = "login.failed"
	AuditLoginLocked       = "login.locked"
	AuditSignOut           = "signout"
	AuditSignOutEverywhere = "signout.everywhere"
	AuditUserAdded         = "user.added"
	AuditRoleChanged       = "user.role_changed"
	AuditLanguageChanged   = "user.language_changed"
	AuditPasswordChanged   = "user.password_changed"
)

// Users is the store of dashboard users. Every method that changes a user
// appends its audit entry in the same transaction, so a change and its
// record are stored together or not at all.
type Users interface {
	AddUser(ctx context.Context, u User, audit Audit) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// SetRole replaces the user's role and scope.
	SetRole(ctx context.Context, id string, role Role, scope Scope, audit Audit) (User, error)
	SetLang(ctx context.Context, id, lang string, audit Audit) (User, error)
	// SetPassword replaces the hash and bumps the epoch (other sessions end).
	SetPassword(ctx context.Context, id, hash string, audit Audit) (User, error)
	// BumpEpoch ends every session of the user.
	BumpEpoch(ctx context.Context, id string, audit Audit) (User, error)
}

// Throttle counts failed logins per key (an account's email, a client IP)
// within a window and reports when a key is locked.
type Throttle interface {
	// LockedUntil returns the latest lock end among keys, or the zero time.
	LockedUntil(ctx context.Context, keys []string, now time.Time) (time.Time, error)
	// Fail records a failure for each key: a key reaching its limit within
	// window is locked until now+lock.
	Fail(ctx context.Context, now time.Time, rules []ThrottleRule) error
	// Reset forgets a key's failures (after a successful login).
	Reset(ctx context.Context, key string) error
}

// ThrottleRule is one key's failure limit.
type ThrottleRule struct {
	Key    string
	Limit  int
	Window time.Duration
	Lock   time.Duration
}

// AuditLog appends entries without another change and reads the chain.
type AuditLog interface {
	AppendAudit(ctx context.Context, a Audit) error
	// AuditEntries returns the newest entries first, at most limit.
	AuditEntries(ctx context.Context, limit int) ([]Audit, error)
	// VerifyAudit walks the whole chain and returns the number of entries,
	// or an error naming the first entry that does not verify.
	VerifyAudit(ctx context.Context) (int, error)
}

// Store is everything the dashboard keeps itself, in the hub database:
// users, throttling counters, the audit chain and the sessions
// (an scs store: Find, Commit, Delete with a context).
type Store interface {
	Users
	Throttle
	AuditLog
	SessionStore
}

// SessionStore is scs.CtxStore, restated so the dashboard's stores depend
// on no session library.
type SessionStore interface {
	Delete(token string) error
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
	DeleteCtx(ctx context.Context, token string) error
	FindCtx(ctx context.Context, token string) ([]byte, bool, error)
	CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error
}
