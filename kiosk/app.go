package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"clockface"
	"clockface/attendance"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/kiosk/camera"
	"clockface/kiosk/flow"
	"clockface/kiosk/liveness"
	"clockface/kiosk/presence"
	"clockface/kiosk/ui"
	"clockface/ledger"
)

// Engine is the face engine the kiosk runs on each analysed frame.
type Engine = embeddings.Engine

// Config assembles a kiosk: Start builds one in a window, Run runs the
// whole process.
type Config struct {
	// Ledger, Engine and Source: Run closes them (Source, Engine, then the
	// Ledger last) before it returns; Start leaves them to its caller.
	Ledger *ledger.Ledger
	Engine Engine
	Source camera.Source
	// OpenSource, if set instead of Source, opens the camera: the kiosk
	// opens it itself, closes it when out of service or when it fails, and
	// keeps trying (PIN only meanwhile) when it will not open, even at
	// start.
	OpenSource func() (camera.Source, error)
	// CameraRetryMin and CameraRetryMax bound the backoff between tries to
	// open a failed camera, on Clock (0: DefaultCameraRetryMin, Max).
	CameraRetryMin, CameraRetryMax time.Duration
	// OnCamera, if set, is told of every change of the camera's state
	// (from the capture goroutine).
	OnCamera func(CameraEvent)
	// OutOfService is why the kiosk is out of service, and ClockElsewhere
	// where to clock instead: sentences shown as given (empty: the
	// catalogue's "HR has closed this kiosk." and "Please clock in at
	// another kiosk or at the HR office.").
	OutOfService, ClockElsewhere string
	// PINThenFace (verify mode only): the PIN is the claim, then the face
	// check punches: two factors (flow.Config.PINThenFace).
	PINThenFace bool
	// Pace plays a file source at its own frame rate (not for cameras).
	Pace     bool
	Mode     flow.Mode
	Liveness *liveness.Config // nil: off
	Clock    clockface.Clock
	KioskID  string
	Lang     ui.Lang
	Debug    bool
	// Sound plays the cue of a punch (in, out) or a refusal; it must not
	// block (nil: silent).
	Sound    func(ui.Cue)
	Location *time.Location
	// Company and Site are shown on the attract screen.
	Company, Site string
	// Status feeds the attract screen's sync chip (nil: the Relay's, with
	// the ledger's outbox; no chip without a Relay).
	Status ui.StatusSource
	// Countdown applies the likely punch kind after this long (0: the
	// default 3 s, negative: wait for a tap).
	Countdown time.Duration
	// Presence tunes the presence gate in front of the engine; NoGate
	// turns it off (every frame analysed, as benchmarks want).
	Presence presence.Config
	NoGate   bool
	// OnPunch is called once for every punch the kiosk creates (from any
	// goroutine).
	OnPunch func(clockface.Punch)
	// OnDecision is called for every face decision (from the recognition
	// goroutine).
	OnDecision func(flow.Decision)
	// Thresholds, if set, replace the model's calibrated decision bands
	// (tests with a hand-made model).
	Thresholds *embeddings.Thresholds
	// Log receives engine failures and the background tasks' errors (nil:
	// slog.Default()).
	Log *slog.Logger

	// The rest is for Run only.

	// Relay sends the outbox to the hub (nil: no hub); Run runs it and
	// wakes it after each punch.
	Relay Relay
	// PurgeEvery is how often the retention rules run while the kiosk runs
	// (0: DefaultPurgeEvery); opening the ledger ran them once already.
	PurgeEvery time.Duration
	// Window is the window's title and layout.
	Window WindowOptions
	// RunFor stops the kiosk after this long (0: until closed).
	RunFor time.Duration
	// Until, if set, runs beside the kiosk with its window; when it
	// returns, the kiosk stops with its error (nil: a clean stop). The demo
	// stops after the first punch and its screenshot this way.
	Until func(ctx context.Context, w fyne.Window) error
	// App is the Fyne app to run in (nil: a new desktop app); tests pass
	// Fyne's test app.
	App fyne.App
}

// App is a running kiosk: the machine, the pipeline and the screen. It
// owns two goroutines, the capture pipeline (which owns recognition and the
// timers) and the preview feed; Stop waits for both and for the screen's
// work.
type App struct {
	Machine  *flow.Machine
	Pipeline *Pipeline
	UI       *ui.UI
	cfg      Config
	done     chan struct{}
	err      error
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu      sync.Mutex
	punched map[string]bool
	// pauseCh is signalled when the kiosk goes out of service or back.
	pauseCh chan struct{}
	paused  bool // as last signalled; under mu
}

// Start builds the kiosk in window w and starts capture, recognition and
// the preview. Call it on the Fyne goroutine (before the app runs, or in
// a test). The capture stops when ctx ends, Stop is called or a finite
// source runs out; Done is closed then.
func Start(ctx context.Context, w fyne.Window, cfg Config) (*App, error) {
	if cfg.Ledger == nil || cfg.Engine == nil || cfg.Source == nil && cfg.OpenSource == nil {
		return nil, errors.New("kiosk: need a ledger, an engine and a camera")
	}
	if cfg.CameraRetryMin <= 0 {
		cfg.CameraRetryMin = DefaultCameraRetryMin
	}
	if cfg.CameraRetryMax <= 0 {
		cfg.CameraRetryMax = DefaultCameraRetryMax
	}
	if cfg.Clock == nil {
		cfg.Clock = clockface.SystemClock{}
	}
	if cfg.Status == nil && cfg.Relay != nil {
		cfg.Status = relayStatus{relay: cfg.Relay, ledger: cfg.Ledger}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	model := cfg.Engine.Model()
	th, err := thresholds(cfg)
	if err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	m, err := flow.New(ctx, flow.Config{Mode: cfg.Mode, Thresholds: th, Model: model, Liveness: cfg.Liveness, KioskID: cfg.KioskID,
		States: LedgerStates{Ledger: cfg.Ledger}, Countdown: cfg.Countdown, PINThenFace: cfg.PINThenFace}, cfg.Ledger, cfg.Clock)
	if err != nil {
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	a := &App{Machine: m, Pipeline: NewPipeline(m, cfg.Engine, cfg.Clock), cfg: cfg, done: make(chan struct{}), cancel: cancel, punched: map[string]bool{},
		pauseCh: make(chan struct{}, 1)}
	a.Pipeline.Log = cfg.Log
	if !cfg.NoGate {
		if a.Pipeline.Gate, err = presence.New(cfg.Presence); err != nil {
			cancel()
			return nil, fmt.Errorf("kiosk: %w", err)
		}
	}
	a.UI = ui.New(ctx, w, m, ui.Options{Lang: cfg.Lang, Admin: a, Sound: cfg.Sound, Debug: cfg.Debug, Clock: cfg.Clock, Location: cfg.Location,
		Company: cfg.Company, Site: cfg.Site, Status: cfg.Status, OutOfService: cfg.OutOfService, ClockElsewhere: cfg.ClockElsewhere})
	m.OnChange = func(s flow.State) {
		if s.Screen == flow.Confirm && s.Created && cfg.OnPunch != nil {
			a.mu.Lock()
			first := !a.punched[s.Punch.ID]
			a.punched[s.Punch.ID] = true
			a.mu.Unlock()
			if first {
				cfg.OnPunch(s.Punch)
			}
		}
		a.UI.OnChange(s)
		a.signalPause()
	}
	m.OnDecision = cfg.OnDecision
	m.OnRefresh = func(r flow.Refresh) {
		switch {
		case r.Err != nil:
			cfg.Log.Warn("template refresh", "employee", r.Employee, "err", r.Err)
		case r.Refreshed:
			cfg.Log.Info("template refreshed", "employee", r.Employee)
		}
	}
	a.wg.Add(3)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(screenTick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(func() {
					if ctx.Err() == nil {
						a.UI.Tick()
					}
				})
			}
		}
	}()
	go func() {
		defer a.wg.Done()
		a.err = a.Pipeline.Serve(ctx, a.cameraLoop)
		close(a.done)
	}()
	go func() {
		defer a.wg.Done()
		a.UI.Preview(ctx, a.Pipeline.Preview, a.Pipeline.Faces, func() time.Duration {
			_, mean := a.Pipeline.Stats()
			return mean
		})
	}()
	return a, nil
}

// signalPause wakes the camera loop when the kiosk goes out of service or
// back (HR's lock).
func (a *App) signalPause() {
	p := a.Machine.Paused()
	a.mu.Lock()
	changed := p != a.paused
	a.paused = p
	a.mu.Unlock()
	if changed {
		select {
		case a.pauseCh <- struct{}{}:
		default:
		}
	}
}

// screenTick is how often the screen's clock, countdowns and admin idle
// timer are updated.
const screenTick = 500 * time.Millisecond

// LedgerStates is flow.States on the ledger: the employee's state and the
// kinds that make sense now, as the ledger works them out (its punches,
// paired by package attendance, with the ledger's maximum shift), so the
// kiosk's default and the ledger's walk-up default never differ.
type LedgerStates struct {
	Ledger *ledger.Ledger
}

// NextKinds lists the kinds that make sense for number now, the likely one
// first, and the employee's state.
func (s LedgerStates) NextKinds(ctx context.Context, number string) ([]clockface.PunchKind, attendance.Status, error) {
	st, err := s.Ledger.State(ctx, number)
	if err != nil {
		return nil, attendance.Status{}, err
	}
	ks, err := s.Ledger.NextKinds(ctx, number)
	if err != nil {
		return nil, attendance.Status{}, err
	}
	return ks, st, nil
}

// HasHRPIN and CheckHRPIN open admin mode through the ledger's HR PIN.
func (a *App) HasHRPIN(ctx context.Context) (bool, error) { return a.cfg.Ledger.HasHRPIN(ctx) }

// CheckHRPIN checks the HR PIN, with the ledger's lockout and audit.
func (a *App) CheckHRPIN(ctx context.Context, pin string) error {
	return a.cfg.Ledger.CheckHRPIN(ctx, pin)
}

// thresholds are the configured bands, or the model's calibrated ones.
func thresholds(cfg Config) (embeddings.Thresholds, error) {
	if cfg.Thresholds != nil {
		return *cfg.Thresholds, nil
	}
	return embeddings.ThresholdsFor(cfg.Engine.Model())
}

// Done is closed when capture has stopped; Err says why.
func (a *App) Done() <-chan struct{} { return a.done }

// Err is the capture's error after Done (nil at the end of a file).
func (a *App) Err() error { return a.err }

// Stop ends capture, recognition and the preview, and waits for them and
// for the work the screen started (a PIN check, a punch).
func (a *App) Stop() {
	a.cancel()
	a.wg.Wait()
	a.UI.Wait()
}

// Employees, Punches and Enrol make the App the UI's admin backend.

// Employees lists the ledger's employees.
func (a *App) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return a.cfg.Ledger.Employees(ctx)
}

// Punches lists the punches in [from, to).
func (a *App) Punches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	return a.cfg.Ledger.Punches(ctx, from, to)
}

// enrolConfig is the enrolment configuration of this kiosk.
func (a *App) enrolConfig() enroll.Config {
	return enroll.Config{KioskID: a.cfg.KioskID, Actor: "hr:kiosk", Clock: a.cfg.Clock}
}

// Notice is the consent notice HR shows before enrolment.
func (a *App) Notice(locale string) (enroll.Notice, error) {
	s, err := enroll.New(a.enrolConfig(), nil, a.cfg.Ledger, enroll.Applicant{Number: "notice"})
	if err != nil {
		return enroll.Notice{}, err
	}
	return s.Notice(locale)
}

// newEmployeeConfig is the wizard's: a new employee, written in one
// transaction at the end (nothing stays behind a failed enrolment).
func (a *App) newEmployeeConfig() enroll.Config {
	c := a.enrolConfig()
	c.NewEmployee = true
	return c
}

// Decline records a refused consent: the new employee punches by PIN or
// badge. Employee and decline are written in one transaction.
func (a *App) Decline(ctx context.Context, who enroll.Applicant) (clockface.Employee, error) {
	s, err := enroll.New(a.newEmployeeConfig(), nil, a.cfg.Ledger, who)
	if err != nil {
		return clockface.Employee{}, err
	}
	if _, err := s.Notice(who.Locale); err != nil {
		return clockface.Employee{}, err
	}
	return s.Decline(ctx)
}

// Enrol takes the consent of a new employee (the wizard showed the notice
// in their language and they typed their name) and samples from the live
// camera, and stores employee, consent and template in one transaction at
// the end: a duplicate face, a failure or a cancelled ctx stores nothing.
func (a *App) Enrol(ctx context.Context, who enroll.Applicant, signature string, progress func(enroll.Feedback)) (enroll.Result, error) {
	s, err := enroll.New(a.newEmployeeConfig(), a.cfg.Engine, a.cfg.Ledger, who)
	if err != nil {
		return enroll.Result{}, err
	}
	if _, err := s.Notice(who.Locale); err != nil {
		return enroll.Result{}, err
	}
	if _, err := s.Consent(ctx, signature); err != nil {
		return enroll.Result{}, err
	}
	return a.Pipeline.EnrolLive(ctx, s, progress)
}
