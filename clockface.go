// Package clockface holds the domain types shared by the kiosk, the ledger,
// enrolment and sync: employees, consents, punches and the clock. It has no
// dependencies beyond the standard library, so every adapter can import it.
package clockface

import (
	"errors"
	"fmt"
	"time"
)

// Clock tells the time. Everything that depends on "now" (debounce,
// retention, audit timestamps) takes a Clock, so a test can move 91 days
// forward in a millisecond.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// EmployeeStatus is active or terminated.
type EmployeeStatus string

const (
	StatusActive     EmployeeStatus = "active"
	StatusTerminated EmployeeStatus = "terminated"
)

// Employee is a person who punches. Number is the employer's own employee
// number and the identifier every command and export uses.
type Employee struct {
	ID     int64  `json:"-"`
	Number string `json:"number"`
	Name   string `json:"name"`
	// FirstName and LastName are kept apart for payroll files that need
	// them (Gusto); Name is how the kiosk greets the person.
	FirstName       string         `json:"first_name,omitempty"`
	LastName        string         `json:"last_name,omitempty"`
	Payroll         PayrollIDs     `json:"payroll,omitempty"`
	Locale          string         `json:"locale,omitempty"`
	BadgeID         string         `json:"badge_id,omitempty"`
	Status          EmployeeStatus `json:"status"`
	RestrictedToPIN bool           `json:"restricted_to_pin"`
	HasFace         bool           `json:"has_face"`
	CreatedAt       time.Time      `json:"created_at"`
	TerminatedAt    *time.Time     `json:"terminated_at,omitempty"`
}

// PayrollIDs are the employee's identities at the payroll providers,
// entered by HR and carried to the hub with the directory. Each export
// format checks the one it needs.
type PayrollIDs struct {
	ADPFileNumber   string `json:"adp_file_number,omitempty"`
	PaychexWorkerID string `json:"paychex_worker_id,omitempty"`
	GustoID         string `json:"gusto_id,omitempty"`
	QuickBooksName  string `json:"quickbooks_name,omitempty"`
}

// FaceAllowed reports whether face matching may consider this employee:
// active, not restricted to PIN, and enrolled.
func (e Employee) FaceAllowed() bool {
	return e.Status == StatusActive && !e.RestrictedToPIN && e.HasFace
}

// Consent is the signed record that must exist before any template does.
type Consent struct {
	ID              int64      `json:"id"`
	EmployeeNumber  string     `json:"employee_number"`
	TextVersion     string     `json:"text_version"`
	Locale          string     `json:"locale"`
	TextSHA256      string     `json:"text_sha256"`
	Signature       string     `json:"signature"`
	SignedAt        time.Time  `json:"signed_at"`
	KioskID         string     `json:"kiosk_id"`
	RetentionPolicy string     `json:"retention_policy"`
	WithdrawnAt     *time.Time `json:"withdrawn_at,omitempty"`
}

// PunchKind is what a punch records.
type PunchKind string

const (
	PunchIn    PunchKind = "in"
	PunchOut   PunchKind = "out"
	BreakStart PunchKind = "break_start"
	BreakEnd   PunchKind = "break_end"
)

// Valid reports whether k is a known kind.
func (k PunchKind) Valid() bool {
	switch k {
	case PunchIn, PunchOut, BreakStart, BreakEnd:
		return true
	}
	return false
}

// Method is how the employee proved who they are.
type Method string

const (
	MethodFace  Method = "face"
	MethodPIN   Method = "pin"
	MethodBadge Method = "badge"
	// MethodAdmin marks a punch an admin added for the employee (a missed
	// punch repaired); nobody proved who they are at a kiosk.
	MethodAdmin Method = "admin"
)

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	return m == MethodFace || m == MethodPIN || m == MethodBadge || m == MethodAdmin
}

// Evidence is what a face punch was decided on. PIN and badge punches leave
// it empty. It never holds image or descriptor bytes: SnapshotID points at
// an encrypted snapshot that stays on the kiosk.
type Evidence struct {
	Distance   float64 `json:"distance,omitempty"`
	Margin     float64 `json:"margin,omitempty"`
	Liveness   string  `json:"liveness,omitempty"`
	SnapshotID int64   `json:"snapshot_id,omitempty"`
	Model      string  `json:"model,omitempty"`
}

// Punch is one clock event. ID is a UUIDv7, unique forever, so the hub can
// apply each punch exactly once however late it arrives.
type Punch struct {
	ID             string    `json:"id"`
	EmployeeNumber string    `json:"employee"`
	Kind           PunchKind `json:"kind"`
	Method         Method    `json:"method"`
	At             time.Time `json:"at"`
	KioskID        string    `json:"kiosk_id"`
	Evidence       Evidence  `json:"evidence"`
	// Corrected, when set, is the rectified time; At stays the original.
	Corrected *Correction `json:"correction,omitempty"`
	// Voided, when set, takes the punch out of timesheets (the kiosk's undo);
	// the row stays for the audit trail.
	Voided *Void `json:"voided,omitempty"`
}

// Void records who took a punch back, when and why.
type Void struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	When   time.Time `json:"when"`
}

// Time is the punch's effective time: the corrected one if any.
func (p Punch) Time() time.Time {
	if p.Corrected != nil {
		return p.Corrected.At
	}
	return p.At
}

// Correction records a rectified punch time: who, when and why.
type Correction struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	When   time.Time `json:"when"`
}

// Errors every adapter uses, so callers can test with errors.Is.
var (
	ErrUnknownEmployee = errors.New("unknown employee")
	ErrNoConsent       = errors.New("no live consent")
	ErrTerminated      = errors.New("employee terminated")
	ErrRestricted      = errors.New("employee restricted to PIN")
	ErrBadPIN          = errors.New("wrong PIN")
	ErrNotFound        = errors.New("not found")
)

// LockedError says an employee is locked out after repeated failures.
type LockedError struct {
	Employee string
	Until    time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("employee %s locked until %s", e.Employee, e.Until.Format(time.RFC3339))
}
