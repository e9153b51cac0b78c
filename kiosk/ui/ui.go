// Package ui is the kiosk's Fyne screen: a live preview with the face box,
// large high-contrast prompts in English or Spanish, the PIN pad that is
// always one tap away, the confirmation with its undo button, a debug
// overlay with the decision latency, and an admin mode behind the HR PIN.
//
// Decisions live in kiosk/flow; this package only shows its State and
// forwards taps. A tap that reaches the ledger (a PIN check is Argon2id, a
// punch an fsync'd write) runs in a goroutine the UI owns (Wait waits for
// them); no Fyne callback blocks on it, and results come back through the
// machine's OnChange or fyne.Do. Other goroutines reach the widgets only
// through fyne.Do.
package ui

import (
	"context"
	"crypto/subtle"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"clockface"
	"clockface/enroll"
	"clockface/kiosk/flow"
	"clockface/kiosk/frames"
)

// Admin is what HR's admin mode needs.
type Admin interface {
	Employees(ctx context.Context) ([]clockface.Employee, error)
	Punches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error)
	// Notice is the consent text shown before enrolment, in a locale.
	Notice(locale string) (enroll.Notice, error)
	// Enrol signs the consent for who (the notice of who.Locale) and takes
	// face samples from the live camera; progress is called from another
	// goroutine.
	Enrol(ctx context.Context, who enroll.Applicant, signature string, progress func(enroll.Feedback)) (enroll.Result, error)
	// Decline records a refused consent: who punches by PIN or badge only.
	Decline(ctx context.Context, who enroll.Applicant) (clockface.Employee, error)
}

// Options configure the screen.
type Options struct {
	Lang Lang
	// HRPIN opens admin mode; empty disables it.
	HRPIN string
	Admin Admin
	// Sound, if set, is called for each new punch; it must not block.
	Sound func()
	// Debug shows the overlay: preview fps, engine time, decision latency.
	Debug bool
	Clock clockface.Clock
	// Location is the zone times are shown in (nil: time.Local).
	Location *time.Location
}

// Text sizes: large type for a kiosk read at arm's length.
const (
	titleSize = 40
	subSize   = 28
	debugSize = 16
)

// High-contrast colours: white and yellow on black.
var (
	colBackground = color.Black
	colText       = color.White
	colAccent     = color.NRGBA{R: 0xff, G: 0xd4, A: 0xff}
	colBox        = color.NRGBA{G: 0xff, A: 0xff}
)

// UI is the kiosk screen. Create it with New on the Fyne goroutine.
type UI struct {
	m    *flow.Machine
	opts Options
	txt  map[string]string
	ctx  context.Context

	Window fyne.Window

	preview *canvas.Image
	debug   *canvas.Text
	title   *canvas.Text
	sub     *canvas.Text
	thumb   *canvas.Image
	panel   *fyne.Container

	// Buttons and entries, kept for tests and for the keypad.
	LangButton, AdminButton, PINButton, UndoButton, OKButton, CancelButton *widget.Button
	Digits                                                                 [10]*widget.Button
	Backspace                                                              *widget.Button
	NumberEntry, PINEntry, HRPINEntry                                      *widget.Entry
	active                                                                 *widget.Entry

	admin *adminView

	state flow.State

	// Preview statistics, touched only on the Fyne goroutine.
	frames    int
	fpsSince  time.Time
	fps       float64
	engineDur func() time.Duration
	lastDec   flow.State // the last state that carried a face decision
	// shown counts every preview frame shown, since firstShown.
	shown      atomic.Int64
	firstShown atomic.Int64 // unix nanoseconds

	mu      sync.Mutex // guards sounded
	sounded map[string]bool

	work sync.WaitGroup // the taps' ledger work under way
}

// async runs f (a tap's slow work) off the Fyne goroutine.
func (u *UI) async(f func()) {
	u.work.Add(1)
	go func() {
		defer u.work.Done()
		f()
	}()
}

// Wait waits for the work taps started (PIN checks, punches, undo, admin
// lists) to finish.
func (u *UI) Wait() { u.work.Wait() }

// New builds the screen in w (which it fills) for machine m.
func New(ctx context.Context, w fyne.Window, m *flow.Machine, opts Options) *UI {
	if opts.Lang == "" {
		opts.Lang = English
	}
	if opts.Clock == nil {
		opts.Clock = clockface.SystemClock{}
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	u := &UI{m: m, opts: opts, txt: texts(opts.Lang), ctx: ctx, Window: w, sounded: map[string]bool{}}
	u.build()
	u.Show(m.State())
	return u
}

func bigText(size float32, c color.Color) *canvas.Text {
	t := canvas.NewText("", c)
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: true}
	t.Alignment = fyne.TextAlignCenter
	return t
}

func (u *UI) build() {
	u.preview = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 640, 480)))
	u.preview.FillMode = canvas.ImageFillContain
	u.preview.ScaleMode = canvas.ImageScaleFastest
	u.preview.SetMinSize(fyne.NewSize(640, 480))
	u.debug = canvas.NewText("", colAccent)
	u.debug.TextSize = debugSize
	u.debug.Hidden = !u.opts.Debug
	u.title = bigText(titleSize, colText)
	u.sub = bigText(subSize, colAccent)
	u.thumb = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	u.thumb.FillMode = canvas.ImageFillContain
	u.thumb.SetMinSize(fyne.NewSize(160, 160))

	u.NumberEntry = widget.NewEntry()
	u.PINEntry = widget.NewPasswordEntry()
	u.HRPINEntry = widget.NewPasswordEntry()
	for _, e := range []*widget.Entry{u.NumberEntry, u.PINEntry, u.HRPINEntry} {
		e.OnChanged = func(string) { u.m.Touch() }
		e.OnSubmitted = func(string) { u.ok() }
	}
	for d := range u.Digits {
		digit := fmt.Sprint(d)
		u.Digits[d] = widget.NewButton(digit, func() {
			if u.active != nil {
				u.active.SetText(u.active.Text + digit)
			}
		})
	}
	u.Backspace = widget.NewButtonWithIcon("", theme.ContentUndoIcon(), func() {
		if u.active != nil && u.active.Text != "" {
			u.active.SetText(u.active.Text[:len(u.active.Text)-1])
		}
	})
	u.OKButton = widget.NewButton("", u.ok)
	u.OKButton.Importance = widget.HighImportance
	u.CancelButton = widget.NewButton("", func() {
		u.clearEntries()
		if u.admin != nil {
			u.admin = nil
			u.render()
			return
		}
		u.m.Cancel()
	})
	u.PINButton = widget.NewButton("", func() {
		u.clearEntries()
		u.m.ShowPIN()
	})
	u.UndoButton = widget.NewButton("", func() { u.async(func() { u.m.Undo(u.ctx) }) })
	u.UndoButton.Importance = widget.WarningImportance
	u.LangButton = widget.NewButton("", func() {
		if u.opts.Lang == English {
			u.opts.Lang = Spanish
		} else {
			u.opts.Lang = English
		}
		u.txt = texts(u.opts.Lang)
		u.render()
	})
	u.AdminButton = widget.NewButton("", func() {
		u.clearEntries()
		u.admin = &adminView{u: u, login: true}
		u.render()
	})
	u.AdminButton.Hidden = u.opts.HRPIN == ""

	u.panel = container.NewVBox()
	bg := canvas.NewRectangle(colBackground)
	left := container.NewStack(u.preview, container.NewVBox(u.debug))
	top := container.NewHBox(layout.NewSpacer(), u.LangButton, u.AdminButton)
	body := container.NewBorder(top, nil, left, nil, container.NewPadded(u.panel))
	u.Window.SetContent(container.NewStack(bg, body))
}

// keypad is the digit pad, writing into the active entry.
func (u *UI) keypad() fyne.CanvasObject {
	d := u.Digits
	return container.NewGridWithColumns(3,
		d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], u.Backspace, d[0], u.OKButton)
}

func (u *UI) clearEntries() {
	u.NumberEntry.SetText("")
	u.PINEntry.SetText("")
	u.HRPINEntry.SetText("")
}

// ok is the keypad's OK: it moves from the number to the PIN, then submits.
func (u *UI) ok() {
	if u.admin != nil {
		u.admin.ok()
		return
	}
	s := u.state
	number := strings.TrimSpace(u.NumberEntry.Text)
	switch {
	case s.Screen == flow.Idle && s.Mode == flow.Verify:
		if number != "" {
			u.clearEntries()
			u.async(func() { u.m.Claim(u.ctx, number) })
		}
	case s.Screen == flow.AskPIN:
		if u.active == u.NumberEntry && number != "" {
			u.active = u.PINEntry
			u.render()
			return
		}
		pin := u.PINEntry.Text
		if number == "" || pin == "" {
			return
		}
		u.clearEntries()
		u.async(func() { u.m.SubmitPIN(u.ctx, number, pin) })
	}
}

// Show displays a machine state; call it on the Fyne goroutine.
func (u *UI) Show(s flow.State) {
	prev := u.state
	u.state = s
	if s.Latency > 0 {
		u.lastDec = s
	}
	if s.Screen == flow.AskPIN && prev.Screen != flow.AskPIN {
		u.NumberEntry.SetText(s.Employee.Number)
		u.PINEntry.SetText("")
		u.active = u.NumberEntry
		if s.Employee.Number != "" {
			u.active = u.PINEntry
		}
	}
	if s.Screen == flow.Idle && s.Mode == flow.Verify {
		u.active = u.NumberEntry
	}
	if s.Screen == flow.Confirm && s.Created && u.opts.Sound != nil {
		u.mu.Lock()
		first := !u.sounded[s.Punch.ID]
		u.sounded[s.Punch.ID] = true
		u.mu.Unlock()
		if first {
			u.opts.Sound()
		}
	}
	u.render()
}

// OnChange is flow.Machine's OnChange: it hands the state to the Fyne
// goroutine.
func (u *UI) OnChange(s flow.State) { fyne.Do(func() { u.Show(s) }) }

// render rebuilds the right-hand panel for the current state.
func (u *UI) render() {
	t := u.txt
	u.LangButton.SetText(t["other-lang"])
	u.AdminButton.SetText(t["admin"])
	u.PINButton.SetText(t["use-pin-button"])
	u.UndoButton.SetText(t["undo"])
	u.OKButton.SetText(t["ok"])
	u.CancelButton.SetText(t["cancel"])
	u.NumberEntry.SetPlaceHolder(t["number"])
	u.PINEntry.SetPlaceHolder(t["pin"])
	u.HRPINEntry.SetPlaceHolder(t["hr-pin"])
	u.sub.Text, u.title.Text = "", ""
	u.sub.Color = colAccent

	var objs []fyne.CanvasObject
	if u.admin != nil {
		objs = u.admin.objects()
	} else if u.m.Paused() {
		u.title.Text = t["locked-kiosk"]
		objs = []fyne.CanvasObject{u.title}
	} else {
		objs = u.screen()
	}
	u.panel.Objects = objs
	// Texts changed size: lay the whole screen out again.
	u.Window.Content().Refresh()
}

func (u *UI) screen() []fyne.CanvasObject {
	t, s := u.txt, u.state
	msg := t[string(s.Msg)]
	switch s.Screen {
	case flow.Idle:
		u.title.Text = msg
		if s.Mode == flow.Verify {
			return []fyne.CanvasObject{u.title, u.NumberEntry, u.keypad()}
		}
		return []fyne.CanvasObject{u.title, layout.NewSpacer(), u.PINButton}
	case flow.Checking:
		u.title.Text = msg
		return []fyne.CanvasObject{u.title, layout.NewSpacer(), u.PINButton}
	case flow.WaitFace:
		u.title.Text = t[string(flow.MsgLook)]
		u.sub.Text = s.Employee.Name
		return []fyne.CanvasObject{u.title, u.sub, layout.NewSpacer(), u.PINButton, u.CancelButton}
	case flow.AskPIN:
		u.title.Text = msg
		if s.Msg == flow.MsgLocked {
			u.title.Text = fmt.Sprintf(msg, clock(s.LockedUntil, u.opts.Location))
		}
		return []fyne.CanvasObject{u.title, u.NumberEntry, u.PINEntry, u.keypad(), u.CancelButton}
	case flow.Confirm:
		u.title.Text = punchLine(t, s.Punch, u.opts.Location)
		if !s.Created {
			u.title.Text = t[string(flow.MsgAlready)] + " " + clock(s.Punch.Time(), u.opts.Location)
		}
		u.sub.Text = s.Employee.Name
		objs := []fyne.CanvasObject{u.title, u.sub}
		if s.Thumbnail != nil {
			u.thumb.Image = s.Thumbnail
			u.thumb.Refresh()
			objs = append(objs, u.thumb)
		}
		if s.Created {
			objs = append(objs, u.UndoButton)
		}
		return objs
	default: // Message
		u.title.Text = msg
		if s.Msg == flow.MsgLocked {
			u.title.Text = fmt.Sprintf(msg, clock(s.LockedUntil, u.opts.Location))
		}
		return []fyne.CanvasObject{u.title, layout.NewSpacer(), u.PINButton}
	}
}

// SetFrame shows a preview frame with the face boxes drawn on a copy; call
// it on the Fyne goroutine.
func (u *UI) SetFrame(img *image.RGBA, boxes []image.Rectangle) {
	out := image.NewRGBA(img.Bounds())
	copy(out.Pix, img.Pix)
	for _, b := range boxes {
		drawBox(out, b, 3, colBox)
	}
	u.preview.Image = out
	u.preview.Refresh()
	u.frames++
	now := time.Now()
	if u.shown.Add(1) == 1 {
		u.firstShown.Store(now.UnixNano())
	}
	if u.fpsSince.IsZero() {
		u.fpsSince = now
	}
	if d := now.Sub(u.fpsSince); d >= time.Second {
		u.fps = float64(u.frames) / d.Seconds()
		u.frames, u.fpsSince = 0, now
		u.updateDebug()
	}
}

// FPS is the preview's measured frame rate over the last second.
func (u *UI) FPS() float64 { return u.fps }

// MeanFPS is the preview's frame rate since its first frame; safe from any
// goroutine.
func (u *UI) MeanFPS() float64 {
	n, first := u.shown.Load(), u.firstShown.Load()
	if n < 2 {
		return 0
	}
	return float64(n-1) / time.Since(time.Unix(0, first)).Seconds()
}

func (u *UI) updateDebug() {
	if !u.opts.Debug {
		return
	}
	var eng time.Duration
	if u.engineDur != nil {
		eng = u.engineDur()
	}
	u.debug.Text = fmt.Sprintf("preview %.1f fps · engine %d ms · face→decision %d ms (%s) · enrolled %d",
		u.fps, eng.Milliseconds(), u.lastDec.Latency.Milliseconds(), u.lastDec.Band, u.m.Enrolled())
	u.debug.Refresh()
}

// Preview feeds frames from slot to the screen until ctx ends: the latest
// frame only, through fyne.Do. boxes returns the face boxes to draw on the
// frame with that capture number, and engine the engine's mean time, for the
// overlay.
func (u *UI) Preview(ctx context.Context, slot *frames.Slot, boxes func(seq uint64) []image.Rectangle, engine func() time.Duration) {
	fyne.Do(func() { u.engineDur = engine })
	for {
		f, err := slot.Wait(ctx)
		if err != nil {
			return
		}
		b := boxes(f.Seq)
		done := make(chan struct{})
		fyne.Do(func() {
			defer close(done)
			// A frame queued just before shutdown must not touch widgets
			// once the Fyne loop is ending.
			if ctx.Err() == nil {
				u.SetFrame(f.Image, b)
			}
		})
		// Wait for this frame to be shown before taking the next, so a slow
		// screen drops frames in the slot instead of queueing callbacks.
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

func drawBox(img *image.RGBA, r image.Rectangle, w int, c color.Color) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return
	}
	src := image.NewUniform(c)
	for _, e := range []image.Rectangle{
		{r.Min, image.Pt(r.Max.X, r.Min.Y+w)}, {image.Pt(r.Min.X, r.Max.Y-w), r.Max},
		{r.Min, image.Pt(r.Min.X+w, r.Max.Y)}, {image.Pt(r.Max.X-w, r.Min.Y), r.Max},
	} {
		draw.Draw(img, e.Intersect(img.Bounds()), src, image.Point{}, draw.Src)
	}
}

// adminView is HR's mode: log in with the HR PIN, then list employees and
// today's punches, enrol a face, lock the kiosk.
type adminView struct {
	u     *UI
	login bool
	out   *widget.Label
	// enrolment form
	enrolForm                     bool
	notice                        *widget.Label
	Number, Name, PIN, Signature  *widget.Entry
	Employees, Today, Enrol, Lock *widget.Button
	Start, Decline, Close         *widget.Button
	enrolling                     bool
}

func (a *adminView) ok() {
	u := a.u
	if !a.login {
		return
	}
	pin := u.HRPINEntry.Text
	u.HRPINEntry.SetText("")
	if subtle.ConstantTimeCompare([]byte(pin), []byte(u.opts.HRPIN)) != 1 {
		u.title.Text = u.txt[string(flow.MsgWrongPIN)]
		u.title.Refresh()
		return
	}
	a.login = false
	t := u.txt
	a.out = widget.NewLabel("")
	a.out.Wrapping = fyne.TextWrapWord
	a.Employees = widget.NewButton(t["employees"], a.listEmployees)
	a.Today = widget.NewButton(t["today"], a.listToday)
	a.Enrol = widget.NewButton(t["enrol"], a.showNotice)
	a.Lock = widget.NewButton("", func() {
		u.m.Pause(!u.m.Paused())
		a.u.render()
	})
	a.Close = widget.NewButton(t["close"], func() { u.admin = nil; u.render() })
	a.Number, a.Name, a.PIN, a.Signature = widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry(), widget.NewEntry()
	a.Number.SetPlaceHolder(t["number"])
	a.Name.SetPlaceHolder(t["name"])
	a.PIN.SetPlaceHolder(t["pin"])
	a.Signature.SetPlaceHolder(t["signature"])
	a.notice = widget.NewLabel("")
	a.notice.Wrapping = fyne.TextWrapWord
	a.Start = widget.NewButton(t["start"], a.startEnrol)
	a.Decline = widget.NewButton(t["decline"], a.decline)
	u.render()
}

func (a *adminView) objects() []fyne.CanvasObject {
	u, t := a.u, a.u.txt
	if a.login {
		u.title.Text = t["hr-pin"]
		u.active = u.HRPINEntry
		return []fyne.CanvasObject{u.title, u.HRPINEntry, u.keypad(), u.CancelButton}
	}
	u.title.Text = t["admin"]
	if u.m.Paused() {
		a.Lock.SetText(t["unlock"])
	} else {
		a.Lock.SetText(t["lock"])
	}
	objs := []fyne.CanvasObject{u.title, container.NewGridWithColumns(2, a.Employees, a.Today, a.Enrol, a.Lock)}
	if a.enrolForm {
		scroll := container.NewVScroll(a.notice)
		scroll.SetMinSize(fyne.NewSize(560, 180))
		objs = append(objs, scroll, a.Number, a.Name, a.PIN, a.Signature, container.NewGridWithColumns(2, a.Start, a.Decline))
	}
	return append(objs, a.out, a.Close)
}

// show sets the admin output from another goroutine.
func (a *adminView) show(text string) { fyne.Do(func() { a.out.SetText(text) }) }

func (a *adminView) listEmployees() {
	a.u.async(a.employees)
}

func (a *adminView) employees() {
	es, err := a.u.opts.Admin.Employees(a.u.ctx)
	if err != nil {
		a.show(err.Error())
		return
	}
	var b strings.Builder
	for _, e := range es {
		face := "PIN"
		if e.FaceAllowed() {
			face = "face+PIN"
		}
		fmt.Fprintf(&b, "%s  %s  (%s, %s)\n", e.Number, e.Name, e.Status, face)
	}
	a.show(b.String())
}

func (a *adminView) listToday() {
	now := a.u.opts.Clock.Now().In(a.u.opts.Location)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	a.u.async(func() { a.today(from) })
}

func (a *adminView) today(from time.Time) {
	ps, err := a.u.opts.Admin.Punches(a.u.ctx, from, from.AddDate(0, 0, 1))
	if err != nil {
		a.show(err.Error())
		return
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Time().Before(ps[j].Time()) })
	var b strings.Builder
	for _, p := range ps {
		void := ""
		if p.Voided != nil {
			void = " (void)"
		}
		fmt.Fprintf(&b, "%s  %s  %s  %s%s\n", clock(p.Time(), a.u.opts.Location), p.EmployeeNumber, p.Kind, p.Method, void)
	}
	a.show(b.String())
}

// showNotice opens the enrolment form with the consent notice in the
// kiosk's language: the person reads it, then signs or declines.
func (a *adminView) showNotice() {
	n, err := a.u.opts.Admin.Notice(string(a.u.opts.Lang))
	if err != nil {
		a.out.SetText(err.Error())
		return
	}
	a.notice.SetText(string(n.Text))
	a.enrolForm = true
	a.u.render()
}

func (a *adminView) applicant() enroll.Applicant {
	return enroll.Applicant{Number: strings.TrimSpace(a.Number.Text), Name: strings.TrimSpace(a.Name.Text), PIN: a.PIN.Text, Locale: string(a.u.opts.Lang)}
}

// decline records a refused consent: a PIN/badge-only employee.
func (a *adminView) decline() {
	who := a.applicant()
	if who.Number == "" {
		return
	}
	declined := a.u.txt["declined"]
	a.u.async(func() { // the PIN is hashed with Argon2id
		e, err := a.u.opts.Admin.Decline(a.u.ctx, who)
		if err != nil {
			a.show(err.Error())
			return
		}
		a.show(fmt.Sprintf(declined, e.Name))
	})
}

// startEnrol runs an enrolment from the live camera in the background.
func (a *adminView) startEnrol() {
	if a.enrolling {
		return
	}
	who := a.applicant()
	sig := strings.TrimSpace(a.Signature.Text)
	if who.Number == "" || sig == "" {
		return
	}
	a.enrolling = true
	t := a.u.txt
	out := a.out
	a.u.async(func() {
		res, err := a.u.opts.Admin.Enrol(a.u.ctx, who, sig, func(fb enroll.Feedback) {
			line := fmt.Sprintf(t["progress"], fb.Progress, fb.Of)
			if !fb.Accepted && fb.Reason != "" {
				line += " · " + fb.Reason.Text(string(a.u.opts.Lang))
			}
			fyne.Do(func() { out.SetText(line) })
		})
		fyne.Do(func() {
			a.enrolling = false
			if err != nil {
				out.SetText(err.Error())
				return
			}
			out.SetText(fmt.Sprintf(t["enrolled"], res.Employee.Name))
		})
	})
}
