package flow

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/embeddings"
	"clockface/internal/clocktest"
	"clockface/kiosk/liveness"
	"clockface/ledger"
	"clockface/vault"
)

// These are logic tests: the real ledger (SQLite in a temp folder) with
// hand-made 4-d embeddings and landmarks instead of a face engine. The
// end-to-end tests in package kiosk use the real engine and real video.

var (
	testModel = embeddings.Model{Name: "test", Version: "1", Dim: 4}
	testTh    = embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.10}
	alice     = embeddings.Embedding{1, 0, 0, 0}
	bob       = embeddings.Embedding{0, 1, 0, 0}
	rosa      = embeddings.Embedding{0, 0, 0, 1} // restricted to PIN
	stranger  = embeddings.Embedding{0, 0, 1, 0}
	// aliceish is 0.5 from alice: the review band.
	aliceish = embeddings.Embedding{1, 0.5, 0, 0}
)

type rig struct {
	ctx   context.Context
	clock *clocktest.Clock
	led   *ledger.Ledger
	m     *Machine
	seen  []State
}

func newRig(t *testing.T, mode Mode, live *liveness.Config) *rig {
	t.Helper()
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
	for _, p := range []struct {
		number, name string
		e            embeddings.Embedding
		restricted   bool
	}{{"1001", "Alice Ávila", alice, false}, {"1002", "Bob Baker", bob, false}, {"1003", "Rosa Ruiz", rosa, false}} {
		if _, err := led.AddEmployee(ctx, clockface.Employee{Number: p.number, Name: p.name, BadgeID: "B-" + p.number}, "4321"); err != nil {
			t.Fatal(err)
		}
		if _, err := led.RecordConsent(ctx, clockface.Consent{EmployeeNumber: p.number, TextVersion: "v1", Locale: "en",
			TextSHA256: strings.Repeat("ab", 32), Signature: p.name, RetentionPolicy: "r1"}); err != nil {
			t.Fatal(err)
		}
		if err := led.SaveTemplate(ctx, embeddings.Template{Owner: p.number, Model: testModel, Samples: []embeddings.Embedding{p.e}}, "hr"); err != nil {
			t.Fatal(err)
		}
	}
	// Rosa objected after enrolling: restricted to PIN from now on.
	if err := led.Restrict(ctx, "1003", true, "hr"); err != nil {
		t.Fatal(err)
	}
	spy := &lockSpy{Ledger: led, t: t}
	m, err := New(ctx, Config{Mode: mode, Thresholds: testTh, Model: testModel, Liveness: live, KioskID: "test"}, spy, clock)
	if err != nil {
		t.Fatal(err)
	}
	spy.m = m
	r := &rig{ctx: ctx, clock: clock, led: led, m: m}
	m.OnChange = func(s State) { r.seen = append(r.seen, s) }
	return r
}

// lockSpy is the real ledger, checking at every slow call (Argon2id,
// fsync'd writes) that the machine does not hold its lock across it. Every
// test's machine runs on it.
type lockSpy struct {
	*ledger.Ledger
	m *Machine
	t *testing.T
}

func (s *lockSpy) unlocked(call string) {
	if s.m == nil {
		return // New's gallery load
	}
	if !s.m.mu.TryLock() {
		s.t.Errorf("%s ran with the machine's lock held", call)
		return
	}
	s.m.mu.Unlock()
}

func (s *lockSpy) Record(ctx context.Context, r clockface.PunchRequest) (clockface.PunchResult, error) {
	s.unlocked("Record")
	return s.Ledger.Record(ctx, r)
}

func (s *lockSpy) CheckPIN(ctx context.Context, number, pin string) error {
	s.unlocked("CheckPIN")
	return s.Ledger.CheckPIN(ctx, number, pin)
}

func (s *lockSpy) CheckPINKeepingFailures(ctx context.Context, number, pin string) error {
	s.unlocked("CheckPINKeepingFailures")
	return s.Ledger.CheckPINKeepingFailures(ctx, number, pin)
}

func (s *lockSpy) RecordFailure(ctx context.Context, number string, m clockface.Method) error {
	s.unlocked("RecordFailure")
	return s.Ledger.RecordFailure(ctx, number, m)
}

func (s *lockSpy) Lockout(ctx context.Context, number string) error {
	s.unlocked("Lockout")
	return s.Ledger.Lockout(ctx, number)
}

func (s *lockSpy) Template(ctx context.Context, number string, m embeddings.Model) (embeddings.Template, error) {
	s.unlocked("Template")
	return s.Ledger.Template(ctx, number, m)
}

func (s *lockSpy) Tries(ctx context.Context, number string) (int, time.Duration, error) {
	s.unlocked("Tries")
	return s.Ledger.Tries(ctx, number)
}

func (s *lockSpy) MaybeRefreshTemplate(ctx context.Context, number string, m embeddings.Model, v embeddings.Embedding, ev embeddings.RefreshEvidence) (bool, error) {
	s.unlocked("MaybeRefreshTemplate")
	return s.Ledger.MaybeRefreshTemplate(ctx, number, m, v, ev)
}

func (s *lockSpy) VoidPunch(ctx context.Context, id, actor, reason string) error {
	s.unlocked("VoidPunch")
	return s.Ledger.VoidPunch(ctx, id, actor, reason)
}

// frame is a 64×48 grey picture; the face box covers its middle.
func frame() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.Set(32, 24, color.White)
	return img
}

// face is a detected face with embedding e and 5 landmarks with this yaw.
func face(e embeddings.Embedding, yaw float64) embeddings.Face {
	return embeddings.Face{
		Box: image.Rect(16, 8, 48, 40),
		Landmarks: []image.Point{{18, 20}, {26, 20}, {38, 20}, {46, 20},
			{32 + int(math.Round(yaw*24)), 30}},
		Embedding: e,
	}
}

// show feeds one frame captured now, then advances the clock by 100 ms.
func (r *rig) show(fs ...embeddings.Face) State {
	r.m.Frame(r.ctx, frame(), r.clock.Now(), fs)
	r.clock.Add(100 * time.Millisecond)
	r.m.Tick(r.ctx)
	return r.m.State()
}

func (r *rig) punches(t *testing.T) []clockface.Punch {
	t.Helper()
	ps, err := r.led.Punches(r.ctx, r.clock.Now().Add(-24*time.Hour), r.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestIdentifyAcceptPunchesWithEvidence(t *testing.T) {
	r := newRig(t, Identify, nil)
	var dec Decision
	r.m.OnDecision = func(d Decision) { dec = d }
	r.clock.Add(-150 * time.Millisecond) // the frame was captured 150 ms ago
	r.m.Frame(r.ctx, frame(), r.clock.Now(), []embeddings.Face{face(alice, 0)})
	s := r.m.State()
	if got, want := s.Screen, Confirm; got != want {
		t.Fatalf("screen: got %v, want %v (%+v)", got, want, s)
	}
	if got, want := s.Employee.Name, "Alice Ávila"; got != want {
		t.Errorf("name: got %q, want %q", got, want)
	}
	if got, want := s.Punch.Kind, clockface.PunchIn; got != want {
		t.Errorf("kind: got %v, want %v", got, want)
	}
	if s.Thumbnail == nil || s.Thumbnail.Bounds().Dx() == 0 {
		t.Error("no thumbnail")
	}
	if got, want := dec.Latency, time.Duration(0); got != want {
		t.Errorf("latency on a manual clock: got %v, want %v", got, want)
	}
	ps := r.punches(t)
	if got, want := len(ps), 1; got != want {
		t.Fatalf("punches: got %d, want %d", got, want)
	}
	ev := ps[0].Evidence
	if ev.Distance != 0 || ev.SnapshotID == 0 || ev.Model != "test/1" || ev.Liveness != "off" {
		t.Errorf("evidence: got %+v, want distance 0, a snapshot, model test/1, liveness off", ev)
	}
	if got, want := math.Round(ev.Margin*1000)/1000, math.Round(math.Sqrt2*1000)/1000; got != want {
		t.Errorf("margin: got %v, want %v (bob is the runner-up)", got, want)
	}
	if _, err := r.led.Snapshot(r.ctx, ev.SnapshotID, "tester"); err != nil {
		t.Errorf("snapshot: %v", err)
	}
	if got, want := ps[0].Method, clockface.MethodFace; got != want {
		t.Errorf("method: got %v, want %v", got, want)
	}
}

// look shows the same face for the frames identification looks at.
func (r *rig) look(f embeddings.Face) State {
	var s State
	for range DefaultIdentifyFrames {
		s = r.show(f)
	}
	return s
}

func TestBandsReviewAndReject(t *testing.T) {
	r := newRig(t, Identify, nil)
	s := r.look(face(aliceish, 0))
	if got, want := s.Screen, AskPIN; got != want {
		t.Fatalf("review screen: got %v, want %v", got, want)
	}
	if got, want := s.Msg, MsgConfirmPIN; got != want {
		t.Errorf("review message: got %v, want %v", got, want)
	}
	if s.Employee.Name != "" {
		t.Errorf("review showed a name: %q", s.Employee.Name)
	}
	r.m.Cancel()
	r.show() // the face left
	s = r.look(face(stranger, 0))
	if got, want := s.Msg, MsgNotRecognised; got != want {
		t.Errorf("stranger: got %v, want %v", got, want)
	}
	if got := len(r.punches(t)); got != 0 {
		t.Errorf("punches: got %d, want 0", got)
	}
}

func TestRestrictedEmployeeIsNeverFaceMatched(t *testing.T) {
	r := newRig(t, Identify, nil)
	s := r.look(face(rosa, 0))
	if got, want := s.Msg, MsgNotRecognised; got != want {
		t.Errorf("restricted face: got %v, want %v", got, want)
	}
	if got, want := r.m.Enrolled(), 2; got != want {
		t.Errorf("gallery: got %d people, want %d", got, want)
	}
	// Her PIN works like anyone's: same punch, method pin.
	r.m.SubmitPIN(r.ctx, "1003", "4321")
	s = r.m.State()
	if got, want := s.Screen, Confirm; got != want {
		t.Fatalf("PIN screen: got %v, want %v (%s)", got, want, s.Err)
	}
	ps := r.punches(t)
	if len(ps) != 1 || ps[0].Method != clockface.MethodPIN || ps[0].EmployeeNumber != "1003" || ps[0].Kind != clockface.PunchIn {
		t.Errorf("punches: got %+v, want one PIN punch in by 1003", ps)
	}
	// Verify mode sends her straight to the PIN pad.
	v := newRig(t, Verify, nil)
	v.m.Claim(v.ctx, "1003")
	if got, want := v.m.State().Msg, MsgUsePIN; got != want {
		t.Errorf("verify claim of a restricted employee: got %v, want %v", got, want)
	}
}

func TestLivenessStopsAStillFace(t *testing.T) {
	cfg := liveness.MotionOnly()
	r := newRig(t, Identify, &cfg)
	var retried bool
	for range 2*int(cfg.TimeLimit/(100*time.Millisecond)) + 5 { // the same picture, past two time limits
		if s := r.show(face(alice, 0.05)); s.Screen == Checking && s.Retries == 1 {
			retried = true
			if got, want := s.Employee.Name, "Alice Ávila"; got != want {
				t.Errorf("retry shows the candidate: got %q, want %q", got, want)
			}
		}
	}
	if got := len(r.punches(t)); got != 0 {
		t.Fatalf("a still face punched: %d punches", got)
	}
	if !retried {
		t.Error("the first failed check did not retry at once")
	}
	s := r.m.State()
	if s.Screen != Checking || !s.OfferPIN || s.Retries < 2 {
		t.Errorf("after two failed checks: got %v offer-pin %v retries %d, want checking, the PIN offered, 2 retries", s.Screen, s.OfferPIN, s.Retries)
	}
	if !strings.Contains(s.Liveness, "failed") {
		t.Errorf("liveness result: got %q, want a failure", s.Liveness)
	}
}

func TestLivenessPassesAMovingFace(t *testing.T) {
	cfg := liveness.MotionOnly()
	r := newRig(t, Identify, &cfg)
	var s State
	for i := range 20 {
		s = r.show(face(alice, 0.03*float64(i)))
		if s.Screen == Confirm {
			break
		}
		if got, want := s.Msg, MsgMoveHead; got != want {
			t.Fatalf("prompt: got %v, want %v", got, want)
		}
	}
	if got, want := s.Screen, Confirm; got != want {
		t.Fatalf("screen: got %v, want %v", got, want)
	}
	ps := r.punches(t)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Evidence.Liveness, "passed any-move") {
		t.Errorf("punches: got %+v, want one with a passed liveness", ps)
	}
}

func TestPINLockoutAndRecovery(t *testing.T) {
	r := newRig(t, Identify, nil)
	for i := range 3 {
		r.m.SubmitPIN(r.ctx, "1002", "0000")
		if i < 2 {
			if got, want := r.m.State().Msg, MsgWrongPIN; got != want {
				t.Errorf("attempt %d: got %v, want %v", i+1, got, want)
			}
		}
	}
	s := r.m.State()
	if got, want := s.Msg, MsgLocked; got != want {
		t.Fatalf("after 3 failures: got %v, want %v", got, want)
	}
	if got, want := s.LockedUntil.Sub(r.clock.Now()), 30*time.Second; got != want {
		t.Errorf("lock: got %v, want %v", got, want)
	}
	r.m.SubmitPIN(r.ctx, "1002", "4321")
	if got, want := r.m.State().Msg, MsgLocked; got != want {
		t.Errorf("right PIN while locked: got %v, want %v", got, want)
	}
	r.clock.Add(31 * time.Second)
	r.m.SubmitPIN(r.ctx, "1002", "4321")
	if got, want := r.m.State().Screen, Confirm; got != want {
		t.Errorf("right PIN after the lock: got %v, want %v", got, want)
	}
}

func TestVerifyRejectsCountTowardsLockout(t *testing.T) {
	r := newRig(t, Verify, nil)
	if s := r.show(face(alice, 0)); s.Screen != Idle {
		t.Fatalf("verify mode matched without a claim: %v", s.Screen)
	}
	for i := range 3 {
		r.m.Claim(r.ctx, "1002")
		if i < 3 {
			if got, want := r.m.State().Screen, WaitFace; got != want && i < 3 {
				t.Fatalf("claim %d: got %v, want %v", i+1, got, want)
			}
		}
		r.show(face(alice, 0)) // alice's face, bob's claim
	}
	s := r.m.State()
	if got, want := s.Msg, MsgLocked; got != want {
		t.Errorf("after 3 wrong faces: got %v, want %v", got, want)
	}
	var le *clockface.LockedError
	if err := r.led.Lockout(r.ctx, "1002"); !errors.As(err, &le) {
		t.Errorf("ledger lockout: got %v, want a lock", err)
	}
	// Alice claiming herself with her badge is accepted 1:1.
	r.m.Claim(r.ctx, "B-1001")
	if s := r.show(face(alice, 0)); s.Screen != Confirm {
		t.Fatalf("alice's own claim: got %v (%s)", s.Screen, s.Err)
	}
	if ps := r.punches(t); len(ps) != 1 || ps[0].EmployeeNumber != "1001" {
		t.Errorf("punches: got %+v, want alice's", ps)
	}
}

func TestUndoWindow(t *testing.T) {
	r := newRig(t, Identify, nil)
	r.show(face(alice, 0))
	if !r.m.Undo(r.ctx) {
		t.Fatal("undo inside the window failed")
	}
	ps := r.punches(t)
	if len(ps) != 1 || ps[0].Voided == nil {
		t.Fatalf("punches: got %+v, want one voided", ps)
	}
	if got, want := r.m.State().Msg, MsgUndone; got != want {
		t.Errorf("message: got %v, want %v", got, want)
	}
	r.clock.Add(DefaultMessageHold)
	r.m.Tick(r.ctx)
	r.show(face(bob, 0))
	r.clock.Add(DefaultUndoWindow)
	if r.m.Undo(r.ctx) {
		t.Error("undo after the window succeeded")
	}
	r.m.Tick(r.ctx)
	if got, want := r.m.State().Screen, Idle; got != want {
		t.Errorf("after the window: got %v, want %v", got, want)
	}
}

func TestDebouncedSecondPunch(t *testing.T) {
	r := newRig(t, Identify, nil)
	r.show(face(alice, 0))
	r.clock.Add(DefaultUndoWindow)
	r.m.Tick(r.ctx)
	r.show() // the face left
	s := r.show(face(alice, 0))
	if got, want := s.Msg, MsgAlready; got != want {
		t.Errorf("second look within the debounce: got %v, want %v", got, want)
	}
	if got := len(r.punches(t)); got != 1 {
		t.Errorf("punches: got %d, want 1", got)
	}
}

// A face that lingers in front of the kiosk after its punch is not decided
// on again: the session re-arms only once the face has left the frame.
// Each return within the debounce says "already": one punch, one snapshot.
func TestLingeringFaceOnePunchOneSnapshot(t *testing.T) {
	r := newRig(t, Identify, nil)
	var decisions []Decision
	r.m.OnDecision = func(d Decision) { decisions = append(decisions, d) }
	for i := range 3 {
		s := r.show(face(alice, 0))
		want := MsgPunched
		if i > 0 {
			want = MsgAlready
		}
		if s.Screen != Confirm || s.Msg != want {
			t.Fatalf("look %d: got %v/%v (%s), want confirm/%v", i, s.Screen, s.Msg, s.Err, want)
		}
		r.clock.Add(DefaultUndoWindow) // the confirmation ends; the face is still there
		r.m.Tick(r.ctx)
		for range 5 {
			if s := r.show(face(alice, 0)); s.Screen != Idle {
				t.Fatalf("look %d: a lingering face started a session: %v/%v", i, s.Screen, s.Msg)
			}
		}
		r.show() // the face left
	}
	if got, want := len(decisions), 3; got != want {
		t.Errorf("decisions: got %d, want %d", got, want)
	}
	ps := r.punches(t)
	sns, err := r.led.Snapshots(r.ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || len(sns) != 1 {
		t.Fatalf("got %d punches and %d snapshots, want 1 and 1", len(ps), len(sns))
	}
	if got, want := ps[0].Evidence.SnapshotID, sns[0].ID; got != want {
		t.Errorf("punch evidence snapshot %d, want %d", got, want)
	}
}

// An engine failure is shown as a fault, not read as "no face"; it does not
// interrupt someone typing their PIN.
func TestEngineFailureIsShown(t *testing.T) {
	r := newRig(t, Identify, nil)
	r.m.EngineFailed(errors.New("detector: bad frame"))
	s := r.m.State()
	if s.Screen != Message || s.Msg != MsgEngineError || !strings.Contains(s.Err, "bad frame") {
		t.Fatalf("after an engine failure: got %v/%v %q, want message/%v with the error", s.Screen, s.Msg, s.Err, MsgEngineError)
	}
	seen := len(r.seen)
	r.m.EngineFailed(errors.New("detector: bad frame"))
	if got := len(r.seen); got != seen {
		t.Errorf("a repeated failure notified %d more times, want 0", got-seen)
	}
	r.clock.Add(DefaultMessageHold)
	r.m.Tick(r.ctx)
	if got, want := r.m.State().Screen, Idle; got != want {
		t.Fatalf("once it stops failing: got %v, want %v", got, want)
	}
	r.m.ShowPIN()
	r.m.EngineFailed(errors.New("detector: bad frame"))
	if got, want := r.m.State().Screen, AskPIN; got != want {
		t.Errorf("PIN pad during a failure: got %v, want %v", got, want)
	}
}

// ledgerStates is the kiosk's States on the test ledger: the employee's
// punches through attendance.State and NextKinds.
type ledgerStates struct {
	led   *ledger.Ledger
	clock clockface.Clock
}

func (l ledgerStates) NextKinds(ctx context.Context, number string) ([]clockface.PunchKind, attendance.Status, error) {
	ps, err := l.led.EmployeePunches(ctx, number)
	if err != nil {
		return nil, attendance.Status{}, err
	}
	st := attendance.State(ps, l.clock.Now(), 0)
	return attendance.NextKinds(st), st, nil
}

func newChooseRig(t *testing.T, countdown time.Duration, live *liveness.Config) *rig {
	t.Helper()
	r := newRig(t, Identify, live)
	m, err := New(r.ctx, Config{Mode: Identify, Thresholds: testTh, Model: testModel, Liveness: live, KioskID: "test",
		States: ledgerStates{r.led, r.clock}, Countdown: countdown}, r.led, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

// TestChosenKinds: identified, the employee sees the kinds that make sense
// now, the likely one first; the countdown applies it, a tap applies
// another, and waiting for a tap (negative countdown) never guesses.
func TestChosenKinds(t *testing.T) {
	r := newChooseRig(t, 0, nil)
	s := r.show(face(alice, 0))
	if got, want := s.Screen, Choose; got != want {
		t.Fatalf("identified: got %v, want %v (%s)", got, want, s.Err)
	}
	if got, want := fmt.Sprint(s.Kinds), "[in]"; got != want {
		t.Errorf("kinds when out: got %s, want %s", got, want)
	}
	if got, want := s.ChooseUntil, r.clock.Now().Add(DefaultCountdown-100*time.Millisecond); !got.Equal(want) {
		t.Errorf("countdown end: got %v, want %v", got, want)
	}
	if got := len(r.punches(t)); got != 0 {
		t.Fatalf("punched before the countdown ended: %d", got)
	}
	r.clock.Add(DefaultCountdown)
	r.m.Tick(r.ctx)
	if s := r.m.State(); s.Screen != Confirm || s.Punch.Kind != clockface.PunchIn {
		t.Fatalf("after the countdown: got %v %q, want a confirmed in-punch", s.Screen, s.Punch.Kind)
	}
	r.clock.Add(time.Hour)
	r.m.Tick(r.ctx)
	r.show() // the face left
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	s = r.m.State()
	if got, want := fmt.Sprint(s.Kinds), "[out break_start]"; got != want || s.Status.Kind != clockface.PunchIn {
		t.Fatalf("kinds when in: got %s (state %s), want %s", got, s.Status.Kind, want)
	}
	if !r.m.ChooseKind(r.ctx, clockface.BreakStart) {
		t.Fatal("the tap on Start break was refused")
	}
	if s := r.m.State(); s.Screen != Confirm || s.Punch.Kind != clockface.BreakStart || s.Punch.Method != clockface.MethodPIN {
		t.Errorf("after the tap: got %v %q %q, want a PIN break start", s.Screen, s.Punch.Kind, s.Punch.Method)
	}
	if r.m.ChooseKind(r.ctx, clockface.PunchOut) {
		t.Error("a second tap punched again")
	}

	w := newChooseRig(t, -1, nil)
	w.show(face(alice, 0))
	w.clock.Add(DefaultPINTimeout - time.Second)
	w.m.Tick(w.ctx)
	if s := w.m.State(); s.Screen != Choose || !s.ChooseUntil.IsZero() {
		t.Errorf("waiting for a tap: got %v (until %v), want choose with no countdown", s.Screen, s.ChooseUntil)
	}
	w.clock.Add(2 * time.Second)
	w.m.Tick(w.ctx)
	if s := w.m.State(); s.Screen != Idle || len(w.punches(t)) != 0 {
		t.Errorf("untouched choice: got %v and %d punches, want idle and none", s.Screen, len(w.punches(t)))
	}
}

// TestIdentifyBeforeLiveness: an unknown face goes to the PIN pad after
// the identification frames, with no liveness prompt; a candidate is
// named during the check, and the decision is the median over the window.
func TestIdentifyBeforeLiveness(t *testing.T) {
	cfg := liveness.MotionOnly()
	r := newRig(t, Identify, &cfg)
	var s State
	for i := range DefaultIdentifyFrames {
		s = r.show(face(stranger, 0.03*float64(i)))
		if s.Msg == MsgMoveHead {
			t.Fatalf("frame %d: an unknown face got a liveness prompt", i)
		}
	}
	if got, want := s.Msg, MsgNotRecognised; s.Screen != AskPIN || got != want {
		t.Fatalf("unknown face: got %v/%v, want ask-pin/%v", s.Screen, got, want)
	}
	if d := r.clock.Now().Sub(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC)); d > 3*time.Second {
		t.Errorf("unknown face → PIN prompt took %v, want at most 3 s", d)
	}
	r.m.Cancel()
	r.show()

	var decisions []Decision
	r.m.OnDecision = func(d Decision) { decisions = append(decisions, d) }
	// Alice's frames: mostly near, one far (a blurred frame); the median
	// decides, not the first or the best frame.
	near := []embeddings.Embedding{{1, 0.05, 0, 0}, {1, 0.3, 0, 0}, {1, 0.1, 0, 0}, {1, 0.12, 0, 0}, {1, 0.08, 0, 0}}
	for i := range 20 {
		s = r.show(face(near[i%len(near)], 0.03*float64(i)))
		if s.Screen != Checking {
			break
		}
		if i > 0 && s.Employee.Name != "Alice Ávila" {
			t.Fatalf("frame %d: the check does not name the candidate: %+v", i, s.Employee)
		}
	}
	if got, want := s.Screen, Confirm; got != want {
		t.Fatalf("candidate: got %v, want %v (%s)", got, want, s.Err)
	}
	if len(decisions) != 1 {
		t.Fatalf("decisions: got %d, want 1", len(decisions))
	}
	if d := decisions[0].Distance; d <= embeddings.Embedding(near[0]).Dist(alice)+1e-9 {
		t.Errorf("decision distance %.4f is the best frame's, want the window's median", d)
	}
}

// TestWrongPINKeepsTheNumber: a wrong PIN keeps the number, says how many
// tries are left before the lock, and the lock names the account.
func TestWrongPINKeepsTheNumber(t *testing.T) {
	r := newRig(t, Identify, nil)
	r.m.SubmitPIN(r.ctx, "1001", "0000")
	s := r.m.State()
	if s.Screen != AskPIN || s.Msg != MsgWrongPIN || s.Employee.Number != "1001" || s.TriesLeft != 2 {
		t.Fatalf("first wrong PIN: got %v/%v number %q tries %d, want ask-pin/wrong-pin 1001 2", s.Screen, s.Msg, s.Employee.Number, s.TriesLeft)
	}
	r.m.SubmitPIN(r.ctx, "1001", "0000")
	if s := r.m.State(); s.TriesLeft != 1 || s.LockFor != 30*time.Second {
		t.Errorf("second wrong PIN: got %d tries, lock %v, want 1 and 30s", s.TriesLeft, s.LockFor)
	}
	r.m.SubmitPIN(r.ctx, "1001", "0000")
	s = r.m.State()
	if s.Msg != MsgLocked || s.LockedAccount != "1001" || !s.LockedUntil.Equal(r.clock.Now().Add(30*time.Second)) {
		t.Fatalf("third: got %v account %q until %v, want locked 1001 for 30 s", s.Msg, s.LockedAccount, s.LockedUntil)
	}
	r.clock.Add(10 * time.Second)
	r.m.Tick(r.ctx)
	if got := r.m.State(); got.Msg != MsgLocked {
		t.Errorf("the lock message left before the lock ended: %v", got.Msg)
	}
}

// TestTriesLeftAreTheLedgers: the PIN pad's count is the ledger's, so
// failures the machine did not see (a face check in verify mode, another
// kiosk process, the CLI) count, and a lock that ran out leaves one try.
func TestTriesLeftAreTheLedgers(t *testing.T) {
	tests := []struct {
		name     string
		before   func(r *rig)
		wrong    int
		left     int
		lockFor  time.Duration
		lockedTo time.Duration // >0: the last wrong PIN shows this lock
	}{
		{"fresh", func(*rig) {}, 1, 2, 30 * time.Second, 0},
		{"a failed face check elsewhere", func(r *rig) {
			if err := r.led.RecordFailure(r.ctx, "1001", clockface.MethodFace); err != nil {
				t.Fatal(err)
			}
		}, 1, 1, 30 * time.Second, 0},
		{"a wrong PIN at another process", func(r *rig) {
			if err := r.led.CheckPIN(r.ctx, "1001", "1111"); !errors.Is(err, clockface.ErrBadPIN) {
				t.Fatal(err)
			}
		}, 2, 0, 0, 30 * time.Second},
		{"after the first lock ran out", func(r *rig) {
			for range 3 {
				r.led.CheckPIN(r.ctx, "1001", "1111")
			}
			r.clock.Add(30 * time.Second)
		}, 1, 0, 0, 60 * time.Second},
		{"unknown number: no count", func(*rig) {}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, Identify, nil)
			tt.before(r)
			number, n := "1001", tt.wrong
			if n == 0 {
				number, n = "9999", 1
			}
			for range n {
				r.m.SubmitPIN(r.ctx, number, "0000")
			}
			s := r.m.State()
			if tt.lockedTo > 0 {
				if s.Msg != MsgLocked || !s.LockedUntil.Equal(r.clock.Now().Add(tt.lockedTo)) {
					t.Fatalf("got %v until %v, want locked for %v", s.Msg, s.LockedUntil, tt.lockedTo)
				}
				return
			}
			if s.Msg != MsgWrongPIN || s.TriesLeft != tt.left || s.LockFor != tt.lockFor {
				t.Fatalf("got %v, %d tries left before a %v lock; want wrong-pin, %d before %v", s.Msg, s.TriesLeft, s.LockFor, tt.left, tt.lockFor)
			}
		})
	}
}

// TestPINThenFace: with PIN then face, a right PIN opens the face check and
// only the face punches; a wrong face after a right PIN goes back to the
// PIN pad (never a PIN-only punch); a typed number or badge asks for the
// PIN first; Rosa, restricted to PIN, punches by PIN alone.
func TestPINThenFace(t *testing.T) {
	r := newRig(t, Verify, nil)
	spy := &lockSpy{Ledger: r.led, t: t}
	m, err := New(r.ctx, Config{Mode: Verify, Thresholds: testTh, Model: testModel, KioskID: "test", PINThenFace: true}, spy, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	spy.m, r.m = m, m

	r.m.Claim(r.ctx, "B-1001")
	if s := r.m.State(); s.Screen != AskPIN || s.Employee.Number != "1001" {
		t.Fatalf("badge claim: got %v/%v for %q, want the PIN pad for 1001", s.Screen, s.Msg, s.Employee.Number)
	}
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	if s := r.m.State(); s.Screen != WaitFace || s.Employee.Number != "1001" {
		t.Fatalf("right PIN: got %v/%v, want wait-face for 1001", s.Screen, s.Msg)
	}
	if ps := r.punches(t); len(ps) != 0 {
		t.Fatalf("a right PIN alone punched: %+v", ps)
	}
	if s := r.show(face(bob, 0)); s.Screen != AskPIN || s.Msg != MsgNotRecognised {
		t.Fatalf("bob's face after alice's PIN: got %v/%v, want the PIN pad, not recognised", s.Screen, s.Msg)
	}
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	if s := r.show(face(alice, 0)); s.Screen != Confirm || !s.Created {
		t.Fatalf("alice's face after her PIN: got %v/%v (%s), want a punch", s.Screen, s.Msg, s.Err)
	}
	ps := r.punches(t)
	if len(ps) != 1 || ps[0].EmployeeNumber != "1001" || ps[0].Method != clockface.MethodFace {
		t.Fatalf("punches: got %+v, want one face punch of 1001", ps)
	}
	r.m.Cancel()
	r.m.SubmitPIN(r.ctx, "1003", "4321")
	if s := r.m.State(); s.Screen != Confirm || s.Employee.Number != "1003" {
		t.Errorf("Rosa (PIN only): got %v/%v, want a PIN punch", s.Screen, s.Msg)
	}
	if _, err := New(r.ctx, Config{Mode: Identify, Thresholds: testTh, Model: testModel, PINThenFace: true}, spy, r.clock); err == nil {
		t.Error("PIN then face in identify mode: no error")
	}
}

// TestHoldIgnoresFaces: while HR's enrolment wizard holds the machine, a
// known face starts no session and punches nothing; released, it punches.
func TestHoldIgnoresFaces(t *testing.T) {
	r := newRig(t, Identify, nil)
	r.m.Hold(true)
	for range 3 * DefaultIdentifyFrames {
		if s := r.show(face(alice, 0)); s.Screen != Idle {
			t.Fatalf("held: screen %v, want Idle", s.Screen)
		}
	}
	if ps := r.punches(t); len(ps) != 0 {
		t.Fatalf("held: %d punches, want none", len(ps))
	}
	r.m.Hold(false)
	r.show() // the face leaves, so the next one starts a session
	if s := r.look(face(alice, 0)); s.Screen != Confirm {
		t.Fatalf("released: screen %v, want Confirm", s.Screen)
	}
	if ps := r.punches(t); len(ps) != 1 {
		t.Fatalf("released: %d punches, want 1", len(ps))
	}
}

// TestPINThenFaceLocksAfterFailedFaces: in PIN then face, the right PINs
// between failed faces do not clear the count, so someone who knows the
// PIN gets three faces, then the lock; the owner's face punch clears it.
func TestPINThenFaceLocksAfterFailedFaces(t *testing.T) {
	r := newRig(t, Verify, nil)
	spy := &lockSpy{Ledger: r.led, t: t}
	m, err := New(r.ctx, Config{Mode: Verify, Thresholds: testTh, Model: testModel, KioskID: "test", PINThenFace: true}, spy, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	spy.m, r.m = m, m
	for i := range 3 {
		r.m.SubmitPIN(r.ctx, "1001", "4321")
		if s := r.m.State(); s.Screen != WaitFace {
			t.Fatalf("right PIN %d: got %v/%v (%s), want the face check", i+1, s.Screen, s.Msg, s.Err)
		}
		r.show(face(bob, 0)) // a colleague's face
	}
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	if s := r.m.State(); s.Screen == WaitFace || s.LockedUntil.IsZero() {
		t.Fatalf("right PIN after three failed faces: got %v/%v, want the lock", s.Screen, s.Msg)
	}
	if ps := r.punches(t); len(ps) != 0 {
		t.Fatalf("punches: %+v, want none", ps)
	}
	r.clock.Add(time.Minute) // the 30 s lock ends
	r.m.Cancel()
	r.m.SubmitPIN(r.ctx, "1001", "4321")
	if s := r.show(face(alice, 0)); s.Screen != Confirm || !s.Created {
		t.Fatalf("alice after the lock: got %v/%v (%s), want her punch", s.Screen, s.Msg, s.Err)
	}
	if left, _, err := r.led.Tries(r.ctx, "1001"); err != nil || left != 3 {
		t.Errorf("tries after her face punch: %d, %v; want the count cleared (3)", left, err)
	}
}
