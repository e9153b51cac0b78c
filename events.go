package clockface

import "time"

// PunchRequest asks the ledger for a punch. An empty Kind means the next one
// after the employee's last punch.
type PunchRequest struct {
	Employee string
	Method   Method
	Kind     PunchKind
	Evidence Evidence
}

// EventType names a change the kiosk sends to the hub.
type EventType = string

// The outbox's event types, as the ledger stores them and the wire carries
// them.
const (
	EventPunch      EventType = "punch"
	EventCorrection EventType = "correction"
	EventVoid       EventType = "void"
)

// OutboxEvent is one change for sync to send, recorded in the same
// transaction as the change itself. Punch is the punch's whole state after
// the change.
type OutboxEvent struct {
	Seq   int64     `json:"seq"`
	ID    string    `json:"id"` // UUIDv7, unique forever
	Type  EventType `json:"type"`
	Punch Punch     `json:"punch"`
	At    time.Time `json:"at"`
}
