// Package flow is the kiosk's punch decision, as a state machine with no
// widgets. Identification comes first: a face is matched (1:N walk-up
// identification over a few frames, or 1:1 against a PIN or badge claim);
// an unknown or restricted face goes straight to "not recognised, use your
// PIN", a plausible one (review) to the PIN pad. Only a candidate gets the
// liveness check, with its name on screen; a failed check retries at once
// and after two failures the PIN pad is offered beside it. The decision is
// the median distance over the frames of the same tracked face in the
// liveness window. Once identified (by face or PIN) the employee chooses
// the punch kind among those that make sense now (States), the likely one
// applied when a short countdown ends. A decided face that stays in view is
// not decided again until it leaves. The PIN pad is always there; lockouts,
// and the tries left that the PIN pad shows, come from the ledger
// (Store.Tries), never from a count of the machine's own. A face punch the
// ledger created offers its decision frame's embedding to the bounded
// template refresh (Store.MaybeRefreshTemplate) once the confirmation is
// shown; a PIN punch, a review, a refused or debounced punch never does.
//
// Everything that happens arrives as a method call (Frame, Tick, Claim,
// SubmitPIN, Undo, Cancel) with the time taken from a clockface.Clock, so
// tests drive it without sleeping. Each change of state is reported to
// OnChange.
//
// The machine's lock guards its state only: the slow part of a step
// (Argon2id in a PIN check, an fsync'd ledger write, the snapshot's JPEG
// encoding) runs with the lock released, on the caller's goroutine, and
// its result is applied under the lock afterwards. Callers on a UI
// goroutine run the methods off it (kiosk/ui does).
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
	"clockface/attendance"
	"clockface/embeddings"
	"clockface/kiosk/liveness"
)

// Recognizer finds and describes the faces in a frame.
type Recognizer interface {
	FacesImage(img image.Image) ([]embeddings.Face, error)
	Model() embeddings.Model
}

// Store is what the kiosk needs from the ledger; *ledger.Ledger has it.
// A decision is one call to Record: the request carries the evidence and
// the snapshot, and the ledger checks the employee, the lockout and the
// debounce, and stores the snapshot only with a punch it creates.
type Store interface {
	Employee(ctx context.Context, number string) (clockface.Employee, error)
	EmployeeByBadge(ctx context.Context, badge string) (clockface.Employee, error)
	Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error)
	Template(ctx context.Context, number string, m embeddings.Model) (embeddings.Template, error)
	CheckPIN(ctx context.Context, number, pin string) error
	// CheckPINKeepingFailures is CheckPIN that leaves the failures before
	// a right PIN standing (PIN then face).
	CheckPINKeepingFailures(ctx context.Context, number, pin string) error
	RecordFailure(ctx context.Context, number string, m clockface.Method) error
	Lockout(ctx context.Context, number string) error
	Record(ctx context.Context, r clockface.PunchRequest) (clockface.PunchResult, error)
	VoidPunch(ctx context.Context, id, actor, reason string) error
	// Tries is the ledger's lockout rule for number: how many wrong PINs
	// or failed face checks are left before it locks the account, and how
	// long that lock lasts; *clockface.LockedError while locked. The PIN
	// pad's "1 try left" comes from it and from nowhere else.
	Tries(ctx context.Context, number string) (left int, lockFor time.Duration, err error)
	// MaybeRefreshTemplate may replace the oldest sample of number's
	// template with the probe of a face punch just created, if the
	// evidence is clearly strong (the ledger applies
	// embeddings.DefaultRefreshPolicy, at most once a week, audited).
	MaybeRefreshTemplate(ctx context.Context, number string, m embeddings.Model, vector embeddings.Embedding, ev embeddings.RefreshEvidence) (bool, error)
}

// States tells the kiosk which punch kinds make sense for an employee now
// (the likely one first) and their state, from their punches at every
// kiosk as last known. The kiosk package has one on the ledger.
type States interface {
	NextKinds(ctx context.Context, number string) ([]clockface.PunchKind, attendance.Status, error)
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
	// DefaultPINTimeout closes an untouched PIN pad (and an untouched
	// choice of punch kinds without a countdown).
	DefaultPINTimeout = 20 * time.Second
	// DefaultCountdown is how long the choice of punch kinds waits before
	// it applies the highlighted (likely) kind.
	DefaultCountdown = 3 * time.Second
	// DefaultIdentifyFrames is how many frames of a face identification
	// may look at before an unknown face is sent to the PIN pad.
	DefaultIdentifyFrames = 3
	// DefaultLivenessTries is how many failed liveness checks in a row
	// retry at once before the PIN pad is offered.
	DefaultLivenessTries = 2
	// trackIoU is the least overlap of a face's box with the last one for
	// it to count as the same tracked face; below it a new session starts.
	trackIoU = 0.3
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
	// States, if set, makes every identified employee choose the punch
	// kind (Choose screen); nil punches the ledger's next kind at once.
	States States
	// Countdown applies the highlighted kind of the Choose screen after
	// this long; 0 means DefaultCountdown, negative waits for a tap.
	Countdown time.Duration
	// IdentifyFrames, LivenessTries: 0 means the defaults above.
	IdentifyFrames int
	LivenessTries  int
	// PINThenFace (verify mode only) makes the PIN the claim, for two
	// factors: a right PIN of an employee whose face may be used opens the
	// face check for them and only the face punches; a typed number or a
	// badge asks for the PIN first. An employee without a usable face
	// (restricted, not enrolled) still punches by PIN alone. A failed face
	// counts towards the lockout and the right PINs between do not clear
	// the count (ledger.CheckPINKeepingFailures): three failed faces lock
	// the employee out as three wrong PINs would.
	PINThenFace bool
}

func (c *Config) defaults() error {
	if c.Mode != Identify && c.Mode != Verify {
		return fmt.Errorf("flow config: mode %q is neither identify nor verify", c.Mode)
	}
	if err := c.Thresholds.Validate(); err != nil {
		return fmt.Errorf("flow config: %w", err)
	}
	if c.PINThenFace && c.Mode != Verify {
		return fmt.Errorf("flow config: PIN then face needs verify mode, not %s", c.Mode)
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
	if c.Countdown == 0 {
		c.Countdown = DefaultCountdown
	}
	for _, n := range []struct {
		p   *int
		def int
	}{{&c.IdentifyFrames, DefaultIdentifyFrames}, {&c.LivenessTries, DefaultLivenessTries}} {
		if *n.p <= 0 {
			*n.p = n.def
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
	// Choose: the employee is identified; "Hi Ana, clocked in since
	// 08:33" and a button per kind that makes sense now, the likely one
	// highlighted and applied when the countdown ends.
	Choose
)

func (s Screen) String() string {
	return [...]string{"idle", "checking", "wait-face", "ask-pin", "confirm", "message", "choose"}[s]
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
	MsgEngineError    Msg = "engine-error"    // the face engine failed; details in State.Err
	MsgIdentifying    Msg = "identifying"     // checking, before a candidate is found
	MsgChoose         Msg = "choose"          // choose screen
)

// Msgs lists every message, for the UI's catalogue test.
var Msgs = []Msg{MsgLook, MsgTypeNumber, MsgTurnLeft, MsgTurnRight, MsgCloser, MsgMoveHead, MsgHoldStill,
	MsgConfirmPIN, MsgNotRecognised, MsgLivenessFailed, MsgUsePIN, MsgWrongPIN, MsgLocked, MsgUndone, MsgAlready,
	MsgPunched, MsgError, MsgEngineError, MsgIdentifying, MsgChoose}

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
	// Message/AskPIN with a lock (Employee.Number or LockedAccount names
	// the account):
	LockedUntil   time.Time
	LockedAccount string
	// AskPIN after a wrong PIN: tries left before the lock (0: unknown),
	// and how long that lock lasts, as the ledger counts them (Store.Tries).
	TriesLeft int
	LockFor   time.Duration
	// Checking: the liveness check's progress (0..1), and how many checks
	// of this face failed so far (a retry says so); OfferPIN after
	// LivenessTries failures: the check goes on, the PIN pad is offered.
	Progress float64
	Retries  int
	OfferPIN bool
	// Choose: the kinds offered, the likely one first; the employee's
	// state; when the countdown applies Kinds[0] (zero: wait for a tap).
	Kinds       []clockface.PunchKind
	Status      attendance.Status
	ChooseUntil time.Time
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
	// Frames is how many frames of the tracked face the decision combined
	// (the candidate's frames of the liveness window; 1 without liveness).
	Frames int
}

// Refresh is the outcome of a template refresh after a created face
// punch (Machine.OnRefresh): whether the employee's oldest sample was
// replaced, or the error (the punch stands either way).
type Refresh struct {
	Employee  string
	Refreshed bool
	Err       error
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
	// OnRefresh, if set, receives the outcome of every template refresh
	// tried after a created face punch.
	OnRefresh func(Refresh)

	mu      sync.Mutex
	paused  bool // locked by HR: no punches of any kind
	held    bool // HR's enrolment wizard is open: faces are not looked at
	st      State
	gen     uint64    // counts state changes, so late work sees it is stale
	until   time.Time // when the current Message/Confirm/WaitFace ends
	gallery *embeddings.Gallery
	claimed embeddings.Template // verify mode: the claimed employee's template
	sess    *session
	// deciding: a face decision's ledger work is under way (lock released);
	// frames wait for it.
	deciding bool
	// rearm: a face decision was made; no new face session starts until a
	// frame without a face arrives (the person left).
	rearm    bool
	rearmBox image.Rectangle // the decided face's last box, tracked while it lingers
	// pending is the punch the Choose screen completes with a kind.
	pending *pendingPunch
	// after is the follow-up of a face punch just created (the template
	// refresh): the caller runs it without the lock once the confirmation
	// is shown (runAfter).
	after func(ctx context.Context)
	// singleFrame decides on the first frame that matched the candidate
	// instead of combining the liveness window's frames: the rule before
	// multi-frame decisions, kept so a test measures both on one video.
	singleFrame bool
	// shownSec is the last whole second a countdown was shown at.
	shownSec int64
}

// pendingPunch is an identified employee's punch waiting for its kind.
type pendingPunch struct {
	req   clockface.PunchRequest
	thumb image.Image
	stamp func(State) State
	dec   *Decision
	// refresh is the face punch's probe for a template refresh (nil for a
	// PIN punch).
	refresh *refreshProbe
}

// refreshProbe is what a face decision offers the template refresh: the
// decision frame's embedding and the decision's evidence.
type refreshProbe struct {
	vector embeddings.Embedding
	ev     embeddings.RefreshEvidence
}

// work is the slow part of a step (Argon2id, fsync'd ledger writes, JPEG
// encoding). A step that runs under the lock returns it; the caller runs it
// with the lock released, and the apply it returns runs under the lock
// again and gives the new state.
type work func(ctx context.Context) (apply func() State)

// finish runs w without the lock, then applies its result under it.
func (m *Machine) finish(ctx context.Context, w work) State {
	apply := w(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	return apply()
}

// session is one face in front of the kiosk, from first sight to decision.
type session struct {
	first    time.Time // capture time of the first frame with the face
	lastSeen time.Time
	box      image.Rectangle // the tracked face's last box
	judge    *liveness.Judge
	best     probe
	haveBest bool
	// looks counts the frames identification has seen; cand is the
	// candidate (accept band) once found, or the claim in verify mode.
	looks int
	cand  string
	// firstGood is the frame that made the candidate (singleFrame).
	firstGood probe
	// dists and margins are the candidate's per-frame distances over the
	// liveness window; others counts frames where someone else was nearer.
	dists, margins []float64
	others         int
	failures       int // failed liveness checks of this face
}

// probe is the best match of a session so far.
type probe struct {
	owner    string
	distance float64
	margin   float64
	band     embeddings.Band
	frame    image.Image
	box      image.Rectangle
	emb      embeddings.Embedding
	frames   int // how many frames the decision combined
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
	m.gen++
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
	m.sess, m.pending = nil, nil
	s := m.set(m.idleState())
	m.mu.Unlock()
	m.notify(s)
}

// Hold stops (true) or resumes face decisions while HR enrols someone at
// the kiosk: the camera stays on for the wizard's capture, but no face
// starts a session, so a passer-by is not clocked in behind the wizard.
// A session under way is dropped. PIN punches are not affected.
func (m *Machine) Hold(held bool) {
	m.mu.Lock()
	m.held = held
	if held {
		m.sess = nil
	}
	m.mu.Unlock()
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
	s, changed, dec, w := m.frame(img, at, faces)
	m.mu.Unlock()
	if w != nil {
		s, changed = m.finish(ctx, w), true
	}
	if dec != nil && m.OnDecision != nil {
		m.OnDecision(*dec)
	}
	if changed {
		m.notify(s)
	}
	m.runAfter(ctx)
}

func (m *Machine) frame(img image.Image, at time.Time, faces []embeddings.Face) (State, bool, *Decision, work) {
	f, ok := largest(faces)
	if !ok {
		m.rearm = false // the person left: the next face starts a session
	}
	if m.paused || m.held || m.deciding {
		return m.st, false, nil, nil
	}
	switch m.st.Screen {
	case Idle:
		if m.cfg.Mode == Verify {
			return m.st, false, nil, nil
		}
	case WaitFace, Checking:
	default:
		return m.st, false, nil, nil // confirm, message, PIN pad: the camera waits
	}
	if !ok {
		if m.sess != nil && at.Sub(m.sess.lastSeen) > m.cfg.FaceLost {
			s, changed := m.endSession()
			return s, changed, nil, nil
		}
		return m.st, false, nil, nil
	}
	if m.rearm {
		if iou(m.rearmBox, f.Box) >= trackIoU {
			m.rearmBox = f.Box
			if m.st.Screen == Idle {
				return m.st, false, nil, nil // the last person is still in view
			}
		} else {
			m.rearm = false // someone else
		}
	}
	changed := false
	if m.sess != nil && iou(m.sess.box, f.Box) < trackIoU {
		m.sess = nil // another face: start again
	}
	if m.sess == nil {
		m.sess = &session{first: at}
		msg := MsgIdentifying
		if m.cfg.Mode == Verify {
			m.sess.cand = m.st.Employee.Number
			m.startJudge()
			msg = m.prompt()
		}
		m.set(State{Screen: Checking, Msg: msg, Employee: m.st.Employee})
		changed = true
	}
	sess := m.sess
	sess.lastSeen, sess.box = at, f.Box

	p, err := m.match(f)
	if err != nil {
		return m.message(MsgError, err), true, nil, nil
	}
	p.frame, p.box, p.emb, p.frames = img, f.Box, f.Embedding, 1

	if sess.cand == "" {
		// Identify first: only a candidate gets the liveness check.
		sess.looks++
		if !sess.haveBest || p.distance < sess.best.distance {
			sess.best, sess.haveBest = p, true
		}
		if p.band == embeddings.Accept && m.cfg.Liveness != nil {
			sess.cand, sess.firstGood = p.owner, p
			sess.dists, sess.margins = []float64{p.distance}, []float64{p.margin}
			m.startJudge()
			return m.st, true, nil, m.greetCandidate(p.owner, f, at)
		}
		if p.band == embeddings.Accept || sess.looks >= m.cfg.IdentifyFrames {
			s, dec, w := m.decide("off")
			return s, true, dec, w
		}
		return m.st, changed, nil, nil
	}

	// A candidate: gather its distances over the liveness window.
	if p.owner == sess.cand {
		sess.dists, sess.margins = append(sess.dists, p.distance), append(sess.margins, p.margin)
		if !sess.haveBest || sess.best.owner != sess.cand || p.distance < sess.best.distance {
			sess.best, sess.haveBest = p, true
		}
	} else {
		sess.others++
	}
	live := "off"
	if j := sess.judge; j != nil {
		r := j.Observe(liveness.Observation{At: at, Box: f.Box, Landmarks: f.Landmarks})
		live = r.String()
		switch r.Verdict {
		case liveness.Pending:
			if pr := m.progress(r); pr != m.st.Progress {
				m.st.Progress = pr
				return m.st, true, nil, nil
			}
			return m.st, changed, nil, nil
		case liveness.Failed:
			s, w := m.livenessFailed(r)
			return s, true, nil, w
		}
	}
	sess.best = m.combined()
	if m.singleFrame && sess.firstGood.owner == sess.cand {
		sess.best = sess.firstGood
	}
	s, dec, w := m.decide(live)
	return s, true, dec, w
}

// startJudge starts a new liveness check for the session (mu held).
func (m *Machine) startJudge() {
	if m.cfg.Liveness != nil {
		m.sess.judge = liveness.NewJudge(*m.cfg.Liveness, m.cfg.Liveness.Pick(m.rng))
	}
}

// progress is how far the pending check has come, 0..1.
func (m *Machine) progress(r liveness.Result) float64 {
	c := m.cfg.Liveness
	p := math.Max(math.Abs(r.YawChange)/c.MinYawChange, r.Growth/c.MinGrowth)
	return math.Min(1, math.Max(0, p))
}

// combined is the session's decision over every frame of the tracked face
// in the liveness window: the median distance and margin to the candidate,
// with the closest frame as the snapshot. When another person was nearest
// in more frames than the candidate, it is a reject.
func (m *Machine) combined() probe {
	s := m.sess
	p := s.best
	p.owner = s.cand
	if len(s.dists) == 0 || s.others > len(s.dists) {
		p.distance, p.margin, p.band = math.Inf(1), math.Inf(1), embeddings.Reject
		return p
	}
	p.distance, p.margin = embeddings.CombineFrames(s.dists), embeddings.CombineFrames(s.margins)
	p.band = m.cfg.Thresholds.Band(p.distance, p.margin)
	p.frames = len(s.dists)
	return p
}

// iou is the overlap of two boxes (intersection over union); an empty a
// (a new session) overlaps everything.
func iou(a, b image.Rectangle) float64 {
	if a.Empty() {
		return 1
	}
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	i := float64(in.Dx() * in.Dy())
	return i / (float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - i)
}

// greetCandidate reads the candidate's name for the liveness screen
// ("Ana, turn your head to your left"), without the lock.
func (m *Machine) greetCandidate(number string, f embeddings.Face, at time.Time) work {
	m.deciding = true
	gen := m.gen
	return func(ctx context.Context) func() State {
		e, err := m.store.Employee(ctx, number)
		return func() State {
			m.deciding = false
			switch {
			case m.gen != gen || m.sess == nil:
				return m.st
			case err != nil:
				return m.message(MsgError, err)
			}
			return m.set(State{Screen: Checking, Msg: m.prompt(), Employee: e})
		}
	}
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
// The claimed template was read by Claim, so matching reads no store.
func (m *Machine) match(f embeddings.Face) (probe, error) {
	if m.cfg.Mode == Verify {
		number := m.st.Employee.Number
		if m.claimed.Owner != number {
			return probe{}, fmt.Errorf("template of %s: not loaded by the claim", number)
		}
		// Cohort-checked: the claimed template must also be the nearest
		// enrolled one, by the margin (a claim is not a secret).
		d, err := embeddings.VerifyCohort(f.Embedding, m.claimed, m.gallery, m.cfg.Thresholds)
		if err != nil {
			return probe{}, err
		}
		return probe{owner: number, distance: d.Distance, margin: d.Margin, band: d.Band}, nil
	}
	id := m.gallery.Identify(f.Embedding, m.cfg.Thresholds)
	if id.Owner == "" {
		return probe{distance: math.Inf(1), margin: math.Inf(1), band: embeddings.Reject}, nil
	}
	return probe{owner: id.Owner, distance: id.Distance, margin: id.Margin, band: id.Band}, nil
}

// decide acts on the session's best match, liveness having passed (or off).
// A review is decided here; a reject in verify mode and an accept return
// the ledger work, and frames wait (deciding) until it is applied.
func (m *Machine) decide(live string) (State, *Decision, work) {
	sess := m.sess
	m.sess = nil
	m.rearm, m.rearmBox = true, sess.box
	p := sess.best
	dec := &Decision{Employee: p.owner, Band: p.band, Distance: p.distance, Margin: finiteOr0(p.margin), Liveness: live, Frames: p.frames}
	// stamp marks the moment the screen shows the outcome (after the punch
	// is written, for an accept): that is where the latency ends. It runs
	// under the lock.
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
		return m.set(stamp(s)), dec, nil
	case embeddings.Reject:
		s := State{Screen: AskPIN, Msg: MsgNotRecognised}
		if m.cfg.Mode != Verify {
			return m.set(stamp(s)), dec, nil
		}
		s.Employee = claimed
		return m.st, dec, m.faceFailure(claimed.Number, s, stamp)
	}
	m.deciding = true
	// The probe a created punch offers the template refresh: the decision
	// frame's embedding with the decision's band, distance and margin.
	rp := &refreshProbe{vector: p.emb, ev: embeddings.RefreshEvidence{Band: p.band, Distance: p.distance, Margin: p.margin, Live: live != "off"}}
	return m.st, dec, func(ctx context.Context) func() State {
		req, thumb, err := m.request(p, live)
		if err == nil && m.cfg.States != nil {
			return m.choose(ctx, pendingPunch{req: req, thumb: thumb, stamp: stamp, dec: dec, refresh: rp})
		}
		var res clockface.PunchResult
		if err == nil {
			res, err = m.store.Record(ctx, req)
		}
		return func() State {
			m.deciding = false
			return m.recorded(res, err, thumb, stamp, dec, rp)
		}
	}
}

// refresh offers a created face punch's probe to the template refresh and
// reloads the gallery when the template changed (run without the lock,
// after the confirmation is shown).
func (m *Machine) refresh(ctx context.Context, number string, rp refreshProbe) {
	ok, err := m.store.MaybeRefreshTemplate(ctx, number, m.cfg.Model, rp.vector, rp.ev)
	if err == nil && ok {
		err = m.Reload(ctx)
	}
	if m.OnRefresh != nil {
		m.OnRefresh(Refresh{Employee: number, Refreshed: ok, Err: err})
	}
}

// runAfter runs the follow-up of a punch just confirmed (the template
// refresh), if any, without the lock.
func (m *Machine) runAfter(ctx context.Context) {
	m.mu.Lock()
	f := m.after
	m.after = nil
	m.mu.Unlock()
	if f != nil {
		f(ctx)
	}
}

// recorded shows the ledger's answer to a punch request (mu held). A face
// punch the ledger created (not debounced, locked or refused) leaves its
// probe's template refresh to run after the confirmation (m.after).
func (m *Machine) recorded(res clockface.PunchResult, err error, thumb image.Image, stamp func(State) State, dec *Decision, rp *refreshProbe) State {
	e := res.Employee
	var le *clockface.LockedError
	switch {
	case errors.As(err, &le):
		s := State{Employee: e}
		m.applyLock(&s, le)
		return m.set(stamp(s))
	case errors.Is(err, clockface.ErrRestricted), errors.Is(err, clockface.ErrTerminated):
		// The ledger's templates already skip them; this is the second lock.
		return m.set(stamp(State{Screen: AskPIN, Msg: MsgUsePIN, Employee: e}))
	case err != nil:
		return m.message(MsgError, err)
	}
	if dec != nil {
		dec.Punched = res.Created
	}
	if res.Created && rp != nil && res.Punch.Method == clockface.MethodFace {
		number, probe := res.Punch.EmployeeNumber, *rp
		m.after = func(ctx context.Context) { m.refresh(ctx, number, probe) }
	}
	return m.confirm(stamp(State{Thumbnail: thumb}), e, res.Punch, res.Created, m.clock.Now())
}

// choose reads the employee and the kinds that make sense now (without
// the lock) and returns the Choose screen's apply; pp waits in m.pending
// for the kind.
func (m *Machine) choose(ctx context.Context, pp pendingPunch) func() State {
	e, err := m.store.Employee(ctx, pp.req.Employee)
	var (
		kinds []clockface.PunchKind
		st    attendance.Status
	)
	if err == nil {
		kinds, st, err = m.cfg.States.NextKinds(ctx, pp.req.Employee)
	}
	if err == nil && len(kinds) == 0 {
		err = fmt.Errorf("no punch kind offered for %s", pp.req.Employee)
	}
	return func() State {
		m.deciding = false
		if err != nil {
			return m.message(MsgError, err)
		}
		m.pending = &pp
		now := m.clock.Now()
		s := State{Screen: Choose, Msg: MsgChoose, Employee: e, Kinds: kinds, Status: st, Thumbnail: pp.thumb}
		if pp.stamp != nil {
			s = pp.stamp(s)
		}
		if m.cfg.Countdown > 0 {
			s.ChooseUntil = now.Add(m.cfg.Countdown)
			m.until = s.ChooseUntil
		} else {
			m.until = now.Add(m.cfg.PINTimeout)
		}
		return m.set(s)
	}
}

// ChooseKind completes the Choose screen's punch with kind (a tap on one
// of the offered kinds). It reports whether a punch was asked for. The
// ledger write runs without the lock.
func (m *Machine) ChooseKind(ctx context.Context, kind clockface.PunchKind) bool {
	m.mu.Lock()
	w := m.chooseKind(kind)
	m.mu.Unlock()
	if w == nil {
		return false
	}
	m.notify(m.finish(ctx, w))
	m.runAfter(ctx)
	return true
}

func (m *Machine) chooseKind(kind clockface.PunchKind) work {
	if m.st.Screen != Choose || m.pending == nil || m.deciding || !kind.Valid() {
		return nil
	}
	pp := *m.pending
	m.pending = nil
	pp.req.Kind = kind
	m.deciding = true
	return func(ctx context.Context) func() State {
		res, err := m.store.Record(ctx, pp.req)
		return func() State {
			m.deciding = false
			stamp := func(s State) State { return s }
			return m.recorded(res, err, pp.thumb, stamp, pp.dec, pp.refresh)
		}
	}
}

// request builds the face punch's request: the evidence and the encoded
// decision frame (run without the lock).
func (m *Machine) request(p probe, live string) (clockface.PunchRequest, image.Image, error) {
	jpg, thumb, err := snapshot(p.frame, p.box)
	if err != nil {
		return clockface.PunchRequest{}, nil, err
	}
	ev := clockface.Evidence{Distance: p.distance, Margin: finiteOr0(p.margin), Liveness: live, Model: m.cfg.Model.String()}
	return clockface.PunchRequest{Employee: p.owner, Method: clockface.MethodFace, Evidence: ev, Snapshot: jpg}, thumb, nil
}

// faceFailure is the work of a failed face check of a claimed employee
// (verify mode): count the failure, read the lockout, then show s (or the
// lock) through stamp, unless the screen moved on meanwhile.
func (m *Machine) faceFailure(number string, s State, stamp func(State) State) work {
	m.deciding = true
	gen := m.gen
	return func(ctx context.Context) func() State {
		var le *clockface.LockedError
		err := m.store.RecordFailure(ctx, number, clockface.MethodFace)
		if err == nil {
			le, err = m.lockout(ctx, number)
		}
		return func() State {
			m.deciding = false
			switch {
			case err != nil:
				return m.message(MsgError, err)
			case m.gen != gen:
				return m.st // cancelled or paused meanwhile
			}
			if s.Screen == Message {
				m.until = m.clock.Now().Add(m.cfg.MessageHold)
			}
			m.applyLock(&s, le)
			return m.set(stamp(s))
		}
	}
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

// livenessFailed retries the check at once with a new challenge; after
// LivenessTries failures in a row the screen offers the PIN pad as well
// (OfferPIN) while the check goes on. In verify mode each failure
// counts towards the lockout.
func (m *Machine) livenessFailed(r liveness.Result) (State, work) {
	sess := m.sess
	sess.failures++
	cand := m.st.Employee
	sess.dists, sess.margins, sess.others = nil, nil, 0
	m.startJudge()
	s := State{Screen: Checking, Msg: m.prompt(), Employee: cand, Retries: sess.failures, Liveness: r.String(),
		OfferPIN: sess.failures >= m.cfg.LivenessTries}
	if m.cfg.Mode != Verify {
		return m.set(s), nil
	}
	return m.st, m.faceFailure(cand.Number, s, func(s State) State { return s })
}

// lockout reads whether number is locked out (run without the lock).
func (m *Machine) lockout(ctx context.Context, number string) (*clockface.LockedError, error) {
	if number == "" {
		return nil, nil
	}
	err := m.store.Lockout(ctx, number)
	var le *clockface.LockedError
	if errors.As(err, &le) {
		return le, nil
	}
	return nil, err
}

// applyLock turns s into the lock message when le is set (mu held).
func (m *Machine) applyLock(s *State, le *clockface.LockedError) {
	if le == nil {
		return
	}
	s.Screen, s.Msg, s.LockedUntil, s.LockedAccount = Message, MsgLocked, le.Until, le.Employee
	m.until = m.clock.Now().Add(m.cfg.MessageHold)
	if le.Until.After(m.until) {
		m.until = le.Until // the countdown stays up until the lock ends
	}
}

func (m *Machine) endSession() (State, bool) {
	m.sess = nil
	if m.st.Screen == Checking {
		return m.set(m.idleState()), true
	}
	return m.st, false
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

// EngineFailed reports that the face engine failed on a frame: not "no
// face", but a fault the screen shows (the PIN pad stays one tap away)
// while it lasts. It does not interrupt a PIN pad, a confirmation or a
// decision under way.
func (m *Machine) EngineFailed(err error) {
	m.mu.Lock()
	busy := m.st.Screen != Idle && m.st.Screen != Checking && m.st.Screen != WaitFace && m.st.Msg != MsgEngineError
	if m.paused || m.deciding || busy {
		m.mu.Unlock()
		return
	}
	if m.st.Screen == Message && m.st.Msg == MsgEngineError {
		m.until = m.clock.Now().Add(m.cfg.MessageHold) // still failing: keep it up
		m.mu.Unlock()
		return
	}
	s := m.message(MsgEngineError, err)
	m.mu.Unlock()
	m.notify(s)
}

// Tick expires screens and liveness time limits; the UI calls it a few
// times a second.
func (m *Machine) Tick(ctx context.Context) {
	now := m.clock.Now()
	m.mu.Lock()
	s, changed, w := m.tick(now)
	m.mu.Unlock()
	if w != nil {
		s, changed = m.finish(ctx, w), true
	}
	if changed {
		m.notify(s)
	}
	m.runAfter(ctx)
}

func (m *Machine) tick(now time.Time) (State, bool, work) {
	if m.sess != nil && m.sess.judge != nil {
		if r := m.sess.judge.Tick(now); r.Verdict == liveness.Failed {
			s, w := m.livenessFailed(r)
			return s, true, w
		}
	}
	if m.sess != nil && now.Sub(m.sess.lastSeen) > m.cfg.FaceLost && m.st.Screen == Checking {
		s, _ := m.endSession()
		return s, true, nil
	}
	if m.st.Screen == Choose && !m.st.ChooseUntil.IsZero() && !now.Before(m.st.ChooseUntil) {
		if w := m.chooseKind(m.st.Kinds[0]); w != nil {
			return m.st, false, w
		}
		return m.st, false, nil
	}
	switch m.st.Screen {
	case Confirm, Message, WaitFace, AskPIN, Choose:
		if !now.Before(m.until) && !m.deciding {
			m.sess, m.pending = nil, nil
			return m.set(m.idleState()), true, nil
		}
	}
	// A countdown on screen (the lock, the Choose screen) changes every
	// second: show it.
	if end := m.countdownEnd(); !end.IsZero() {
		if sec := int64(end.Sub(now).Seconds()); sec != m.shownSec {
			m.shownSec = sec
			return m.st, true, nil
		}
	}
	return m.st, false, nil
}

// countdownEnd is the end of the countdown the screen shows, if any.
func (m *Machine) countdownEnd() time.Time {
	switch {
	case m.st.Screen == Choose:
		return m.st.ChooseUntil
	case m.st.Msg == MsgLocked:
		return m.st.LockedUntil
	}
	return time.Time{}
}

// Cancel returns to the idle screen.
func (m *Machine) Cancel() {
	m.mu.Lock()
	m.sess, m.pending = nil, nil
	s := m.set(m.idleState())
	m.mu.Unlock()
	m.notify(s)
}

// ShowPIN opens the PIN pad (the "use PIN" button, always available).
func (m *Machine) ShowPIN() {
	m.mu.Lock()
	m.sess, m.pending = nil, nil
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

// claim reads the claimed employee's lockout and (verify mode) template
// without the lock, then moves to the PIN pad or the face check.
func (m *Machine) claim(ctx context.Context, e clockface.Employee, err error) {
	// With PIN then face, a number or badge only opens the PIN pad.
	verify := err == nil && e.FaceAllowed() && m.cfg.Mode == Verify && !m.cfg.PINThenFace
	var (
		le   *clockface.LockedError
		lerr error
		tmpl embeddings.Template
	)
	if err == nil {
		le, lerr = m.lockout(ctx, e.Number)
		if lerr == nil && le == nil && verify {
			if tmpl, lerr = m.store.Template(ctx, e.Number, m.cfg.Model); lerr != nil {
				lerr = fmt.Errorf("template of %s: %w", e.Number, lerr)
			}
		}
	}
	m.mu.Lock()
	var s State
	switch {
	case m.paused:
		s = m.st
	case errors.Is(err, clockface.ErrUnknownEmployee):
		s = m.message(MsgNotRecognised, nil)
	case err != nil:
		s = m.message(MsgError, err)
	case lerr != nil:
		s = m.message(MsgError, lerr)
	case !verify:
		s = State{Screen: AskPIN, Msg: MsgUsePIN, Employee: e}
		m.applyLock(&s, le)
		s = m.set(s)
	default:
		s = State{Screen: WaitFace, Msg: MsgLook, Employee: e}
		m.applyLock(&s, le)
		if s.Screen == WaitFace {
			m.until = m.clock.Now().Add(m.cfg.ClaimTimeout)
			m.claimed = tmpl
		}
		m.sess = nil
		s = m.set(s)
	}
	m.mu.Unlock()
	m.notify(s)
}

// SubmitPIN punches by PIN: the alternative that is always there, with the
// same result and record as a face punch (minus the face evidence). The PIN
// check (Argon2id) and the punch run without the machine's lock; call it
// off the UI goroutine.
func (m *Machine) SubmitPIN(ctx context.Context, number, pin string) {
	m.notify(m.submitPIN(ctx, number, pin))
}

func (m *Machine) submitPIN(ctx context.Context, number, pin string) State {
	m.mu.Lock()
	m.sess = nil
	paused, st := m.paused, m.st
	m.mu.Unlock()
	if paused {
		return st
	}
	var (
		res     clockface.PunchResult
		le      *clockface.LockedError
		lerr    error
		left    int
		lockFor time.Duration
	)
	check := m.store.CheckPIN // records the failure itself
	if m.cfg.PINThenFace {
		check = m.store.CheckPINKeepingFailures // failed faces after it still count
	}
	err := check(ctx, number, pin)
	if err == nil && m.cfg.PINThenFace {
		if s, ok := m.faceAfterPIN(ctx, number); ok {
			return s
		}
	}
	switch {
	case errors.Is(err, clockface.ErrBadPIN), errors.Is(err, clockface.ErrUnknownEmployee):
		// The ledger's count after this failure: the lock it engaged, or
		// the tries left before the next one.
		left, lockFor, lerr = m.store.Tries(ctx, number)
		switch {
		case errors.As(lerr, &le):
			lerr = nil
		case errors.Is(lerr, clockface.ErrUnknownEmployee):
			lerr = nil // no count for a number nobody has
		}
	case err == nil && m.cfg.States != nil:
		apply := m.choose(ctx, pendingPunch{req: clockface.PunchRequest{Employee: number, Method: clockface.MethodPIN}})
		m.mu.Lock()
		defer m.mu.Unlock()
		return apply()
	case err == nil:
		res, err = m.store.Record(ctx, clockface.PunchRequest{Employee: number, Method: clockface.MethodPIN})
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var locked *clockface.LockedError
	switch {
	case errors.As(err, &locked):
		s := State{Employee: clockface.Employee{Number: number}}
		m.applyLock(&s, locked)
		return m.set(s)
	case errors.Is(err, clockface.ErrBadPIN), errors.Is(err, clockface.ErrUnknownEmployee):
		if lerr != nil {
			return m.message(MsgError, lerr)
		}
		// The number stays on the pad; only the PIN is typed again.
		s := State{Screen: AskPIN, Msg: MsgWrongPIN, Employee: clockface.Employee{Number: number}, TriesLeft: left, LockFor: lockFor}
		m.applyLock(&s, le)
		return m.set(s)
	case err != nil:
		return m.message(MsgError, err)
	}
	return m.confirm(State{}, res.Employee, res.Punch, res.Created, m.clock.Now())
}

// faceAfterPIN opens the face check of number after a right PIN (PIN then
// face); ok is false for an employee whose face may not be used, who then
// punches by PIN alone. The reads run without the lock.
func (m *Machine) faceAfterPIN(ctx context.Context, number string) (State, bool) {
	e, err := m.store.Employee(ctx, number)
	if err == nil && !e.FaceAllowed() {
		return State{}, false
	}
	var tmpl embeddings.Template
	if err == nil {
		if tmpl, err = m.store.Template(ctx, number, m.cfg.Model); err != nil {
			err = fmt.Errorf("template of %s: %w", number, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.paused:
		return m.st, true
	case err != nil:
		return m.message(MsgError, err), true
	}
	m.sess, m.claimed = nil, tmpl
	s := m.set(State{Screen: WaitFace, Msg: MsgLook, Employee: e})
	m.until = m.clock.Now().Add(m.cfg.ClaimTimeout)
	return s, true
}

// Undo voids the punch on the confirmation screen, within the undo window.
// It reports whether the punch was voided. The ledger write runs without
// the lock; a second Undo of the same punch finds the window closed.
func (m *Machine) Undo(ctx context.Context) bool {
	m.mu.Lock()
	now := m.clock.Now()
	if m.st.Screen != Confirm || !m.st.Created || now.After(m.st.UndoUntil) {
		m.mu.Unlock()
		return false
	}
	p := m.st.Punch
	m.st.UndoUntil = time.Time{} // one undo per punch
	m.mu.Unlock()
	err := m.store.VoidPunch(ctx, p.ID, p.EmployeeNumber, "undone at the kiosk")
	m.mu.Lock()
	var s State
	if err != nil {
		s = m.message(MsgError, err)
	} else {
		s = m.message(MsgUndone, nil)
	}
	m.mu.Unlock()
	m.notify(s)
	return err == nil
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
