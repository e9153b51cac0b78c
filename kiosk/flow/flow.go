// Package flow is the kiosk's punch decision, as a state machine with no
// widgets: a face is seen, liveness is judged, the face is matched (1:N
// walk-up identification or 1:1 verification of a PIN or badge claim), and
// the band decides: accept punches through the ledger, review asks for the
// PIN, reject says "not recognised, use your PIN". The PIN pad is always
// there; lockouts come from the ledger.
//
// Everything that happens arrives as a method call (Frame, Tick, Claim,
// SubmitPIN, Undo, Cancel) with the time taken from a clockface.Clock, so
// tests drive it without sleeping. Each change of state is reported to
// OnChange.
package flow

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/kiosk/liveness"
)

// Recognizer finds and describes the faces in a frame.
type Recognizer interface {
	FacesImage(img image.Image) ([]embeddings.Face, error)
	Model() embeddings.Model
}

// Store is what the kiosk needs from the ledger; *ledger.Ledger has it.
type Store interface {
	Employee(ctx context.Context, number string) (clockface.Employee, error)
	EmployeeByBadge(ctx context.Context, badge string) (clockface.Employee, error)
	Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error)
	Template(ctx context.Context, number string, m embeddings.Model) (embeddings.Template, error)
	CheckPIN(ctx context.Context, number, pin string) error
	RecordFailure(ctx context.Context, number string, m clockface.Method) error
	Lockout(ctx context.Context, number string) error
	SaveSnapshot(ctx context.Context, number string, jpeg []byte, purpose string) (int64, error)
	Punch(ctx context.Context, r clockface.PunchRequest) (clockface.Punch, bool, error)
	VoidPunch(ctx context.Context, id, actor, reason string) error
}

// Mode is how the kiosk learns who is in front of it.
type Mode string

const (
	// Identify: walk up and look; 1:N over every face-enrolled employee.
	Identify Mode = "identify"
	// Verify: type an employee number (or scan a badge), then look; 1:1.
	Verify Mode = "verify"
)

// Timings. They are defaults for Config; the kiosk may pass others.
const (
	// DefaultUndoWindow is how long a confirmed punch can be taken back.
	DefaultUndoWindow = 5 * time.Second
	// DefaultMessageHold is how long a message ("not recognised") stays.
	DefaultMessageHold = 4 * time.Second
	// DefaultClaimTimeout is how long, after a claim, the face may take.
	DefaultClaimTimeout = 10 * time.Second
	// DefaultFaceLost ends a session when no face was seen for this long.
	DefaultFaceLost = 1500 * time.Millisecond
	// DefaultPINTimeout closes an untouched PIN pad.
	DefaultPINTimeout = 20 * time.Second
)

// Config configures a Machine.
type Config struct {
	Mode       Mode
	Thresholds embeddings.Thresholds
	Model      embeddings.Model
	// Liveness, when nil, turns liveness off (benchmarks only: a photo
	// could then punch).
	Liveness     *liveness.Config
	UndoWindow   time.Duration
	MessageHold  time.Duration
	ClaimTimeout time.Duration
	FaceLost     time.Duration
	PINTimeout   time.Duration
	KioskID      string
}

func (c *Config) defaults() error {
	if c.Mode != Identify && c.Mode != Verify {
		return fmt.Errorf("flow config: mode %q is neither identify nor verify", c.Mode)
	}
	if err := c.Thresholds.Validate(); err != nil {
		return fmt.Errorf("flow config: %w", err)
	}
	if c.Liveness != nil {
		if err := c.Liveness.Validate(); err != nil {
			return fmt.Errorf("flow config: %w", err)
		}
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{{&c.UndoWindow, DefaultUndoWindow}, {&c.MessageHold, DefaultMessageHold}, {&c.ClaimTimeout, DefaultClaimTimeout}, {&c.FaceLost, DefaultFaceLost}, {&c.PINTimeout, DefaultPINTimeout}} {
		if *d.p <= 0 {
			*d.p = d.def
		}
	}
	return nil
}

// Screen is what the kiosk shows.
type Screen int

const (
	// Idle: the live preview, "look at the camera" (or "type your number").
	Idle Screen = iota
	// Checking: a face is in view; liveness prompt, matching under way.
	Checking
	// WaitFace: verify mode, an employee has claimed; look at the camera.
	WaitFace
	// AskPIN: the PIN pad, with a reason (review, reject, restricted...).
	AskPIN
	// Confirm: the punch is made; name, action, time, thumbnail, undo.
	Confirm
	// Message: a short message (wrong PIN, locked, undone).
	Message
)

func (s Screen) String() string {
	return [...]string{"idle", "checking", "wait-face", "ask-pin", "confirm", "message"}[s]
}

// Msg names a message; the UI translates it.
type Msg string

// Messages the UI shows.
const (
	MsgLook           Msg = "look"            // idle, identify mode
	MsgTypeNumber     Msg = "type-number"     // idle, verify mode
	MsgTurnLeft       Msg = "turn-left"       // liveness prompts
	MsgTurnRight      Msg = "turn-right"      //
	MsgCloser         Msg = "closer"          //
	MsgMoveHead       Msg = "move-head"       //
	MsgHoldStill      Msg = "hold-still"      // checking without liveness
	MsgConfirmPIN     Msg = "confirm-pin"     // review band
	MsgNotRecognised  Msg = "not-recognised"  // reject band
	MsgLivenessFailed Msg = "liveness-failed" //
	MsgUsePIN         Msg = "use-pin"         // restricted / no template
	MsgWrongPIN       Msg = "wrong-pin"       //
	MsgLocked         Msg = "locked"          //
	MsgUndone         Msg = "undone"          //
	MsgAlready        Msg = "already"         // debounced: an earlier punch stands
	MsgPunched        Msg = "punched"         // confirm
	MsgError          Msg = "error"           // a store error; details in State.Err
)

// State is a snapshot of the machine for the UI.
type State struct {
	Screen   Screen
	Msg      Msg
	Mode     Mode
	Employee clockface.Employee // claimed (WaitFace, AskPIN) or punched (Confirm)
	// Confirm:
	Punch     clockface.Punch
	Created   bool        // false: debounced, an earlier punch stands
	Thumbnail image.Image // the face crop of a face punch
	UndoUntil time.Time
	// Message/AskPIN with a lock:
	LockedUntil time.Time
	// Decision measurements of the last face decision.
	Latency  time.Duration // first frame with the face → decision
	Band     embeddings.Band
	Distance float64
	Liveness string
	Err      string
}

// Decision is what the machine decided about a face, for benchmarks and
// logs; Latency runs from the capture time of the first frame with the
// face to the decision.
type Decision struct {
	Employee string
	Band     embeddings.Band
	Distance float64
	Margin   float64
	Liveness string
	Latency  time.Duration
	Punched  bool
}

// Machine is the kiosk's decision state machine. It is safe for concurrent
// use: the recognition loop calls Frame, the UI calls the rest.
type Machine struct {
	cfg   Config
	store Store
	clock clockface.Clock
	rng   *mrand.Rand

	// OnChange, if set, receives every new state (from whichever goroutine
	// caused it). OnDecision receives every face decision.
	OnChange   func(State)
	OnDecision func(Decision)

	mu      sync.Mutex
	paused  bool // locked by HR: no punches of any kind
	st      State
	until   time.Time // when the current Message/Confirm/WaitFace ends
	gallery *embeddings.Gallery
	sess    *session
}

// session is one face in front of the kiosk, from first sight to decision.
type session struct {
	first    time.Time // capture time of the first frame with the face
	lastSeen time.Time
	judge    *liveness.Judge
	best     probe
	haveBest bool
}

// probe is the best match of a session so far.
type probe struct {
	owner    string
	distance float64
	margin   float64
	band     embeddings.Band
	frame    image.Image
	box      image.Rectangle
}

// New builds a machine and loads the gallery (identify mode).
func New(ctx context.Context, cfg Config, store Store, clock clockface.Clock) (*Machine, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("flow: seed: %w", err)
	}
	m := &Machine{cfg: cfg, store: store, clock: clock, rng: mrand.New(mrand.NewChaCha8(seed))}
	m.st = m.idleState()
	if err := m.Reload(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Reload rereads the enrolled templates (after an enrolment or deletion).
// The ledger only returns those of employees whose face may be used.
func (m *Machine) Reload(ctx context.Context) error {
	ts, err := m.store.Templates(ctx, m.cfg.Model)
	if err != nil {
		return fmt.Errorf("flow: load templates: %w", err)
	}
	g, err := embeddings.NewGallery(m.cfg.Model, ts)
	if err != nil {
		return fmt.Errorf("flow: gallery: %w", err)
	}
	m.mu.Lock()
	m.gallery = g
	m.mu.Unlock()
	return nil
}

// State returns the current state.
func (m *Machine) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st
}

// Gallery size, for the debug overlay.
func (m *Machine) Enrolled() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gallery.Len()
}

func (m *Machine) idleState() State {
	msg := MsgLook
	if m.cfg.Mode == Verify {
		msg = MsgTypeNumber
	}
	return State{Screen: Idle, Msg: msg, Mode: m.cfg.Mode}
}

// set replaces the state and returns it for notify (called with mu held).
func (m *Machine) set(s State) State {
	s.Mode = m.cfg.Mode
	if s.Screen == AskPIN {
		m.until = m.clock.Now().Add(m.cfg.PINTimeout)
	}
	m.st = s
	return s
}

// Pause stops (true) or resumes punching: HR locks the kiosk.
func (m *Machine) Pause(paused bool) {
	m.mu.Lock()
	m.paused = paused
	m.sess = nil
	s := m.set(m.idleState())
	m.mu.Unlock()
	m.notify(s)
}

// Paused reports whether HR locked the kiosk.
func (m *Machine) Paused() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.paused
}

// Touch keeps the PIN pad open while someone types on it.
func (m *Machine) Touch() {
	m.mu.Lock()
	if m.st.Screen == AskPIN {
		m.until = m.clock.Now().Add(m.cfg.PINTimeout)
	}
	m.mu.Unlock()
}

func (m *Machine) notify(s State) {
	if m.OnChange != nil {
		m.OnChange(s)
	}
}

// Frame handles the faces found in one analysed frame captured at at.
func (m *Machine) Frame(ctx context.Context, img image.Image, at time.Time, faces []embeddings.Face) {
	m.mu.Lock()
	s, changed, dec := m.frame(ctx, img, at, faces)
	m.mu.Unlock()
	if dec != nil && m.OnDecision != nil {
		m.OnDecision(*dec)
	}
	if changed {
		m.notify(s)
	}
}

func (m *Machine) frame(ctx context.Context, img image.Image, at time.Time, faces []embeddings.Face) (State, bool, *Decision) {
	if m.paused {
		return m.st, false, nil
	}
	switch m.st.Screen {
	case Idle:
		if m.cfg.Mode == Verify {
			return m.st, false, nil
		}
	case WaitFace, Checking:
	default:
		return m.st, false, nil // confirm, message, PIN pad: the camera waits
	}
	f, ok := largest(faces)
	if !ok {
		if m.sess != nil && at.Sub(m.sess.lastSeen) > m.cfg.FaceLost {
			return m.endSession()
		}
		return m.st, false, nil
	}
	changed := false
	if m.sess == nil {
		m.sess = &session{first: at}
		if m.cfg.Liveness != nil {
			m.sess.judge = liveness.NewJudge(*m.cfg.Liveness, m.cfg.Liveness.Pick(m.rng))
		}
		m.set(State{Screen: Checking, Msg: m.prompt(), Employee: m.st.Employee})
		changed = true
	}
	m.sess.lastSeen = at

	p, err := m.match(ctx, f)
	if err != nil {
		return m.message(MsgError, err), true, nil
	}
	p.frame, p.box = img, f.Box
	if !m.sess.haveBest || p.distance < m.sess.best.distance {
		m.sess.best, m.sess.haveBest = p, true
	}

	live := "off"
	if j := m.sess.judge; j != nil {
		r := j.Observe(liveness.Observation{At: at, Box: f.Box, Landmarks: f.Landmarks})
		live = r.String()
		switch r.Verdict {
		case liveness.Pending:
			return m.st, changed, nil
		case liveness.Failed:
			return m.livenessFailed(ctx, r), true, nil
		}
	}
	s, dec := m.decide(ctx, live)
	return s, true, dec
}

// prompt is the Checking screen's message for the session's challenge.
func (m *Machine) prompt() Msg {
	if m.sess == nil || m.sess.judge == nil {
		return MsgHoldStill
	}
	switch m.sess.judge.Challenge() {
	case liveness.TurnLeft:
		return MsgTurnLeft
	case liveness.TurnRight:
		return MsgTurnRight
	case liveness.Closer:
		return MsgCloser
	}
	return MsgMoveHead
}

// match compares a face with the claim (verify) or the gallery (identify).
func (m *Machine) match(ctx context.Context, f embeddings.Face) (probe, error) {
	if m.cfg.Mode == Verify {
		number := m.st.Employee.Number
		t, err := m.store.Template(ctx, number, m.cfg.Model)
		if err != nil {
			return probe{}, fmt.Errorf("template of %s: %w", number, err)
		}
		v, err := embeddings.Verify(t, m.cfg.Model, f.Embedding, m.cfg.Thresholds)
		if err != nil {
			return probe{}, err
		}
		return probe{owner: number, distance: v.Distance, margin: math.Inf(1), band: v.Band}, nil
	}
	id := m.gallery.Identify(f.Embedding, m.cfg.Thresholds)
	if id.Owner == "" {
		return probe{distance: math.Inf(1), margin: math.Inf(1), band: embeddings.Reject}, nil
	}
	return probe{owner: id.Owner, distance: id.Distance, margin: id.Margin, band: id.Band}, nil
}

// decide acts on the session's best match, liveness having passed (or off).
func (m *Machine) decide(ctx context.Context, live string) (State, *Decision) {
	sess := m.sess
	m.sess = nil
	p := sess.best
	dec := &Decision{Employee: p.owner, Band: p.band, Distance: p.distance, Margin: finiteOr0(p.margin), Liveness: live}
	// stamp marks the moment the screen shows the outcome (after the punch
	// is written, for an accept): that is where the latency ends.
	stamp := func(s State) State {
		dec.Latency = m.clock.Now().Sub(sess.first)
		s.Latency, s.Band, s.Distance, s.Liveness = dec.Latency, p.band, p.distance, live
		return s
	}
	claimed := m.st.Employee
	switch p.band {
	case embeddings.Review:
		// Plausible but not safe: never show a name, ask for the PIN.
		s := State{Screen: AskPIN, Msg: MsgConfirmPIN}
		if m.cfg.Mode == Verify {
			s.Employee = claimed
		}
		return m.set(stamp(s)), dec
	case embeddings.Reject:
		if m.cfg.Mode == Verify {
			if err := m.store.RecordFailure(ctx, claimed.Number, clockface.MethodFace); err != nil {
				return m.message(MsgError, err), dec
			}
		}
		s := State{Screen: AskPIN, Msg: MsgNotRecognised}
		if m.cfg.Mode == Verify {
			s.Employee = claimed
		}
		if err := m.lockedState(ctx, claimed.Number, &s); err != nil {
			return m.message(MsgError, err), dec
		}
		return m.set(stamp(s)), dec
	}
	// Accept.
	e, err := m.store.Employee(ctx, p.owner)
	if err != nil {
		return m.message(MsgError, err), dec
	}
	if !e.FaceAllowed() {
		// The ledger's templates already skip them; this is the second lock.
		return m.set(stamp(State{Screen: AskPIN, Msg: MsgUsePIN, Employee: e})), dec
	}
	jpg, thumb, err := snapshot(p.frame, p.box)
	if err != nil {
		return m.message(MsgError, err), dec
	}
	snapID, err := m.store.SaveSnapshot(ctx, e.Number, jpg, "punch")
	if err != nil {
		return m.message(MsgError, err), dec
	}
	ev := clockface.Evidence{Distance: p.distance, Margin: finiteOr0(p.margin), Liveness: live, SnapshotID: snapID, Model: m.cfg.Model.String()}
	punch, created, err := m.store.Punch(ctx, clockface.PunchRequest{Employee: e.Number, Method: clockface.MethodFace, Evidence: ev})
	if err != nil {
		var le *clockface.LockedError
		switch {
		case errors.As(err, &le):
			m.until = m.clock.Now().Add(m.cfg.MessageHold)
			return m.set(stamp(State{Screen: Message, Msg: MsgLocked, LockedUntil: le.Until, Employee: e})), dec
		case errors.Is(err, clockface.ErrRestricted):
			return m.set(stamp(State{Screen: AskPIN, Msg: MsgUsePIN, Employee: e})), dec
		}
		return m.message(MsgError, err), dec
	}
	dec.Punched = created
	return m.confirm(stamp(State{Thumbnail: thumb}), e, punch, created, m.clock.Now()), dec
}

func (m *Machine) confirm(s State, e clockface.Employee, p clockface.Punch, created bool, now time.Time) State {
	s.Screen, s.Msg, s.Employee, s.Punch, s.Created = Confirm, MsgPunched, e, p, created
	if !created {
		s.Msg = MsgAlready
	} else {
		s.UndoUntil = now.Add(m.cfg.UndoWindow)
	}
	m.until = now.Add(m.cfg.UndoWindow)
	return m.set(s)
}

func (m *Machine) livenessFailed(ctx context.Context, r liveness.Result) State {
	claimed := m.st.Employee
	m.sess = nil
	// A short message, then the camera tries again; the PIN button stays.
	m.until = m.clock.Now().Add(m.cfg.MessageHold)
	s := State{Screen: Message, Msg: MsgLivenessFailed, Liveness: r.String()}
	if m.cfg.Mode == Verify {
		s.Employee = claimed
		if err := m.store.RecordFailure(ctx, claimed.Number, clockface.MethodFace); err != nil {
			return m.message(MsgError, err)
		}
		if err := m.lockedState(ctx, claimed.Number, &s); err != nil {
			return m.message(MsgError, err)
		}
	}
	return m.set(s)
}

// lockedState marks s locked if number is locked out.
func (m *Machine) lockedState(ctx context.Context, number string, s *State) error {
	if number == "" {
		return nil
	}
	err := m.store.Lockout(ctx, number)
	var le *clockface.LockedError
	if errors.As(err, &le) {
		s.Screen, s.Msg, s.LockedUntil = Message, MsgLocked, le.Until
		m.until = m.clock.Now().Add(m.cfg.MessageHold)
		return nil
	}
	return err
}

func (m *Machine) endSession() (State, bool, *Decision) {
	m.sess = nil
	if m.st.Screen == Checking {
		return m.set(m.idleState()), true, nil
	}
	return m.st, false, nil
}

// message shows msg for MessageHold; err, if any, is kept for the log.
func (m *Machine) message(msg Msg, err error) State {
	m.sess = nil
	m.until = m.clock.Now().Add(m.cfg.MessageHold)
	s := State{Screen: Message, Msg: msg}
	if err != nil {
		s.Err = err.Error()
	}
	return m.set(s)
}

// Tick expires screens and liveness time limits; the UI calls it a few
// times a second.
func (m *Machine) Tick(ctx context.Context) {
	now := m.clock.Now()
	m.mu.Lock()
	s, changed := m.tick(ctx, now)
	m.mu.Unlock()
	if changed {
		m.notify(s)
	}
}

func (m *Machine) tick(ctx context.Context, now time.Time) (State, bool) {
	if m.sess != nil && m.sess.judge != nil {
		if r := m.sess.judge.Tick(now); r.Verdict == liveness.Failed {
			return m.livenessFailed(ctx, r), true
		}
	}
	if m.sess != nil && now.Sub(m.sess.lastSeen) > m.cfg.FaceLost && m.st.Screen == Checking {
		s, _, _ := m.endSession()
		return s, true
	}
	switch m.st.Screen {
	case Confirm, Message, WaitFace, AskPIN:
		if !now.Before(m.until) {
			m.sess = nil
			return m.set(m.idleState()), true
		}
	}
	return m.st, false
}

// Cancel returns to the idle screen.
func (m *Machine) Cancel() {
	m.mu.Lock()
	m.sess = nil
	s := m.set(m.idleState())
	m.mu.Unlock()
	m.notify(s)
}

// ShowPIN opens the PIN pad (the "use PIN" button, always available).
func (m *Machine) ShowPIN() {
	m.mu.Lock()
	m.sess = nil
	s := m.set(State{Screen: AskPIN, Msg: MsgUsePIN})
	m.mu.Unlock()
	m.notify(s)
}

// Claim starts a verification for an employee number or, if no employee
// has that number, a badge id (a badge reader types like a keyboard). In
// identify mode it is the same as typing the number on the PIN pad.
// Restricted or face-less employees go straight to the PIN pad.
func (m *Machine) Claim(ctx context.Context, numberOrBadge string) {
	e, err := m.store.Employee(ctx, numberOrBadge)
	if errors.Is(err, clockface.ErrUnknownEmployee) {
		if b, berr := m.store.EmployeeByBadge(ctx, numberOrBadge); berr == nil {
			e, err = b, nil
		}
	}
	m.claim(ctx, e, err)
}

// ClaimBadge is Claim by badge.
func (m *Machine) ClaimBadge(ctx context.Context, badge string) {
	e, err := m.store.EmployeeByBadge(ctx, badge)
	m.claim(ctx, e, err)
}

func (m *Machine) claim(ctx context.Context, e clockface.Employee, err error) {
	m.mu.Lock()
	var s State
	switch {
	case m.paused:
		s = m.st
	case errors.Is(err, clockface.ErrUnknownEmployee):
		s = m.message(MsgNotRecognised, nil)
	case err != nil:
		s = m.message(MsgError, err)
	case !e.FaceAllowed() || m.cfg.Mode != Verify:
		s = State{Screen: AskPIN, Msg: MsgUsePIN, Employee: e}
		if lerr := m.lockedState(ctx, e.Number, &s); lerr != nil {
			s = m.message(MsgError, lerr)
		}
		s = m.set(s)
	default:
		s = State{Screen: WaitFace, Msg: m.prompt(), Employee: e}
		if lerr := m.lockedState(ctx, e.Number, &s); lerr != nil {
			s = m.message(MsgError, lerr)
		}
		if s.Screen == WaitFace {
			m.until = m.clock.Now().Add(m.cfg.ClaimTimeout)
			s.Msg = MsgLook
		}
		m.sess = nil
		s = m.set(s)
	}
	m.mu.Unlock()
	m.notify(s)
}

// SubmitPIN punches by PIN: the alternative that is always there, with the
// same result and record as a face punch (minus the face evidence).
func (m *Machine) SubmitPIN(ctx context.Context, number, pin string) {
	m.mu.Lock()
	s := m.submitPIN(ctx, number, pin)
	m.mu.Unlock()
	m.notify(s)
}

func (m *Machine) submitPIN(ctx context.Context, number, pin string) State {
	m.sess = nil
	if m.paused {
		return m.st
	}
	err := m.store.CheckPIN(ctx, number, pin) // records the failure itself
	var le *clockface.LockedError
	switch {
	case errors.As(err, &le):
		m.until = m.clock.Now().Add(m.cfg.MessageHold)
		return m.set(State{Screen: Message, Msg: MsgLocked, LockedUntil: le.Until})
	case errors.Is(err, clockface.ErrBadPIN), errors.Is(err, clockface.ErrUnknownEmployee):
		s := State{Screen: AskPIN, Msg: MsgWrongPIN}
		if lerr := m.lockedState(ctx, number, &s); lerr != nil && !errors.Is(lerr, clockface.ErrUnknownEmployee) {
			return m.message(MsgError, lerr)
		}
		return m.set(s)
	case err != nil:
		return m.message(MsgError, err)
	}
	e, err := m.store.Employee(ctx, number)
	if err != nil {
		return m.message(MsgError, err)
	}
	method := clockface.MethodPIN
	p, created, err := m.store.Punch(ctx, clockface.PunchRequest{Employee: number, Method: method})
	if err != nil {
		return m.message(MsgError, err)
	}
	return m.confirm(State{}, e, p, created, m.clock.Now())
}

// Undo voids the punch on the confirmation screen, within the undo window.
// It reports whether the punch was voided.
func (m *Machine) Undo(ctx context.Context) bool {
	m.mu.Lock()
	now := m.clock.Now()
	if m.st.Screen != Confirm || !m.st.Created || now.After(m.st.UndoUntil) {
		m.mu.Unlock()
		return false
	}
	p := m.st.Punch
	var s State
	ok := false
	if err := m.store.VoidPunch(ctx, p.ID, p.EmployeeNumber, "undone at the kiosk"); err != nil {
		s = m.message(MsgError, err)
	} else {
		s, ok = m.message(MsgUndone, nil), true
	}
	m.mu.Unlock()
	m.notify(s)
	return ok
}

func largest(faces []embeddings.Face) (embeddings.Face, bool) {
	best, ok := embeddings.Face{}, false
	for _, f := range faces {
		if len(f.Embedding) == 0 {
			continue
		}
		if !ok || f.Box.Dx()*f.Box.Dy() > best.Box.Dx()*best.Box.Dy() {
			best, ok = f, true
		}
	}
	return best, ok
}

// finiteOr0 turns the +Inf margin of a one-person gallery (or of 1:1
// verification, where margin does not apply) into 0 for the record.
func finiteOr0(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return v
}

// snapshotQuality is the JPEG quality of the encrypted punch snapshot.
const snapshotQuality = 85

// snapshot encodes the decision frame for the ledger (encrypted there) and
// crops a thumbnail of the face, with a quarter of the box as margin.
func snapshot(frame image.Image, box image.Rectangle) ([]byte, image.Image, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: snapshotQuality}); err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	pad := box.Dx() / 4
	r := box.Inset(-pad).Intersect(frame.Bounds())
	thumb := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			thumb.Set(x, y, frame.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return buf.Bytes(), thumb, nil
}
