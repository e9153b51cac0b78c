// Package wire is the kiosk↔hub protocol: the JSON batch schema, the
// pairing messages, a strict decoder and RFC 9421-style HMAC request
// signing. Up, it carries punches and the employee directory; down
// (downstream.go), employee status changes and last known punch states. No
// image, snapshot, embedding or descriptor field exists on any wire type
// (privacy promise 7), and wire_test.go fails if one is added.
package wire

import (
	"fmt"
	"time"

	"clockface"
)

// Paths of the hub's HTTP API.
const (
	PathPair    = "/v1/pair"
	PathBatches = "/v1/batches"
	PathHealth  = "/healthz"
	PathMetrics = "/metrics"
)

// Limits the hub and the relay agree on.
const (
	MaxBatchEvents = 500
	MaxBatchBytes  = 2 << 20 // 2 MiB: 500 events are about 250 KiB
	MaxPairBytes   = 4 << 10
	MaxEmployees   = 10000
	// MaxDirectoryField bounds a directory entry's first and last name and
	// each payroll id, in bytes.
	MaxDirectoryField = 100
	// MaxAge is how far a request's signing time may be from the hub's clock,
	// in either direction: exactly MaxAge is accepted, a second more refused.
	MaxAge = 5 * time.Minute
	// MaxFuture is how far ahead of the hub's clock a punch, correction
	// or void may be dated: a kiosk clock a day fast is broken, and a
	// punch dated years ahead would outrank every later one.
	MaxFuture = 24 * time.Hour
	// SkewThreshold is the kiosk-clock skew the hub flags.
	SkewThreshold = 2 * time.Minute
)

// Event types, as the ledger's outbox names them.
const (
	TypePunch      = clockface.EventPunch
	TypeCorrection = clockface.EventCorrection
	TypeVoid       = clockface.EventVoid
)

// Batch is one upload from a kiosk: up to MaxBatchEvents outbox events,
// the kiosk's clock reading and its audit-chain head (promise 13).
type Batch struct {
	KioskID    string    `json:"kiosk_id"`
	KioskClock time.Time `json:"kiosk_clock"`
	AuditHead  AuditHead `json:"audit_head"`
	Events     []Event   `json:"events"`
	// Employees is the kiosk's employee directory (number, name, status),
	// sent when it changed, so exports can name people. Optional.
	Employees []Employee `json:"employees,omitempty"`
}

// AuditHead is the last entry of the kiosk's hash-chained audit log.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Event is one outbox entry: a punch, a correction or a void, with the
// punch's full state after the event. ID is the event's UUID, unique
// forever; Seq is the kiosk's outbox sequence number.
type Event struct {
	ID    string    `json:"id"`
	Seq   int64     `json:"seq"`
	Type  string    `json:"type"`
	At    time.Time `json:"at"`
	Punch Punch     `json:"punch"`
}

// Punch is the wire form of clockface.Punch. Evidence keeps the match
// scores but not the snapshot reference: snapshots never leave the kiosk.
type Punch struct {
	ID         string      `json:"id"`
	Employee   string      `json:"employee"`
	Kind       string      `json:"kind"`
	Method     string      `json:"method"`
	At         time.Time   `json:"at"`
	KioskID    string      `json:"kiosk_id"`
	Evidence   Evidence    `json:"evidence"`
	Correction *Correction `json:"correction,omitempty"`
	Void       *Void       `json:"void,omitempty"`
}

// Evidence is what a face punch was decided on: scores only.
type Evidence struct {
	Distance float64 `json:"distance,omitempty"`
	Margin   float64 `json:"margin,omitempty"`
	Liveness string  `json:"liveness,omitempty"`
	Model    string  `json:"model,omitempty"`
}

// Correction is a rectified punch time with who, when and why.
type Correction struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	When   time.Time `json:"when"`
}

// Void records who took a punch back, when and why.
type Void struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	When   time.Time `json:"when"`
}

// Employee is a directory entry: no biometrics, no PIN.
type Employee struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// FirstName, LastName and Payroll are sent once the ledger stores
	// them; the hub keeps a value sent earlier when a later upload leaves
	// one empty, and values HR set on the hub win over uploads.
	FirstName string               `json:"first_name,omitempty"`
	LastName  string               `json:"last_name,omitempty"`
	Payroll   clockface.PayrollIDs `json:"payroll,omitzero"`
}

// BatchResponse is the hub's answer to an accepted batch.
type BatchResponse struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// Conflicts are punch events whose punch id the hub already holds with
	// other content: flagged for a person, not applied, not duplicates.
	Conflicts int       `json:"conflicts,omitempty"`
	HubTime   time.Time `json:"hub_time"`
	// Skew is hub time minus kiosk clock, in milliseconds.
	SkewMillis  int64 `json:"skew_ms"`
	SkewFlagged bool  `json:"skew_flagged"`
}

// PairRequest exchanges a one-time pairing code for a kiosk credential.
type PairRequest struct {
	Code    string `json:"code"`
	KioskID string `json:"kiosk_id"`
}

// PairResponse carries the kiosk's credential: its id (the signature's
// keyid) and the HMAC secret, base64url without padding.
type PairResponse struct {
	KioskID string    `json:"kiosk_id"`
	Secret  string    `json:"secret"`
	HubTime time.Time `json:"hub_time"`
	// TimeZone is the site's IANA zone (`hub config set tz`), empty if
	// the hub has none configured.
	TimeZone string `json:"time_zone,omitempty"`
}

// Error codes in ErrorResponse.Code, so a client can react without parsing
// the message.
const (
	CodeMalformed     = "malformed"
	CodeTooLarge      = "too_large"
	CodeBadSignature  = "bad_signature"
	CodeStale         = "stale_timestamp"
	CodeReplay        = "replayed_nonce"
	CodeUnknownKiosk  = "unknown_kiosk"
	CodeRevokedKiosk  = "revoked_kiosk"
	CodeKioskMismatch = "kiosk_mismatch"
	CodeBadCode       = "bad_pairing_code"
	CodeKioskExists   = "kiosk_exists"
	CodeInternal      = "internal"
	CodeBusy          = "busy"         // 503: too many uploads at once; retry
	CodeRateLimited   = "rate_limited" // 429: too many pairing attempts
	CodeNotOwner      = "not_owner"    // 403: a change to another kiosk's punch
	CodeFutureTime    = "future_time"  // 400: a time more than MaxFuture ahead
)

// ErrorResponse is every 4xx/5xx body. HubTime lets a kiosk with a wrong
// clock correct its signing time after a stale_timestamp.
type ErrorResponse struct {
	Error   string    `json:"error"`
	Code    string    `json:"code"`
	HubTime time.Time `json:"hub_time"`
}

// FromPunch converts a domain punch to its wire form.
func FromPunch(p clockface.Punch) Punch {
	w := Punch{
		ID: p.ID, Employee: p.EmployeeNumber, Kind: string(p.Kind), Method: string(p.Method),
		At: p.At, KioskID: p.KioskID,
		Evidence: Evidence{Distance: p.Evidence.Distance, Margin: p.Evidence.Margin,
			Liveness: p.Evidence.Liveness, Model: p.Evidence.Model},
	}
	if c := p.Corrected; c != nil {
		w.Correction = &Correction{At: c.At, By: c.By, Reason: c.Reason, When: c.When}
	}
	if v := p.Voided; v != nil {
		w.Void = &Void{By: v.By, Reason: v.Reason, When: v.When}
	}
	return w
}

// Domain converts a wire punch back to the domain type.
func (w Punch) Domain() clockface.Punch {
	p := clockface.Punch{
		ID: w.ID, EmployeeNumber: w.Employee, Kind: clockface.PunchKind(w.Kind),
		Method: clockface.Method(w.Method), At: w.At, KioskID: w.KioskID,
		Evidence: clockface.Evidence{Distance: w.Evidence.Distance, Margin: w.Evidence.Margin,
			Liveness: w.Evidence.Liveness, Model: w.Evidence.Model},
	}
	if c := w.Correction; c != nil {
		p.Corrected = &clockface.Correction{At: c.At, By: c.By, Reason: c.Reason, When: c.When}
	}
	if v := w.Void; v != nil {
		p.Voided = &clockface.Void{By: v.By, Reason: v.Reason, When: v.When}
	}
	return p
}

// FromEmployee converts a domain employee to a directory entry.
func FromEmployee(e clockface.Employee) Employee {
	return Employee{Number: e.Number, Name: e.Name, Status: string(e.Status),
		FirstName: e.FirstName, LastName: e.LastName, Payroll: e.Payroll}
}

// ValidationError says which field of a decoded message is wrong.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }
