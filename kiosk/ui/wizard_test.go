package ui_test

import (
	"errors"
	"maps"
	"testing"

	"clockface"
	"clockface/enroll"
	"clockface/kiosk/ui"
)

// The wizard's step machine, without widgets.

func TestWizardDetails(t *testing.T) {
	for _, c := range []struct {
		name                  string
		known                 []string // nil: not loaded yet
		number, nm, pin, pin2 string
		touched               []string
		wantShown             map[string]string
		wantNext              bool
	}{
		{"untouched shows nothing", []string{}, "", "", "", "", nil, map[string]string{}, false},
		{"all good", []string{"E1"}, " e2 ", "Ana  Díaz", "1234", "1234", []string{"number", "name", "pin", "pin2"}, map[string]string{}, true},
		{"numbers not loaded yet", nil, "E2", "Ana", "1234", "1234", []string{"number"}, map[string]string{"number": "wiz-number-checking"}, false},
		{"number used, any case", []string{"E1"}, "e1", "Ana", "1234", "1234", nil, map[string]string{"number": "wiz-number-used"}, false},
		{"empty number", []string{}, "  ", "Ana", "1234", "1234", []string{"number"}, map[string]string{"number": "wiz-number-empty"}, false},
		{"empty name", []string{}, "E2", " ", "1234", "1234", []string{"name"}, map[string]string{"name": "wiz-name-empty"}, false},
		{"short PIN", []string{}, "E2", "Ana", "123", "123", []string{"pin"}, map[string]string{"pin": "wiz-pin-short"}, false},
		{"long PIN", []string{}, "E2", "Ana", "123456789", "123456789", []string{"pin"}, map[string]string{"pin": "wiz-pin-long"}, false},
		{"letters in PIN", []string{}, "E2", "Ana", "12a4", "12a4", []string{"pin"}, map[string]string{"pin": "wiz-pin-digits"}, false},
		{"PINs differ", []string{}, "E2", "Ana", "1234", "1243", []string{"pin", "pin2"}, map[string]string{"pin2": "wiz-pin-mismatch"}, false},
		{"problem of an untouched field hidden but blocking", []string{}, "E2", "Ana", "12", "12", []string{"number", "name"}, map[string]string{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := ui.NewWizard(ui.Spanish)
			if c.known != nil {
				w.SetKnown(c.known)
			}
			w.Number, w.Name, w.PIN, w.PIN2 = c.number, c.nm, c.pin, c.pin2
			for _, f := range c.touched {
				v := map[string]string{"number": c.number, "name": c.nm, "pin": c.pin, "pin2": c.pin2}[f]
				w.SetField(f, v)
			}
			if got := w.Problems(); !maps.Equal(got, c.wantShown) {
				t.Errorf("problems: got %v, want %v", got, c.wantShown)
			}
			if got := w.CanNext(); got != c.wantNext {
				t.Errorf("CanNext: got %v, want %v", got, c.wantNext)
			}
			w.Next()
			if got, want := w.Step == ui.StepNotice, c.wantNext; got != want {
				t.Errorf("after Next: step %v", w.Step)
			}
		})
	}
}

// ready is a wizard on the notice with valid details.
func ready(t *testing.T) *ui.Wizard {
	t.Helper()
	w := ui.NewWizard(ui.English)
	w.SetKnown(nil)
	w.Number, w.Name, w.PIN, w.PIN2 = "E2", "Ana Díaz", "1234", "1234"
	w.Next()
	if w.Step != ui.StepNotice {
		t.Fatalf("step %v, want the notice", w.Step)
	}
	return w
}

func TestWizardNoticeChoices(t *testing.T) {
	for _, c := range []struct {
		name     string
		scrolls  []bool
		choose   func(w *ui.Wizard) bool
		wantStep ui.Step
		wantBusy bool
	}{
		{"agree before the end", []bool{false}, func(w *ui.Wizard) bool { w.Accept(); return false }, ui.StepNotice, false},
		{"decline before the end", nil, func(w *ui.Wizard) bool { return w.Decline() }, ui.StepNotice, false},
		{"agree at the end", []bool{false, true}, func(w *ui.Wizard) bool { w.Accept(); return false }, ui.StepSign, false},
		{"stays open after scrolling back up", []bool{true, false}, func(w *ui.Wizard) bool { w.Accept(); return false }, ui.StepSign, false},
		{"decline at the end", []bool{true}, func(w *ui.Wizard) bool { return w.Decline() }, ui.StepNotice, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := ready(t)
			for _, s := range c.scrolls {
				w.Scrolled(s)
			}
			start := c.choose(w)
			if w.Step != c.wantStep || w.Busy != c.wantBusy || start != c.wantBusy {
				t.Errorf("got step %v busy %v start %v, want step %v busy %v", w.Step, w.Busy, start, c.wantStep, c.wantBusy)
			}
		})
	}
}

func TestWizardSignature(t *testing.T) {
	for _, c := range []struct {
		sig, want string
	}{
		{"", "wiz-sign-empty"},
		{"Ana", "wiz-sign-mismatch"},
		{"Ana Diaz", "wiz-sign-mismatch"}, // the accent is part of the name
		{"  ana   DÍAZ ", ""},
		{"Ana Díaz", ""},
	} {
		w := ready(t)
		w.Scrolled(true)
		w.Accept()
		w.Signature = c.sig
		if got := w.SignProblem(); got != c.want {
			t.Errorf("%q: got %q, want %q", c.sig, got, c.want)
		}
		if got, want := w.Sign(), c.want == ""; got != want || (w.Step == ui.StepCapture) != want {
			t.Errorf("%q: Sign %v step %v", c.sig, got, w.Step)
		}
	}
}

func TestWizardOutcomes(t *testing.T) {
	dup := &enroll.DuplicateError{Employee: "E1", Distance: 0.2, Accept: 0.4}
	ana := clockface.Employee{Number: "E2", Name: "Ana Díaz"}
	for _, c := range []struct {
		name      string
		err       error
		want      ui.Outcome
		wantDup   string
		wantRetry bool
	}{
		{"enrolled", nil, ui.OutcomeEnrolled, "", false},
		{"blocked duplicate", errors.Join(errors.New("enrol E2"), dup), ui.OutcomeBlocked, "E1", false},
		{"failed", errors.New("camera gone"), ui.OutcomeFailed, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := ready(t)
			w.Scrolled(true)
			w.Accept()
			w.Signature = "Ana Díaz"
			if !w.Sign() {
				t.Fatal("did not sign")
			}
			w.Feedback(enroll.Feedback{Progress: 1, Of: 5, Reason: enroll.ReasonTooDark})
			if w.Taken != 1 || w.Coach != enroll.ReasonTooDark || w.Accepted {
				t.Errorf("feedback: got %d %q %v", w.Taken, w.Coach, w.Accepted)
			}
			w.Feedback(enroll.Feedback{Accepted: true, Progress: 2, Of: 5})
			if w.Taken != 2 || !w.Accepted {
				t.Errorf("accepted feedback: got %d %v", w.Taken, w.Accepted)
			}
			w.Finished(enroll.Result{Employee: ana}, c.err)
			if w.Step != ui.StepResult || w.Outcome != c.want || w.Dup != c.wantDup || w.CanRetry() != c.wantRetry || w.Busy {
				t.Errorf("got step %v outcome %v dup %q retry %v busy %v", w.Step, w.Outcome, w.Dup, w.CanRetry(), w.Busy)
			}
			if got := w.Retry(); got != c.wantRetry || (got && (w.Step != ui.StepCapture || w.Taken != 0)) {
				t.Errorf("retry: got %v, step %v taken %d", got, w.Step, w.Taken)
			}
			if w.Back() {
				t.Error("Back moved after the capture started")
			}
		})
	}
}

func TestWizardDeclineAndBack(t *testing.T) {
	w := ready(t)
	if !w.Back() || w.Step != ui.StepDetails {
		t.Fatalf("Back from the notice: step %v", w.Step)
	}
	w.Next()
	w.Scrolled(true)
	if !w.Decline() {
		t.Fatal("decline refused at the end of the notice")
	}
	if w.Back() {
		t.Error("Back moved during the decline's write")
	}
	w.Declined(clockface.Employee{Number: "E2"}, nil)
	if w.Step != ui.StepResult || w.Outcome != ui.OutcomeDeclined || w.CanRetry() {
		t.Errorf("declined: step %v outcome %v", w.Step, w.Outcome)
	}
	if got, want := w.Applicant(), (enroll.Applicant{Number: "E2", Name: "Ana Díaz", PIN: "1234", Locale: "en"}); got != want {
		t.Errorf("applicant: got %+v, want %+v", got, want)
	}
}
