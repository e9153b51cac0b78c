// Package outbox is the kiosk's relay: it reads the ledger's outbox,
// uploads signed batches of at most 500 events to the hub and acknowledges
// them in the ledger once the hub has stored them. All state lives in the
// ledger, so the relay survives restarts and weeks offline; the hub's
// permanent dedup makes every resend harmless.
package outbox

import (
	"context"
	"time"

	"clockface"
)

// Event is one outbox entry, as the ledger keeps it.
type Event struct {
	Seq   int64
	ID    string // UUIDv7, unique forever
	Type  string // "punch" | "correction" | "void"
	Punch clockface.Punch
	At    time.Time
}

// Source is what the relay needs from the kiosk's ledger.
type Source interface {
	// Pending returns up to limit unacknowledged events, oldest first.
	Pending(ctx context.Context, limit int) ([]Event, error)
	// Ack marks events as delivered.
	Ack(ctx context.Context, seqs []int64) error
	// AuditHead is the head of the hash-chained audit log.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	// Employees is the directory sent to the hub for export names.
	Employees(ctx context.Context) ([]clockface.Employee, error)
}
