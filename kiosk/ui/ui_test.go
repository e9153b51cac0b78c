package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"clockface"
	"clockface/attendance"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/internal/clocktest"
	"clockface/kiosk/flow"
	"clockface/ledger"
	"clockface/vault"
)

// Logic tests of the screen with Fyne's test driver: the real ledger and
// state machine, hand-made faces (the end-to-end test in package kiosk
// uses the engine and real video). fyne.Do runs inline under the test
// driver, so nothing here sleeps.

var testModel = embeddings.Model{Name: "test", Version: "1", Dim: 4}

// ledgerAdmin is the admin backend on the real ledger and the real
// enrolment state machine, without a face engine (the live enrolment path
// is tested end to end in package kiosk).
type ledgerAdmin struct{ *ledger.Ledger }

func (l ledgerAdmin) Notice(locale string) (enroll.Notice, error) {
	s, err := enroll.New(enroll.Config{KioskID: "test"}, nil, l.Ledger, enroll.Applicant{Number: "notice"})
	if err != nil {
		return enroll.Notice{}, err
	}
	return s.Notice(locale)
}

func (l ledgerAdmin) Decline(ctx context.Context, who enroll.Applicant) (clockface.Employee, error) {
	s, err := enroll.New(enroll.Config{KioskID: "test", NewEmployee: true}, nil, l.Ledger, who)
	if err != nil {
		return clockface.Employee{}, err
	}
	if _, err := s.Notice(who.Locale); err != nil {
		return clockface.Employee{}, err
	}
	return s.Decline(ctx)
}

func (ledgerAdmin) Enrol(context.Context, enroll.Applicant, string, func(enroll.Feedback)) (enroll.Result, error) {
	return enroll.Result{}, errors.New("no camera in the UI tests")
}

type rig struct {
	t     testing.TB
	ctx   context.Context
	clock *clocktest.Clock
	led   *ledger.Ledger
	m     *flow.Machine
	u     *UI
	cues  []Cue
}

func newRig(t testing.TB, mode flow.Mode) *rig {
	t.Helper()
	return newRigOn(t, mode, nil)
}

// newRigOn is newRig with the machine's store wrapped by wrap (nil: the
// ledger itself).
func newRigOn(t testing.TB, mode flow.Mode, wrap func(*ledger.Ledger) flow.Store) *rig {
	t.Helper()
	a := test.NewApp()
	a.Settings().SetTheme(Theme())
	t.Cleanup(a.Quit)
	ctx := context.Background()
	clock := clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))
	key, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(t.TempDir(), "ledger.db"), Key: key, Clock: clock, KioskID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	if _, err := led.AddEmployee(ctx, clockface.Employee{Number: "1001", Name: "Alice Ávila"}, "4321"); err != nil {
		t.Fatal(err)
	}
	if _, err := led.RecordConsent(ctx, clockface.Consent{EmployeeNumber: "1001", TextVersion: "v1", Locale: "en",
		TextSHA256: strings.Repeat("ab", 32), Signature: "Alice Ávila", RetentionPolicy: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := led.SaveTemplate(ctx, embeddings.Template{Owner: "1001", Model: testModel, Samples: []embeddings.Embedding{{1, 0, 0, 0}}}, "hr"); err != nil {
		t.Fatal(err)
	}
	if err := led.SetHRPIN(ctx, "9999", "test"); err != nil {
		t.Fatal(err)
	}
	var store flow.Store = led
	if wrap != nil {
		store = wrap(led)
	}
	m, err := flow.New(ctx, flow.Config{Mode: mode, Thresholds: embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.1}, Model: testModel,
		States: states{led, clock}}, store, clock)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: ctx, clock: clock, led: led, m: m}
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 720))
	r.u = New(ctx, w, m, Options{Admin: ledgerAdmin{led}, Sound: func(c Cue) { r.cues = append(r.cues, c) }, Clock: clock, Location: time.UTC,
		Company: "Acme Foods", Site: "Plant 2"})
	r.u.Wait() // HasHRPIN
	m.OnChange = r.u.OnChange
	return r
}

// states is the kiosk's flow.States on the test ledger.
type states struct {
	led   *ledger.Ledger
	clock clockface.Clock
}

func (s states) NextKinds(ctx context.Context, number string) ([]clockface.PunchKind, attendance.Status, error) {
	ps, err := s.led.EmployeePunches(ctx, number)
	if err != nil {
		return nil, attendance.Status{}, err
	}
	st := attendance.State(ps, s.clock.Now(), 0)
	return attendance.NextKinds(st), st, nil
}

// punched counts the sounds of punches.
func (r *rig) punchCues() int {
	n := 0
	for _, c := range r.cues {
		if c != CueError {
			n++
		}
	}
	return n
}

func (r *rig) title() string { return r.u.title.Text }

func typePIN(r *rig, number, pin string) {
	test.Type(r.u.NumberEntry, number)
	test.Tap(r.u.OKButton)
	for _, d := range pin {
		test.Tap(r.u.Digits[d-'0'])
	}
	test.Tap(r.u.OKButton)
	r.u.Wait() // the PIN check and the punch run off the Fyne goroutine
}

// punchPIN types the PIN and taps the highlighted kind.
func punchPIN(t *testing.T, r *rig, number, pin string) {
	t.Helper()
	typePIN(r, number, pin)
	if got, want := r.m.State().Screen, flow.Choose; got != want {
		t.Fatalf("after the PIN: got %v, want %v (%s)", got, want, r.title())
	}
	test.Tap(r.u.Kinds[0])
	r.u.Wait()
}

func TestPINPunchConfirmAndUndo(t *testing.T) {
	r := newRig(t, flow.Identify)
	if got, want := r.title(), "Walk up to clock in\nAcérquese para fichar"; got != want {
		t.Fatalf("idle title: got %q, want %q", got, want)
	}
	test.Tap(r.u.PINButton)
	typePIN(r, "1001", "4321")
	if got, want := r.title(), "Hi Alice, you are clocked out"; got != want {
		t.Fatalf("choose title: got %q, want %q", got, want)
	}
	if got, want := r.u.Kinds[0].Text, "▶ Clock in"; len(r.u.Kinds) != 1 || got != want {
		t.Fatalf("kinds: got %d, first %q, want 1, %q", len(r.u.Kinds), got, want)
	}
	test.Tap(r.u.Kinds[0])
	r.u.Wait()
	if got, want := r.title(), "✔ Clocked in 08:58"; got != want {
		t.Fatalf("confirm title: got %q, want %q", got, want)
	}
	if got, want := r.u.sub.Text, "Alice Ávila"; got != want {
		t.Errorf("name: got %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(r.cues), fmt.Sprint([]Cue{CueIn}); got != want {
		t.Errorf("sounds: got %s, want %s", got, want)
	}
	test.Tap(r.u.UndoButton)
	r.u.Wait()
	if got, want := r.title(), "Punch undone"; got != want {
		t.Errorf("after undo: got %q, want %q", got, want)
	}
	ps, err := r.led.EmployeePunches(r.ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Voided == nil || ps[0].Method != clockface.MethodPIN {
		t.Errorf("punches: got %+v, want one voided PIN punch", ps)
	}
}

func TestWrongPINThenLock(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.PINButton)
	typeDigits := func(pin string) {
		for _, d := range pin {
			test.Tap(r.u.Digits[d-'0'])
		}
		test.Tap(r.u.OKButton)
		r.u.Wait()
	}
	for i, want := range []string{"Wrong PIN - 2 tries left before a 30-second lock", "Wrong PIN - 1 try left before a 30-second lock"} {
		if i == 0 {
			typePIN(r, "1001", "0000")
		} else {
			typeDigits("0000") // the number is kept: only the PIN again
		}
		if got := r.title(); got != want {
			t.Fatalf("title: got %q, want %q", got, want)
		}
		if got, want := r.u.NumberEntry.Text, "1001"; got != want {
			t.Errorf("number after a wrong PIN: got %q, want %q", got, want)
		}
		if r.u.active != r.u.PINEntry {
			t.Error("the PIN field is not the active one after a wrong PIN")
		}
	}
	typeDigits("0000")
	if got, want := r.title(), "Account 1001 is locked. Try again in 0:30, or ask HR."; got != want {
		t.Errorf("third failure: got %q, want %q", got, want)
	}
	r.clock.Add(3 * time.Second)
	r.m.Tick(r.ctx)
	if got, want := r.title(), "Account 1001 is locked. Try again in 0:27, or ask HR."; got != want {
		t.Errorf("countdown: got %q, want %q", got, want)
	}
	if got := r.punchCues(); got != 0 {
		t.Errorf("punch sounds: got %d, want 0", got)
	}
}

func TestSpanishFacePunch(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.LangButton)
	if got, want := r.title(), "Acérquese para fichar\nWalk up to clock in"; got != want {
		t.Fatalf("idle title: got %q, want %q", got, want)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	r.m.Frame(r.ctx, img, r.clock.Now(), []embeddings.Face{{Box: image.Rect(16, 8, 48, 40), Embedding: embeddings.Embedding{1, 0, 0, 0}}})
	if got, want := r.title(), "Hola Alice, no ha fichado la entrada"; got != want {
		t.Fatalf("choose title: got %q, want %q", got, want)
	}
	r.clock.Add(flow.DefaultCountdown)
	r.m.Tick(r.ctx) // the countdown applies the highlighted kind
	if got, want := r.title(), "✔ Entrada registrada 08:58"; got != want {
		t.Fatalf("confirm title: got %q, want %q", got, want)
	}
	if r.u.thumb.Image == nil || r.u.thumb.Image.Bounds().Dx() < 32 {
		t.Error("no thumbnail on the confirmation")
	}
	r.clock.Add(flow.DefaultUndoWindow)
	r.m.Tick(r.ctx)
	// Idle again: the next person starts in the kiosk's default language.
	if got, want := r.title(), "Walk up to clock in\nAcérquese para fichar"; got != want {
		t.Errorf("after the undo window: got %q, want %q", got, want)
	}
}

func TestPreviewDrawsTheFaceBoxOnACopy(t *testing.T) {
	r := newRig(t, flow.Identify)
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	r.u.SetFrame(frame, []image.Rectangle{image.Rect(100, 100, 300, 300)})
	shown := r.u.preview.Image.(*image.RGBA)
	// Mirrored: the box's left edge at x=100 shows at x=639-100+1.
	if got := shown.RGBAAt(640-100-1, 150); got.G != 0xff || got.R != 0 {
		t.Errorf("mirrored box edge pixel: got %v, want green", got)
	}
	if got := frame.RGBAAt(100, 150); got.G != 0 {
		t.Errorf("the source frame was drawn on: %v", got)
	}
}

func TestAdminModeBehindHRPIN(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.PINButton)
	punchPIN(t, r, "1001", "4321")
	r.clock.Add(flow.DefaultUndoWindow)
	r.m.Tick(r.ctx)

	if r.u.AdminButton.Hidden {
		t.Fatal("the HR entry is hidden though the ledger has an HR PIN")
	}
	test.Tap(r.u.AdminButton)
	test.Type(r.u.HRPINEntry, "1234")
	test.Tap(r.u.OKButton)
	r.u.Wait()
	if r.u.admin == nil || !r.u.admin.login {
		t.Fatal("a wrong HR PIN opened admin mode")
	}
	if got, want := r.u.sub.Text, "Wrong HR PIN"; got != want {
		t.Errorf("wrong HR PIN: got %q, want %q", got, want)
	}
	test.Type(r.u.HRPINEntry, "9999")
	test.Tap(r.u.OKButton)
	r.u.Wait()
	a := r.u.admin
	if a == nil || a.login {
		t.Fatal("the HR PIN did not open admin mode")
	}
	test.Tap(a.Employees)
	r.u.Wait()
	if got, want := a.out.Text, "1001  Alice Ávila  (active, face+PIN)\n"; got != want {
		t.Errorf("employees: got %q, want %q", got, want)
	}
	test.Tap(a.Today)
	r.u.Wait()
	if got, want := a.out.Text, "08:58  1001  in  pin\n"; got != want {
		t.Errorf("today: got %q, want %q", got, want)
	}
	test.Tap(a.Lock)
	test.Tap(a.Close)
	if got, want := r.title(), "Out of service"; got != want {
		t.Errorf("locked kiosk: got %q, want %q", got, want)
	}
	// Locked: a face is not matched and a PIN does not punch.
	r.m.Frame(r.ctx, image.NewRGBA(image.Rect(0, 0, 64, 48)), r.clock.Now(), []embeddings.Face{{Box: image.Rect(16, 8, 48, 40), Embedding: embeddings.Embedding{1, 0, 0, 0}}})
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	ps, _ := r.led.EmployeePunches(r.ctx, "1001")
	if got, want := len(ps), 1; got != want {
		t.Errorf("punches while locked: got %d, want %d", got, want)
	}
}

func TestVerifyModeClaimByKeypad(t *testing.T) {
	r := newRig(t, flow.Verify)
	if got, want := r.title(), "Type your employee number"; got != want {
		t.Fatalf("idle: got %q, want %q", got, want)
	}
	for _, d := range "1001" {
		test.Tap(r.u.Digits[d-'0'])
	}
	test.Tap(r.u.OKButton)
	r.u.Wait()
	if got, want := r.m.State().Screen, flow.WaitFace; got != want {
		t.Fatalf("after the claim: got %v, want %v", got, want)
	}
	if got, want := r.u.sub.Text, "Alice Ávila"; got != want {
		t.Errorf("claimed name: got %q, want %q", got, want)
	}
}

// slowPIN is the ledger with a PIN check that waits until released, as a
// slow Argon2id would.
type slowPIN struct {
	*ledger.Ledger
	entered, release chan struct{}
}

func (s slowPIN) CheckPIN(ctx context.Context, number, pin string) error {
	s.entered <- struct{}{}
	<-s.release
	return s.Ledger.CheckPIN(ctx, number, pin)
}

// TestPINCheckDoesNotBlockTheScreen: the OK tap returns while the PIN check
// is still running (a Fyne callback that blocked on it would hang Tap),
// and the confirmation arrives when it finishes.
func TestPINCheckDoesNotBlockTheScreen(t *testing.T) {
	slow := slowPIN{entered: make(chan struct{}), release: make(chan struct{})}
	r := newRigOn(t, flow.Identify, func(l *ledger.Ledger) flow.Store { slow.Ledger = l; return slow })
	test.Tap(r.u.PINButton)
	test.Type(r.u.NumberEntry, "1001")
	test.Tap(r.u.OKButton)
	for _, d := range "4321" {
		test.Tap(r.u.Digits[d-'0'])
	}
	test.Tap(r.u.OKButton) // returns with the check under way
	<-slow.entered
	if got, want := r.m.State().Screen, flow.AskPIN; got != want {
		t.Errorf("during the PIN check: got %v, want %v", got, want)
	}
	close(slow.release)
	r.u.Wait()
	if got, want := r.title(), "Hi Alice, you are clocked out"; got != want {
		t.Errorf("after the PIN check: got %q, want %q", got, want)
	}
}

// BenchmarkPINToChoice is a PIN punch's time from OK to the screen that
// greets the employee (the PIN check is Argon2id, then the employee's
// state): the UI's part runs off the Fyne goroutine, so the screen never
// blocks while it runs.
func BenchmarkPINToChoice(b *testing.B) {
	r := newRig(b, flow.Identify)
	for b.Loop() {
		r.m.ShowPIN()
		r.m.SubmitPIN(r.ctx, "1001", "4321")
		if s := r.m.State(); s.Screen != flow.Choose {
			b.Fatalf("got %v, want %v", s.Screen, flow.Choose)
		}
		r.m.Cancel()
	}
}

// BenchmarkChoiceToConfirm is the tap on a kind to the confirmation (one
// fsync'd ledger write).
func BenchmarkChoiceToConfirm(b *testing.B) {
	r := newRig(b, flow.Identify)
	b.StopTimer()
	for range b.N {
		r.m.SubmitPIN(r.ctx, "1001", "4321")
		b.StartTimer()
		r.m.ChooseKind(r.ctx, r.m.State().Kinds[0])
		b.StopTimer()
		if s := r.m.State(); s.Screen != flow.Confirm {
			b.Fatalf("got %v, want %v (%s)", s.Screen, flow.Confirm, s.Err)
		}
		r.m.Cancel()
	}
}
