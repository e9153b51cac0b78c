// Package outbox is the kiosk's relay: it reads the ledger's outbox,
// uploads signed batches of at most 500 events to the hub and acknowledges
// them in the ledger once the hub has stored them; then it applies what
// the hub sends down (downstream.go: employee status changes, the other
// kiosks' last known states). All state lives in the
// ledger, so the relay survives restarts and weeks offline; the hub's
// permanent dedup makes every resend harmless.
package outbox

import (
	"context"

	"clockface"
)

// Event is one outbox entry, as the ledger keeps it.
type Event = clockface.OutboxEvent

// Source is what the relay needs from the kiosk's ledger; *ledger.Ledger
// is the real one.
type Source interface {
	// PendingOutbox returns up to limit unacknowledged events, oldest first.
	PendingOutbox(ctx context.Context, limit int) ([]Event, error)
	// AckOutbox marks events as delivered.
	AckOutbox(ctx context.Context, seqs []int64) error
	// AuditHead is the head of the hash-chained audit log.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
	// Employees is the directory sent to the hub for export names.
	Employees(ctx context.Context) ([]clockface.Employee, error)
}
