package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"golang.org/x/sync/errgroup"

	"clockface"
	"clockface/assets"
	"clockface/kiosk/ui"
	"clockface/ledger"
)

// Relay sends the ledger's outbox to the hub; *outbox.Relay has it. Run
// runs it until the kiosk stops and wakes it after each punch; the attract
// screen's chip shows LastSuccess (when the last pass reached the hub, and
// whether the latest did) with the outbox's length.
type Relay interface {
	Run(ctx context.Context)
	Notify()
	LastSuccess() (at time.Time, online bool)
}

// relayStatus is the attract screen's sync chip from the relay and the
// ledger's outbox.
type relayStatus struct {
	relay  Relay
	ledger *ledger.Ledger
}

func (s relayStatus) SyncStatus(ctx context.Context) (ui.SyncStatus, error) {
	n, err := s.ledger.OutboxLen(ctx)
	if err != nil {
		return ui.SyncStatus{}, fmt.Errorf("sync status: %w", err)
	}
	at, online := s.relay.LastSuccess()
	return ui.SyncStatus{Online: online, LastSync: at, Waiting: n}, nil
}

// DefaultPurgeEvery is how often a running kiosk applies the retention
// rules (opening the ledger applied them once already).
const DefaultPurgeEvery = time.Hour

// WindowOptions lay out the kiosk's window.
type WindowOptions struct {
	// Windowed shows a 1280×720 window instead of full screen.
	Windowed bool
}

// The window's size when it is not full screen.
const (
	windowWidth  = 1280
	windowHeight = 720
)

// Run is the whole kiosk process: the Fyne app on the calling goroutine
// (the main one, for a desktop app) and, in one errgroup, the hub relay,
// the hourly purge, the capture pipeline with the preview, and cfg.Until.
// It returns when the window closes, ctx ends, RunFor passes, a finite
// source runs out, Until returns or a task fails (its error). The tasks
// stop in the reverse of their start order (Until, then the kiosk app,
// the purge and the relay), then Source, Engine and, last, the Ledger are
// closed.
func Run(ctx context.Context, cfg Config) (err error) {
	defer func() { err = errors.Join(err, closeAll(cfg)) }()
	if cfg.Ledger == nil || cfg.Engine == nil || cfg.Source == nil && cfg.OpenSource == nil {
		return errors.New("kiosk: need a ledger, an engine and a camera")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	g, gctx := errgroup.WithContext(ctx)
	runCtx, quit := context.WithCancel(gctx)
	defer quit()
	tasks := &taskStack{g: g, parent: context.WithoutCancel(ctx)}
	defer func() { err = errors.Join(err, tasks.stop()) }()

	var onApplied atomic.Pointer[func()]
	cfg.OnPunch = startBackground(tasks, cfg, &onApplied)
	fa, w := newWindow(cfg)
	a, err := Start(runCtx, w, cfg)
	if err != nil {
		return err
	}
	reload := func() {
		if err := a.Machine.Reload(runCtx); err != nil && runCtx.Err() == nil {
			cfg.Log.Error("reload the gallery after hub changes", "err", err)
		}
	}
	onApplied.Store(&reload)
	tasks.start("kiosk", func(ctx context.Context) error {
		defer a.Stop()
		select {
		case <-ctx.Done():
			return nil
		case <-a.Done():
			quit() // a finite source ran out, or the camera failed
			return a.Err()
		}
	})
	if cfg.Until != nil {
		tasks.start("until", func(ctx context.Context) error {
			defer quit()
			return cfg.Until(ctx, w)
		})
	}
	if cfg.RunFor > 0 {
		stop := time.AfterFunc(cfg.RunFor, quit)
		defer stop.Stop()
	}
	w.SetOnClosed(quit)
	quitted := make(chan struct{})
	go func() {
		defer close(quitted)
		<-runCtx.Done()
		fyne.Do(fa.Quit)
	}()
	w.ShowAndRun()
	<-runCtx.Done() // a test app's ShowAndRun returns at once
	<-quitted
	n, mean := a.Pipeline.Stats()
	cfg.Log.Info("kiosk stopped", "preview_fps", fmt.Sprintf("%.1f", a.UI.MeanFPS()), "analysed", n, "engine_mean", mean.Round(time.Millisecond))
	return nil
}

// startBackground starts the relay (if any) and the purge, and returns
// cfg.OnPunch wrapped to wake the relay after each punch. After a pass
// that applied hub status changes (a termination or restriction), the
// relay calls *onApplied once it is set (the face gallery reloads, so the
// screen stops proposing the person at once; the ledger refuses their
// face punches either way).
func startBackground(tasks *taskStack, cfg Config, onApplied *atomic.Pointer[func()]) func(clockface.Punch) {
	onPunch := cfg.OnPunch
	if cfg.Relay != nil {
		relay := cfg.Relay
		if r, ok := relay.(interface{ OnApplied(func()) }); ok {
			r.OnApplied(func() {
				if f := onApplied.Load(); f != nil {
					(*f)()
				}
			})
		}
		tasks.start("relay", func(ctx context.Context) error { relay.Run(ctx); return nil })
		onPunch = func(p clockface.Punch) {
			relay.Notify()
			if cfg.OnPunch != nil {
				cfg.OnPunch(p)
			}
		}
	}
	every := cfg.PurgeEvery
	if every <= 0 {
		every = DefaultPurgeEvery
	}
	tasks.start("purge", func(ctx context.Context) error {
		t := time.NewTicker(every)
		defer t.Stop()
		purgeOn(ctx, cfg.Ledger, t.C, cfg.Log)
		return nil
	})
	return onPunch
}

// newWindow makes the app (cfg.App or a desktop one) and the kiosk window.
func newWindow(cfg Config) (fyne.App, fyne.Window) {
	fa := cfg.App
	if fa == nil {
		fa = fyneapp.NewWithID("io.clockface.kiosk")
	}
	fa.Settings().SetTheme(ui.Theme())
	fa.SetIcon(fyne.NewStaticResource("clockface.svg", assets.Icon()))
	w := fa.NewWindow("clockface")
	w.Resize(fyne.NewSize(windowWidth, windowHeight))
	w.SetFullScreen(!cfg.Window.Windowed)
	return fa, w
}

// closeAll closes what Run owns: the source, the engine, the ledger last.
func closeAll(cfg Config) error {
	var errs []error
	if cfg.Source != nil {
		errs = append(errs, wrapClose("camera", cfg.Source.Close()))
	}
	if cfg.Engine != nil {
		errs = append(errs, wrapClose("engine", cfg.Engine.Close()))
	}
	if cfg.Ledger != nil {
		errs = append(errs, wrapClose("ledger", cfg.Ledger.Close()))
	}
	return errors.Join(errs...)
}

func wrapClose(what string, err error) error {
	if err != nil {
		return fmt.Errorf("close %s: %w", what, err)
	}
	return nil
}

// taskStack runs tasks in an errgroup, each with its own context, and
// stops them in the reverse of their start order: a later task may use an
// earlier one (the kiosk app punches through the ledger the relay reads),
// never the other way round.
type taskStack struct {
	g      *errgroup.Group
	parent context.Context
	tasks  []task
}

type task struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs f in the group; its error (not a cancellation) stops the
// kiosk and is Run's result.
func (s *taskStack) start(name string, f func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(s.parent)
	t := task{cancel: cancel, done: make(chan struct{})}
	s.tasks = append(s.tasks, t)
	s.g.Go(func() error {
		defer close(t.done)
		if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}

// stop cancels the tasks from the last started to the first, waiting for
// each, and returns the group's first error.
func (s *taskStack) stop() error {
	for i := len(s.tasks) - 1; i >= 0; i-- {
		s.tasks[i].cancel()
		<-s.tasks[i].done
	}
	s.tasks = nil
	return s.g.Wait()
}

// purger is the ledger's retention run.
type purger interface {
	Purge(ctx context.Context) (ledger.PurgeReport, error)
}

// purgeOn applies the retention rules at every tick until ctx ends. A
// failed run is logged and retried at the next tick; the kiosk keeps
// working.
func purgeOn(ctx context.Context, l purger, ticks <-chan time.Time, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, err := l.Purge(ctx); err != nil {
				log.Error("scheduled purge", "err", err)
			}
		}
	}
}
