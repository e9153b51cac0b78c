package ui

import (
	"errors"
	"strings"

	"clockface"
	"clockface/enroll"
)

// The enrolment wizard's logic, without widgets: which step is shown, what
// is valid, what each button does. enrol.go draws it; the slow work (the
// number lookup, the decline, the capture) is the screen's, which reports
// back through the methods below.

// Step is a screen of the enrolment wizard.
type Step int

const (
	// StepDetails: HR types the number, the name, the PIN twice and picks
	// the employee's language.
	StepDetails Step = iota
	// StepNotice: the consent notice in the employee's language; the two
	// choices open once it is scrolled to the end.
	StepNotice
	// StepSign: the employee types their full name as the signature.
	StepSign
	// StepCapture: the camera takes the samples, with coaching.
	StepCapture
	// StepResult: enrolled, declined, failed or blocked.
	StepResult
)

// Steps is how many steps the wizard shows ("Step 2 of 5").
const Steps = 5

// Outcome is how an enrolment ended.
type Outcome int

const (
	OutcomeNone Outcome = iota
	// OutcomeEnrolled: the employee, consent and template are stored.
	OutcomeEnrolled
	// OutcomeDeclined: a PIN-only employee and the recorded decline.
	OutcomeDeclined
	// OutcomeBlocked: the face is already enrolled as someone else;
	// nothing is stored.
	OutcomeBlocked
	// OutcomeFailed: capture or storage failed or was cancelled; nothing
	// is stored.
	OutcomeFailed
)

// Field problems, as catalogue keys.
const (
	probNumberEmpty  = "wiz-number-empty"
	probNumberUsed   = "wiz-number-used"
	probNumberCheck  = "wiz-number-checking"
	probNameEmpty    = "wiz-name-empty"
	probPINShort     = "wiz-pin-short"
	probPINLong      = "wiz-pin-long"
	probPINDigits    = "wiz-pin-digits"
	probPINMismatch  = "wiz-pin-mismatch"
	probSignEmpty    = "wiz-sign-empty"
	probSignMismatch = "wiz-sign-mismatch"
)

// Wizard is the enrolment wizard's state. The zero value is not ready: use
// NewWizard.
type Wizard struct {
	Step Step
	// Step 1.
	Number, Name, PIN, PIN2 string
	Lang                    Lang
	touched                 map[string]bool
	// used holds the ledger's numbers, once loaded.
	used   map[string]bool
	loaded bool
	// Step 2.
	ReadToEnd bool
	// Step 3.
	Signature string
	// Step 4.
	Taken, Of int
	Coach     enroll.Reason
	Accepted  bool // the last frame was taken
	// Busy: a write or the capture is under way; the buttons wait.
	Busy bool
	// Step 5.
	Outcome  Outcome
	Employee clockface.Employee
	Result   enroll.Result
	// Dup is the other employee's number when blocked; Err the failure.
	Dup string
	Err error
}

// NewWizard starts the wizard, the employee's language preset to lang.
func NewWizard(lang Lang) *Wizard {
	return &Wizard{Lang: lang, touched: map[string]bool{}, used: map[string]bool{}, Of: enroll.DefaultSamples}
}

// normNumber is an employee number as stored: trimmed, upper case.
func normNumber(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// normName collapses spaces.
func normName(s string) string { return strings.Join(strings.Fields(s), " ") }

// SetField sets a step-1 field ("number", "name", "pin", "pin2") as typed,
// and marks it touched, so its problem shows.
func (w *Wizard) SetField(name, value string) {
	switch name {
	case "number":
		w.Number = value
	case "name":
		w.Name = value
	case "pin":
		w.PIN = value
	case "pin2":
		w.PIN2 = value
	default:
		return
	}
	w.touched[name] = true
}

// SetKnown records the numbers the ledger holds (the wizard enrols new
// employees only); until it is called, the number is "being checked".
func (w *Wizard) SetKnown(numbers []string) {
	w.used = map[string]bool{}
	for _, n := range numbers {
		w.used[normNumber(n)] = true
	}
	w.loaded = true
}

// Problems are the step-1 fields' problems, by field, as catalogue keys;
// a field not touched yet shows none, but still counts for Valid.
func (w *Wizard) Problems() map[string]string {
	all := w.problems()
	shown := map[string]string{}
	for f, p := range all {
		if w.touched[f] || p == probNumberUsed {
			shown[f] = p
		}
	}
	return shown
}

func (w *Wizard) problems() map[string]string {
	p := map[string]string{}
	n := normNumber(w.Number)
	switch {
	case n == "":
		p["number"] = probNumberEmpty
	case !w.loaded:
		p["number"] = probNumberCheck
	case w.used[n]:
		p["number"] = probNumberUsed
	}
	if normName(w.Name) == "" {
		p["name"] = probNameEmpty
	}
	switch pin := w.PIN; {
	case strings.IndexFunc(pin, func(r rune) bool { return r < '0' || r > '9' }) >= 0:
		p["pin"] = probPINDigits
	case len(pin) < 4:
		p["pin"] = probPINShort
	case len(pin) > 8:
		p["pin"] = probPINLong
	}
	if w.PIN2 != w.PIN {
		p["pin2"] = probPINMismatch
	}
	return p
}

// CanNext says whether step 1 is complete and valid.
func (w *Wizard) CanNext() bool { return w.Step == StepDetails && len(w.problems()) == 0 }

// Next moves from the details to the notice.
func (w *Wizard) Next() {
	if w.CanNext() {
		w.Step, w.ReadToEnd = StepNotice, false
	}
}

// Scrolled reports the notice's scroll position: the choices open once it
// has been at the end (and stay open).
func (w *Wizard) Scrolled(atEnd bool) {
	if w.Step == StepNotice && atEnd {
		w.ReadToEnd = true
	}
}

// CanChoose says whether the notice's two choices are enabled.
func (w *Wizard) CanChoose() bool { return w.Step == StepNotice && w.ReadToEnd && !w.Busy }

// Accept is "I agree": on to the signature.
func (w *Wizard) Accept() {
	if w.CanChoose() {
		w.Step = StepSign
	}
}

// Decline is "No thanks": it reports whether the screen should record the
// decline now (a PIN is required, and step 1 made sure of it).
func (w *Wizard) Decline() bool {
	if !w.CanChoose() || w.problems()["pin"] != "" {
		return false
	}
	w.Busy = true
	return true
}

// Declined ends the wizard with the decline's result.
func (w *Wizard) Declined(e clockface.Employee, err error) {
	w.Busy, w.Step = false, StepResult
	if err != nil {
		w.Outcome, w.Err = OutcomeFailed, err
		return
	}
	w.Outcome, w.Employee = OutcomeDeclined, e
}

// SignProblem is the signature's problem ("" when it is the full name
// typed in step 1, ignoring case and extra spaces).
func (w *Wizard) SignProblem() string {
	s := normName(w.Signature)
	switch {
	case s == "":
		return probSignEmpty
	case !strings.EqualFold(s, normName(w.Name)):
		return probSignMismatch
	}
	return ""
}

// CanSign says whether the signature is valid.
func (w *Wizard) CanSign() bool { return w.Step == StepSign && w.SignProblem() == "" && !w.Busy }

// Sign moves to capture; it reports whether the screen should start it.
func (w *Wizard) Sign() bool {
	if !w.CanSign() {
		return false
	}
	w.startCapture()
	return true
}

func (w *Wizard) startCapture() {
	w.Step, w.Busy, w.Taken, w.Coach, w.Accepted = StepCapture, true, 0, enroll.ReasonNone, false
	w.Outcome, w.Err, w.Dup = OutcomeNone, nil, ""
}

// Feedback shows one frame's answer during capture.
func (w *Wizard) Feedback(fb enroll.Feedback) {
	if w.Step != StepCapture {
		return
	}
	w.Taken, w.Accepted = fb.Progress, fb.Accepted
	if fb.Of > 0 {
		w.Of = fb.Of
	}
	if !fb.Accepted {
		w.Coach = fb.Reason
	}
}

// Finished ends capture with the enrolment's result.
func (w *Wizard) Finished(res enroll.Result, err error) {
	w.Busy, w.Step = false, StepResult
	var dup *enroll.DuplicateError
	switch {
	case errors.As(err, &dup):
		w.Outcome, w.Dup, w.Err = OutcomeBlocked, dup.Employee, err
	case err != nil:
		w.Outcome, w.Err = OutcomeFailed, err
	default:
		w.Outcome, w.Result, w.Employee = OutcomeEnrolled, res, res.Employee
	}
}

// CanRetry says whether the result screen offers another capture: after a
// failure (nothing was stored and the consent is still the one just
// signed), not after a blocked duplicate.
func (w *Wizard) CanRetry() bool {
	return w.Step == StepResult && w.Outcome == OutcomeFailed && w.Signature != ""
}

// Retry starts capture again; it reports whether the screen should.
func (w *Wizard) Retry() bool {
	if !w.CanRetry() {
		return false
	}
	w.startCapture()
	return true
}

// Back goes one step back where that makes sense (not during capture or
// after the end); it reports whether it moved.
func (w *Wizard) Back() bool {
	if w.Busy {
		return false
	}
	switch w.Step {
	case StepNotice:
		w.Step = StepDetails
	case StepSign:
		w.Step = StepNotice
	default:
		return false
	}
	return true
}

// Applicant is who the wizard enrols.
func (w *Wizard) Applicant() enroll.Applicant {
	return enroll.Applicant{Number: normNumber(w.Number), Name: normName(w.Name), PIN: w.PIN, Locale: string(w.Lang)}
}

// SignatureText is the signature as recorded.
func (w *Wizard) SignatureText() string { return normName(w.Signature) }
