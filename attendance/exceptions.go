package attendance

import (
	"fmt"
	"time"
)

// ExceptionKind names a problem a person should review.
type ExceptionKind string

// The exception kinds. Severity says which stop an export.
const (
	MissingOut    ExceptionKind = "missing_out"        // an in-punch never closed (blocking)
	MissingIn     ExceptionKind = "missing_in"         // an out-punch while out (blocking)
	OpenShift     ExceptionKind = "open_shift"         // still clocked in, within MaxShift of Now (blocking)
	Overlap       ExceptionKind = "overlapping_shifts" // a shift starts before the previous one ends (blocking)
	FuturePunch   ExceptionKind = "future_punch"       // later than Now plus FutureTolerance (blocking)
	Contradiction ExceptionKind = "contradicting_kind" // a kind that makes no sense in the state (blocking)
	BadBreak      ExceptionKind = "unpaired_break"     // a break end without start, or never ended (blocking)
	UnknownKind   ExceptionKind = "unknown_kind"       // a punch kind this version does not know (blocking)
	LongShift     ExceptionKind = "long_shift"         // longer than LongShift (warning)
	ShortShift    ExceptionKind = "short_shift"        // shorter than ShortShift (warning)
	DoublePunch   ExceptionKind = "duplicate_punch"    // same kind again within DuplicateWindow (warning)
	ShortMeal     ExceptionKind = "short_meal_break"   // a break between the paid and meal limits (warning)
)

// Severity says whether an exception stops an export.
type Severity string

const (
	// Blocking exceptions change what is owed, or leave it unknown: an
	// export refuses to write while any is open.
	Blocking Severity = "blocking"
	// Warning exceptions are counted as computed and listed for review.
	Warning Severity = "warning"
)

// Severity returns k's severity. Missing and contradicting punches,
// overlaps, future punches and unpaired breaks are blocking: each either
// leaves hours uncounted or counts hours nobody can vouch for. Long and
// short shifts, double punches and breaks between the paid and meal limits
// are warnings: the hours are computed by a stated rule and a person may
// well have worked them.
func (k ExceptionKind) Severity() Severity {
	switch k {
	case LongShift, ShortShift, DoublePunch, ShortMeal:
		return Warning
	}
	return Blocking
}

// Exception is one flagged problem. At is in the site's zone and Detail
// writes every time in it.
type Exception struct {
	Employee string
	Kind     ExceptionKind
	Severity Severity
	At       time.Time
	PunchID  string
	Detail   string
}

// Blocking reports whether e stops an export.
func (e Exception) Blocking() bool { return e.Severity == Blocking }

func (e Exception) String() string {
	return fmt.Sprintf("%s %s (%s) at %s: %s", e.Employee, e.Kind, e.Severity, e.At.Format(stamp), e.Detail)
}
