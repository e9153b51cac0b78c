package ui

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"clockface"
	"clockface/attendance"
	"clockface/kiosk/flow"
)

var shots = flag.String("shots", "", "write every screen TestEveryScreenFits renders into this folder, to look at")

// The window sizes the kiosk must fit: portrait tablet to full HD.
var screenSizes = []fyne.Size{{Width: 800, Height: 1280}, {Width: 1024, Height: 768}, {Width: 1280, Height: 800}, {Width: 1920, Height: 1080}}

// screenCase is one screen to render: set puts the UI into it.
type screenCase struct {
	name string
	set  func(r *rig)
}

func show(s flow.State) func(r *rig) { return func(r *rig) { r.u.Show(s) } }

// allScreens is every screen, with every message where a screen shows one.
func allScreens(r *rig) []screenCase {
	now := r.clock.Now()
	ana := clockface.Employee{Number: "E100", Name: "Ana María Fernández-Villaverde", Locale: ""}
	punch := clockface.Punch{ID: "p1", EmployeeNumber: "E100", Kind: clockface.PunchIn, At: now, Method: clockface.MethodFace}
	thumb := image.NewRGBA(image.Rect(0, 0, 120, 150))
	cs := []screenCase{
		{"idle", show(flow.State{Screen: flow.Idle, Msg: flow.MsgLook, Mode: flow.Identify})},
		{"idle-verify", show(flow.State{Screen: flow.Idle, Msg: flow.MsgTypeNumber, Mode: flow.Verify})},
		{"checking-identifying", show(flow.State{Screen: flow.Checking, Msg: flow.MsgIdentifying})},
		{"wait-face", show(flow.State{Screen: flow.WaitFace, Msg: flow.MsgLook, Employee: ana})},
		{"choose-in", show(flow.State{Screen: flow.Choose, Msg: flow.MsgChoose, Employee: ana, Kinds: []clockface.PunchKind{clockface.PunchOut, clockface.BreakStart},
			Status: attendance.Status{Kind: clockface.PunchIn, Since: now.Add(-3 * time.Hour)}, ChooseUntil: now.Add(3 * time.Second), Thumbnail: thumb})},
		{"choose-break", show(flow.State{Screen: flow.Choose, Msg: flow.MsgChoose, Employee: ana, Kinds: []clockface.PunchKind{clockface.BreakEnd, clockface.PunchOut},
			Status: attendance.Status{Kind: clockface.BreakStart, Since: now.Add(-10 * time.Minute)}})},
		{"confirm", show(flow.State{Screen: flow.Confirm, Msg: flow.MsgPunched, Employee: ana, Punch: punch, Created: true, UndoUntil: now.Add(5 * time.Second), Thumbnail: thumb})},
		{"confirm-already", show(flow.State{Screen: flow.Confirm, Msg: flow.MsgAlready, Employee: ana, Punch: punch})},
		{"pin-wrong-1", show(flow.State{Screen: flow.AskPIN, Msg: flow.MsgWrongPIN, Employee: clockface.Employee{Number: "E100"}, TriesLeft: 1, LockFor: 30 * time.Second})},
		{"pin-wrong-2", show(flow.State{Screen: flow.AskPIN, Msg: flow.MsgWrongPIN, Employee: clockface.Employee{Number: "E100"}, TriesLeft: 2, LockFor: 30 * time.Second})},
		{"pin-letters", func(r *rig) {
			r.u.Show(flow.State{Screen: flow.AskPIN, Msg: flow.MsgUsePIN})
			test.Tap(r.u.LettersButton)
		}},
		{"camera-down", func(r *rig) {
			r.u.cameraDown = true
			r.u.Show(flow.State{Screen: flow.Idle, Msg: flow.MsgLook})
		}},
		{"admin-login", func(r *rig) { test.Tap(r.u.AdminButton) }},
		{"admin-enrol", func(r *rig) {
			test.Tap(r.u.AdminButton)
			test.Type(r.u.HRPINEntry, "9999")
			test.Tap(r.u.OKButton)
			r.u.Wait()
			test.Tap(r.u.admin.Enrol)
			r.u.admin.idleWarn(r)
		}},
		{"out-of-service", func(r *rig) { r.m.Pause(true) }},
		{"out-of-service-reason", func(r *rig) {
			r.u.opts.OutOfService = "Closed for the stock count until Monday 06:00, sorry for the walk."
			r.u.opts.ClockElsewhere = "Please clock in at the kiosk by the loading bay in Building B."
			r.m.Pause(true)
		}},
		{"idle-online", withStatus(SyncStatus{Online: true, LastSync: now.Add(-27 * time.Minute)})},
		{"idle-offline", withStatus(SyncStatus{Waiting: 12, LastSync: now.Add(-3 * time.Hour)})},
		{"camera-down-typing", func(r *rig) {
			r.u.CameraFailed(true)
			r.u.Show(flow.State{Screen: flow.Idle, Msg: flow.MsgLook})
			for _, d := range "1001" {
				test.Tap(r.u.Digits[d-'0'])
			}
			test.Tap(r.u.OKButton)
			test.Tap(r.u.Digits[4])
		}},
	}
	cs = append(cs, wizardScreens(r, r.t)...)
	for _, m := range flow.Msgs {
		for _, sc := range []flow.Screen{flow.AskPIN, flow.Message} {
			s := flow.State{Screen: sc, Msg: m, Employee: clockface.Employee{Number: "E100"}}
			if m == flow.MsgLocked {
				s.LockedUntil, s.LockedAccount = now.Add(30*time.Second), "E100"
			}
			cs = append(cs, screenCase{fmt.Sprintf("%s-%s", sc, m), show(s)})
		}
		if m == flow.MsgTurnLeft || m == flow.MsgTurnRight || m == flow.MsgCloser || m == flow.MsgMoveHead || m == flow.MsgHoldStill {
			cs = append(cs, screenCase{"checking-" + string(m), show(flow.State{Screen: flow.Checking, Msg: m, Employee: ana, Progress: 0.4, Retries: 1})})
		}
	}
	return cs
}

// fixedStatus is a sync chip that always says the same.
type fixedStatus SyncStatus

func (s fixedStatus) SyncStatus(context.Context) (SyncStatus, error) { return SyncStatus(s), nil }

// withStatus shows the attract screen with the sync chip at st.
func withStatus(st SyncStatus) func(r *rig) {
	return func(r *rig) {
		r.u.opts.Status = fixedStatus(st)
		r.u.refreshStatus()
		r.u.Wait()
		r.u.Show(flow.State{Screen: flow.Idle, Msg: flow.MsgLook, Mode: flow.Identify})
	}
}

// reset brings the rig back to the idle screen.
func (r *rig) reset() {
	r.m.Pause(false)
	r.m.Cancel()
	if r.u.wizard != nil {
		r.u.closeWizard()
	}
	r.u.admin, r.u.cameraDown, r.u.letters = nil, false, false
	r.u.opts.Status, r.u.status = nil, SyncStatus{}
	r.u.opts.OutOfService, r.u.opts.ClockElsewhere = "", ""
	r.u.active = nil
	r.u.Show(r.m.State())
}

// idleWarn lets admin mode sit until its sign-out warning shows.
func (a *adminView) idleWarn(r *rig) {
	r.clock.Add(r.u.opts.AdminIdle - adminWarning/2)
	r.u.Tick()
}

// TestEveryScreenFits renders every screen and message, in English and
// Spanish, at every supported size, and fails when an object lies outside
// the window or a text is clipped (its least size wider or taller than the
// size it got).
func TestEveryScreenFits(t *testing.T) {
	for _, lang := range Langs() {
		for _, size := range screenSizes {
			r := newRig(t, flow.Identify) // one rig per size, reset between screens
			for _, c := range allScreens(r) {
				t.Run(fmt.Sprintf("%s/%vx%v/%s", lang, size.Width, size.Height, c.name), func(t *testing.T) {
					r.reset()
					r.u.opts.Lang = lang
					r.u.setLang(lang)
					r.u.Window.Resize(size)
					c.set(r)
					r.u.render()
					checkFits(t, r.u.Window)
					if *shots != "" {
						writePNG(t, filepath.Join(*shots, fmt.Sprintf("%s_%s_%vx%v.png", c.name, lang, size.Width, size.Height)), r.u.Window.Canvas().Capture())
					}
				})
			}
		}
	}
}

func checkFits(t *testing.T, w fyne.Window) {
	t.Helper()
	win := w.Canvas().Size()
	var walk func(o fyne.CanvasObject, at fyne.Position, path string)
	walk = func(o fyne.CanvasObject, at fyne.Position, path string) {
		if !o.Visible() {
			return
		}
		pos := at.Add(o.Position())
		sz := o.Size()
		const eps = 1
		if pos.X < -eps || pos.Y < -eps || pos.X+sz.Width > win.Width+eps || pos.Y+sz.Height > win.Height+eps {
			t.Errorf("%s %T at %v size %v lies outside the %v window", path, o, pos, sz, win)
			return
		}
		clipped := func(text string) {
			if min := o.MinSize(); min.Width > sz.Width+eps || min.Height > sz.Height+eps {
				t.Errorf("%s: text %q clipped: needs %v, has %v", path, text, min, sz)
			}
		}
		switch v := o.(type) {
		case *widget.Label:
			clipped(v.Text)
		case *canvas.Text:
			clipped(v.Text)
		case *widget.Button:
			clipped(v.Text)
		case *container.Scroll:
			return // scrolled content may be larger than its viewport
		}
		switch v := o.(type) {
		case *fyne.Container:
			for i, c := range v.Objects {
				walk(c, pos, fmt.Sprintf("%s/%d", path, i))
			}
		case fyne.Widget:
			for i, c := range test.WidgetRenderer(v).Objects() {
				walk(c, pos, fmt.Sprintf("%s/%T%d", path, v, i))
			}
		}
	}
	walk(w.Content(), fyne.Position{}, "")
}

// TestGoldenScreens keeps images of the main states (English, a landscape
// and the portrait size) in testdata; -update rewrites them and the
// README's screenshots in docs/screens.
func TestGoldenScreens(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 800, Height: 1280}} {
		for _, name := range []string{"idle", "choose-in", "confirm", "pin-wrong-1", "admin-enrol", "checking-turn-left",
			"idle-online", "idle-offline", "out-of-service", "camera-down"} {
			r := newRig(t, flow.Identify)
			r.u.Window.Resize(size)
			var c screenCase
			for _, x := range allScreens(r) {
				if x.name == name {
					c = x
				}
			}
			c.set(r)
			r.u.render()
			file := fmt.Sprintf("%s_%vx%v.png", name, size.Width, size.Height)
			img := r.u.Window.Canvas().Capture()
			if *update {
				writePNG(t, filepath.Join("testdata", file), img)
				if readme[name] && (size.Width < size.Height || name != "admin-enrol") {
					writePNG(t, filepath.Join("..", "..", "docs", "screens", strings.TrimSuffix(file, ".png")+".png"), img)
				}
				continue
			}
			test.AssertImageMatches(t, file, img)
		}
	}
}

// readme names the screens the README shows.
var readme = map[string]bool{"idle": true, "confirm": true, "pin-wrong-1": true, "admin-enrol": true,
	"idle-online": true, "idle-offline": true, "out-of-service": true, "camera-down": true}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
