package clockface

import "time"

// PunchRequest asks the ledger for a punch. Kind is the kind the person
// chose; an empty Kind takes the walk-up default, the likely next kind from
// the employee's state (attendance.NextKinds). A face punch carries everything the
// decision was made on, so the ledger checks the employee, the lockout and
// the debounce, and stores the snapshot with the punch, in one transaction.
type PunchRequest struct {
	Employee string
	Method   Method
	Kind     PunchKind
	// Evidence is the face decision's record; SnapshotID is set by the
	// ledger from Snapshot, never by the caller.
	Evidence Evidence
	// Snapshot is the JPEG of a face punch's decision frame. The ledger
	// encrypts it under the employee's data key and keeps it only with a
	// punch it creates: a debounced look stores no image.
	Snapshot []byte
}

// PunchResult is the ledger's answer to a PunchRequest: the punch (the
// earlier one when debounced, Created false) and the employee as the same
// transaction read them, so the kiosk can greet them without another trip.
type PunchResult struct {
	Punch    Punch
	Created  bool
	Employee Employee
	// Flag says why a created punch needs a look: FlagContradictingKind
	// when the chosen kind contradicts the employee's state (in while
	// already in, ...). The punch is recorded all the same.
	Flag string
}

// FlagContradictingKind flags a punch whose kind contradicts the
// employee's state; attendance flags it contradicting_kind too.
const FlagContradictingKind = "contradicting_kind"

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
