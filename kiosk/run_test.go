package kiosk_test

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"gocv.io/x/gocv"

	"clockface"
	"clockface/embeddings"
	"clockface/kiosk"
	"clockface/kiosk/flow"
	"clockface/ledger"
	"clockface/vault"
)

// Run's process tests: the real ledger, Fyne's test app, a camera that
// repeats one picture and an engine that sees one enrolled face in it, so
// the tests are about who owns and stops what, not about recognition (the
// e2e tests use the real engine and video).

var runModel = embeddings.Model{Name: "test", Version: "1", Dim: 4}

// events records, in order, when the parts Run owns stop.
type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) add(s string) { e.mu.Lock(); e.got = append(e.got, s); e.mu.Unlock() }
func (e *events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.got, ", ")
}

// stillCamera plays one picture at 25 fps, failing with fail once set.
type stillCamera struct {
	ev   *events
	img  image.Image
	fail error
}

func (c *stillCamera) Read(dst *gocv.Mat) error {
	if c.fail != nil {
		return c.fail
	}
	m, err := gocv.ImageToMatRGB(c.img)
	if err != nil {
		return err
	}
	defer m.Close()
	m.CopyTo(dst)
	return nil
}
func (c *stillCamera) FPS() float64 { return 25 }
func (c *stillCamera) Close() error { c.ev.add("camera closed"); return nil }

// oneFace is an engine that finds employee 1001's face in every frame.
type oneFace struct{ ev *events }

func (e oneFace) face() []embeddings.Face {
	return []embeddings.Face{{Box: image.Rect(16, 8, 48, 40), Embedding: embeddings.Embedding{1, 0, 0, 0}}}
}
func (e oneFace) Faces([]byte) ([]embeddings.Face, error)           { return e.face(), nil }
func (e oneFace) FacesImage(image.Image) ([]embeddings.Face, error) { return e.face(), nil }
func (e oneFace) Model() embeddings.Model                           { return runModel }
func (e oneFace) Close() error                                      { e.ev.add("engine closed"); return nil }

// relay counts wake-ups and, as it stops, checks the ledger is still open.
type relay struct {
	ev      *events
	led     *ledger.Ledger
	notify  chan struct{}
	readErr error

	mu     sync.Mutex
	last   time.Time
	online bool
}

func (r *relay) Run(ctx context.Context) {
	<-ctx.Done()
	_, r.readErr = r.led.OutboxLen(context.Background())
	r.ev.add("relay stopped")
}

func (r *relay) LastSuccess() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.online
}

func (r *relay) set(last time.Time, online bool) {
	r.mu.Lock()
	r.last, r.online = last, online
	r.mu.Unlock()
}

func (r *relay) Notify() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

type runRig struct {
	ev    *events
	led   *ledger.Ledger
	cam   *stillCamera
	relay *relay
	cfg   kiosk.Config
}

func newRunRig(t *testing.T) *runRig {
	t.Helper()
	ctx := context.Background()
	key, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(t.TempDir(), "ledger.db"), Key: key, KioskID: "run"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.AddEmployee(ctx, clockface.Employee{Number: "1001", Name: "Alice Ávila"}, "4321"); err != nil {
		t.Fatal(err)
	}
	if _, err := led.RecordConsent(ctx, clockface.Consent{EmployeeNumber: "1001", TextVersion: "v1", Locale: "en",
		TextSHA256: strings.Repeat("ab", 32), Signature: "Alice Ávila", RetentionPolicy: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := led.SaveTemplate(ctx, embeddings.Template{Owner: "1001", Model: runModel, Samples: []embeddings.Embedding{{1, 0, 0, 0}}}, "hr"); err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	r := &runRig{ev: ev, led: led, cam: &stillCamera{ev: ev, img: image.NewRGBA(image.Rect(0, 0, 64, 48))},
		relay: &relay{ev: ev, led: led, notify: make(chan struct{}, 1)}}
	th := embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.1}
	a := newSerialApp(t)
	r.cfg = kiosk.Config{Ledger: led, Engine: oneFace{ev}, Source: r.cam, Pace: true, Mode: flow.Identify,
		KioskID: "run", Thresholds: &th, Relay: r.relay, App: a}
	return r
}

// A punch wakes the relay; when Until returns, the kiosk stops the tasks
// in reverse order (the relay last, with the ledger still open), then closes
// the camera, the engine and, last, the ledger.
func TestRunPunchesWakesTheRelayAndStopsInOrder(t *testing.T) {
	r := newRunRig(t)
	punched := make(chan clockface.Punch, 1)
	r.cfg.OnPunch = func(p clockface.Punch) {
		select {
		case punched <- p:
		default:
		}
	}
	var p clockface.Punch
	r.cfg.Until = func(ctx context.Context, w fyne.Window) error {
		select {
		case p = <-punched:
		case <-ctx.Done():
			return errors.New("stopped before a punch")
		}
		<-r.relay.notify // woken for that punch
		return nil
	}
	if err := kiosk.Run(context.Background(), r.cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if p.EmployeeNumber != "1001" || p.Method != clockface.MethodFace || p.Evidence.SnapshotID == 0 {
		t.Errorf("punch: got %+v, want 1001's face punch with a snapshot", p)
	}
	if got, want := r.ev.String(), "relay stopped, camera closed, engine closed"; got != want {
		t.Errorf("stop order: got %q, want %q", got, want)
	}
	if r.relay.readErr != nil {
		t.Errorf("the relay stopped after the ledger closed: %v", r.relay.readErr)
	}
	if _, err := r.led.OutboxLen(context.Background()); err == nil {
		t.Error("the ledger is still open after Run")
	}
}

// A camera that fails no longer ends the run: the kiosk goes PIN-only and
// keeps trying; when it stops, everything is still stopped and closed.
func TestRunCameraFailureKeepsTheKioskRunning(t *testing.T) {
	r := newRunRig(t)
	r.cam.fail = errors.New("usb camera unplugged")
	failed := make(chan kiosk.CameraEvent, 8)
	r.cfg.OnCamera = func(e kiosk.CameraEvent) {
		if e.State == kiosk.CameraFailed {
			select {
			case failed <- e:
			default:
			}
		}
	}
	var got kiosk.CameraEvent
	r.cfg.Until = func(ctx context.Context, w fyne.Window) error {
		select {
		case got = <-failed:
			return nil
		case <-ctx.Done():
			return errors.New("stopped before the camera failed")
		}
	}
	if err := kiosk.Run(context.Background(), r.cfg); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got.Err == nil || !strings.Contains(got.Err.Error(), "usb camera unplugged") {
		t.Errorf("camera event: got %+v, want the camera's error", got)
	}
	if got, want := r.ev.String(), "relay stopped, camera closed, engine closed"; got != want {
		t.Errorf("stop order: got %q, want %q", got, want)
	}
}

// Run refuses a config without its parts and still closes what it got.
func TestRunNeedsItsParts(t *testing.T) {
	r := newRunRig(t)
	r.cfg.Engine = nil
	if err := kiosk.Run(context.Background(), r.cfg); err == nil || !strings.Contains(err.Error(), "need a ledger, an engine and a camera") {
		t.Fatalf("Run without an engine: got %v", err)
	}
	if got, want := r.ev.String(), "camera closed"; got != want {
		t.Errorf("closed: got %q, want %q", got, want)
	}
}
