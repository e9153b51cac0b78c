// Package hub is the employer's server: kiosks pair with it, upload signed
// batches of punches, and payroll export reads from it. Its database is a
// *DB, SQLite (the default, one file) or PostgreSQL (pgx), both through one
// SQL core and one set of goose migrations. Each user of the store holds
// the small interface for its job: Pairing and Kiosks (credentials),
// Ingest (batches, nonces, audit heads), Directory and ExportReads
// (payroll), Fleet (template shares), Downstreams and
// EmployeeStatusControl (hub → kiosk status changes, downstream.go),
// Health; ServerStore is the HTTP API's set.
package hub

import (
	"context"
	"errors"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// Errors the stores return; the server maps them to 4xx answers.
var (
	ErrUnknownKiosk = errors.New("unknown kiosk")
	ErrRevoked      = errors.New("kiosk revoked")
	ErrReplay       = errors.New("nonce already used")
	ErrBadCode      = errors.New("pairing code unknown, used or expired")
	ErrKioskExists  = errors.New("kiosk id already paired: revoke it and create a code for it (hub kiosk pair --kiosk ID)")
)

// Kiosk is a paired kiosk and what the hub last heard from it.
type Kiosk struct {
	ID        string
	Secret    []byte
	CreatedAt time.Time
	RevokedAt *time.Time
	LastSeen  *time.Time
	LastSkew  time.Duration // hub time minus kiosk clock at the last batch
	AuditSeq  int64
	AuditHash string
	// AuditFlags counts batches whose audit head went back in sequence
	// number, or named a sequence number already seen with another hash.
	AuditFlags int64
}

// AuditFlag is a batch whose audit head contradicts what the kiosk sent
// before: its audit log may have been rewritten. The batch itself is
// applied (payroll keeps working); the flag is for a person to look at.
type AuditFlag struct {
	KioskID string
	HubTime time.Time
	Seq     int64  // the head the batch carried
	Hash    string // its hash
	Reason  string
}

// Receipt describes one applied batch.
type Receipt struct {
	KioskID  string
	Nonce    string
	HubTime  time.Time
	Skew     time.Duration
	SkewFlag bool
	Batch    wire.Batch
}

// Result counts what a batch changed.
type Result struct {
	Accepted   int // events applied for the first time
	Duplicates int // events (or punches) already applied earlier
	// AuditFlag is why the batch's audit head was flagged, or empty.
	AuditFlag string
	// Conflicts are punch events whose punch id was already stored with
	// other content (employee, kind, method, time or kiosk): flagged in
	// punch_conflicts, not applied, not counted as duplicates.
	Conflicts int
	// DirectoryFlags are employee entries from a kiosk that does not own
	// the employee and that differ from the directory: ignored, flagged.
	DirectoryFlags int
}

// Stats are row counts, for /metrics and tests.
type Stats struct {
	Kiosks, Events, Punches, SkewFlags, AuditFlags int64
}

// The store's users each see only what they need. *DB implements all of
// them; callers hold the interface that matches their job.

// Pairing is the kiosk credentials: one-time codes, pairing, revocation,
// lookup (the pairing endpoint and signature checks; `hub kiosk` uses its
// parts).
type Pairing interface {
	CodeStore
	// Pair spends a pairing code and stores the kiosk's credential:
	// ErrBadCode for an unknown, spent, expired or other kiosk's code,
	// ErrKioskExists for a general code and a known kiosk id.
	Pair(ctx context.Context, codeHash, kioskID string, secret []byte, now time.Time) error
	Kiosks
	Revoke(ctx context.Context, id string, now time.Time) error
}

// CodeStore records pairing codes (NewPairingCode).
type CodeStore interface {
	// CreatePairingCode records the SHA-256 of a one-time code. A code
	// for a kiosk id (forKiosk not empty) pairs only that id and may
	// replace its credential; a general code pairs only new ids.
	CreatePairingCode(ctx context.Context, codeHash, forKiosk string, created, expires time.Time) error
}

// Kiosks reads paired kiosks (signature checks, `hub kiosk list`).
type Kiosks interface {
	// Kiosk returns one kiosk, or ErrUnknownKiosk.
	Kiosk(ctx context.Context, id string) (Kiosk, error)
	Kiosks(ctx context.Context) ([]Kiosk, error)
}

// Ingest is what the batch endpoint writes: batches, nonces, audit heads.
type Ingest interface {
	// ApplyBatch spends the nonce and applies the batch in one
	// transaction: a replayed nonce or revoked kiosk changes nothing, and
	// every event and punch is applied at most once, forever. The hub
	// remembers every audit head a kiosk sent and flags (Result.AuditFlag,
	// AuditFlags) a head whose sequence number is below the kiosk's last
	// one, or whose hash differs from the one seen at that number. A batch
	// with no head (empty hash) is neither checked nor recorded.
	ApplyBatch(ctx context.Context, r Receipt) (Result, error)
	// AuditFlags lists the flagged audit heads of kioskID (all kiosks if
	// empty), oldest first.
	AuditFlags(ctx context.Context, kioskID string) ([]AuditFlag, error)
	// SpendNonce records a nonce outside a batch (ErrReplay if seen).
	SpendNonce(ctx context.Context, kioskID, nonce string, now time.Time) error
	// PruneNonces forgets nonces seen before t (older requests are stale).
	PruneNonces(ctx context.Context, before time.Time) error
}

// Directory is the employee directory the relays upload: number, name,
// status; no biometrics.
type Directory interface {
	Employees(ctx context.Context) ([]clockface.Employee, error)
}

// ExportReads is what a payroll export reads.
type ExportReads interface {
	// PunchesBetween returns the punches whose effective (corrected) time
	// is in [from, to), exactly: no padding. The caller chooses bounds
	// that cover the workweeks and shifts its rules need.
	PunchesBetween(ctx context.Context, from, to time.Time) ([]clockface.Punch, error)
	Directory
}

// Fleet is opt-in template sharing: opaque ciphertext only.
type Fleet interface {
	// PutShares stores shares from origin; per employee and model the
	// newest (by At) wins. It returns how many replaced what was stored.
	PutShares(ctx context.Context, origin string, shares []wire.TemplateShare, now time.Time) (int, error)
	// Shares returns up to limit shares stored after sequence number after.
	Shares(ctx context.Context, after int64, limit int) ([]wire.SharedTemplate, error)
}

// Health is what /healthz and /metrics read.
type Health interface {
	// Ping checks the database answers (cheap).
	Ping(ctx context.Context) error
	Stats(ctx context.Context) (Stats, error)
}
