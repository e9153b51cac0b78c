// Package ui is the kiosk's Fyne screen: an attract screen (time, date,
// company and site, sync status), a mirrored live preview with the face
// box once a face is near, large high-contrast prompts that wrap (English
// or Spanish, the employee's own once identified), the choice of punch
// kinds, the PIN pad with large keys and a letters mode that is always one
// tap away, the confirmation with its undo button, a debug overlay with
// the decision latency, and an admin mode behind the ledger's HR PIN that
// signs out when idle and opens the enrolment wizard (enrol.go, its logic
// in wizard.go).
//
// The preview and the panel share the window in fixed proportions: side by
// side in landscape, stacked in portrait (splitLayout); texts wrap inside
// their column and never widen it.
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
	"errors"
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
	// HasHRPIN says whether an HR PIN is set (the HR entry shows only
	// then); CheckHRPIN checks one, with the ledger's lockout and audit.
	HasHRPIN(ctx context.Context) (bool, error)
	CheckHRPIN(ctx context.Context, pin string) error
	Employees(ctx context.Context) ([]clockface.Employee, error)
	Punches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error)
	// Notice is the consent text shown before enrolment, in a locale.
	Notice(locale string) (enroll.Notice, error)
	// Enrol enrols who, a new employee, with the consent they signed (the
	// notice of who.Locale) and face samples from the live camera, and
	// stores it all at the end in one transaction: an error (a duplicate
	// face, ctx cancelled) leaves nothing stored. progress is called from
	// another goroutine.
	Enrol(ctx context.Context, who enroll.Applicant, signature string, progress func(enroll.Feedback)) (enroll.Result, error)
	// Decline records a refused consent: who, a new employee with a PIN,
	// punches by PIN or badge only.
	Decline(ctx context.Context, who enroll.Applicant) (clockface.Employee, error)
}

// SyncStatus is the kiosk's link to the hub, for the attract screen's chip.
type SyncStatus struct {
	Online   bool
	LastSync time.Time // zero: never
	Waiting  int       // punches and changes in the outbox
}

// StatusSource reports the sync status; it must be quick (no network).
type StatusSource interface {
	SyncStatus(ctx context.Context) (SyncStatus, error)
}

// Cue names the sound of an event.
type Cue int

const (
	CueIn Cue = iota
	CueOut
	CueError
)

// DefaultAdminIdle signs HR out of admin mode after this long untouched;
// the warning shows for the last adminWarning of it.
const (
	DefaultAdminIdle = 60 * time.Second
	adminWarning     = 10 * time.Second
)

// Options configure the screen.
type Options struct {
	// Lang is the kiosk's default language, shown at idle.
	Lang  Lang
	Admin Admin
	// Sound, if set, is called for each new punch (CueIn or CueOut) and
	// each refusal (CueError); it must not block.
	Sound func(Cue)
	// Debug shows the overlay: preview fps, engine time, decision latency.
	Debug bool
	Clock clockface.Clock
	// Location is the zone times are shown in (nil: time.Local).
	Location *time.Location
	// Company and Site are shown on the attract screen.
	Company, Site string
	// Status, if set, feeds the attract screen's sync chip.
	Status StatusSource
	// AdminIdle: 0 means DefaultAdminIdle.
	AdminIdle time.Duration
	// OutOfService is why the kiosk is out of service and ClockElsewhere
	// where to clock instead, each a sentence shown as given whatever the
	// language (empty: the catalogue's "HR has closed this kiosk." and
	// "Please clock in at another kiosk or at the HR office.").
	OutOfService, ClockElsewhere string
}

// Field is a text entry of the kiosk's forms: it tells the screen when it
// gets the focus (so the keypad types into it), and a PIN field has no
// reveal button.
type Field struct {
	widget.Entry
	onFocus func()
}

func newField(password bool, onFocus func()) *Field {
	f := &Field{onFocus: onFocus}
	f.Password = password
	if password {
		// No reveal eye: an empty action item takes its place.
		none := canvas.NewRectangle(color.Transparent)
		f.ActionItem = none
	}
	f.ExtendBaseWidget(f)
	return f
}

// FocusGained makes the field the keypad's target.
func (f *Field) FocusGained() {
	f.Entry.FocusGained()
	if f.onFocus != nil {
		f.onFocus()
	}
}

// UI is the kiosk screen. Create it with New on the Fyne goroutine.
type UI struct {
	m    *flow.Machine
	opts Options
	lang Lang // the language shown now
	txt  map[string]string
	ctx  context.Context

	Window fyne.Window

	preview *canvas.Image
	attract *fyne.Container
	debug   *canvas.Text
	title   *widget.Label
	sub     *widget.Label
	note    *widget.Label // third line: status, warnings
	thumb   *canvas.Image
	panel   *fyne.Container
	clockT  *widget.Label
	dateT   *widget.Label
	placeT  *widget.Label
	walkT   *widget.Label
	chipT   *widget.Label
	// attractShown is the attract labels' text as last refreshed.
	attractShown [4]string
	progress     *widget.ProgressBar

	// Buttons and entries, kept for tests and for the keypad.
	LangButton, AdminButton, PINButton, UndoButton, OKButton, CancelButton *widget.Button
	LettersButton                                                          *widget.Button
	Digits                                                                 [10]*widget.Button
	Letters                                                                [26]*widget.Button
	Backspace                                                              *widget.Button
	// Kinds are the Choose screen's buttons, the likely kind first.
	Kinds                             []*widget.Button
	NumberEntry, PINEntry, HRPINEntry *Field
	active                            *Field
	letters                           bool // the keypad shows letters

	admin *adminView
	// wizard is the enrolment wizard when open (enrol.go); root is the
	// screen it replaces.
	wizard *enrolView
	root   fyne.CanvasObject
	// cameraDown: the camera failed; the screen is PIN-only.
	cameraDown bool
	faceNear   time.Time // when a face box was last drawn
	status     SyncStatus
	hasHRPIN   bool

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
	if opts.AdminIdle <= 0 {
		opts.AdminIdle = DefaultAdminIdle
	}
	u := &UI{m: m, opts: opts, lang: opts.Lang, txt: texts(opts.Lang), ctx: ctx, Window: w, sounded: map[string]bool{}}
	u.build()
	u.Show(m.State())
	if opts.Admin != nil {
		u.async(func() {
			has, err := opts.Admin.HasHRPIN(ctx)
			fyne.Do(func() {
				u.hasHRPIN = err == nil && has
				u.render()
			})
		})
	}
	u.refreshStatus()
	return u
}

func label(size fyne.ThemeSizeName, imp widget.Importance) *widget.Label {
	l := widget.NewLabel("")
	l.SizeName = size
	l.Importance = imp
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// sized gives o a least size (keys of keySize and up).
func sized(o fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, h))
	return container.NewStack(r, o)
}

func (u *UI) build() {
	u.preview = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 640, 480)))
	u.preview.FillMode = canvas.ImageFillContain
	u.preview.ScaleMode = canvas.ImageScaleFastest
	u.preview.SetMinSize(fyne.NewSize(160, 120)) // scales down with the window
	u.debug = canvas.NewText("", colAccent)
	u.debug.TextSize = debugSize
	u.debug.Hidden = !u.opts.Debug
	u.title = label(sizeTitle, widget.MediumImportance)
	u.sub = label(sizeSub, widget.WarningImportance)
	u.note = label(theme.SizeNameText, widget.MediumImportance)
	u.thumb = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	u.thumb.FillMode = canvas.ImageFillContain
	u.thumb.SetMinSize(fyne.NewSize(120, 120))
	u.progress = widget.NewProgressBar()
	u.clockT = label(sizeClock, widget.MediumImportance)
	u.dateT = label(sizeSub, widget.MediumImportance)
	u.placeT = label(sizeSub, widget.WarningImportance)
	u.walkT = label(sizeTitle, widget.MediumImportance)
	u.chipT = label(theme.SizeNameText, widget.MediumImportance)
	u.attract = container.NewVBox(layout.NewSpacer(), u.clockT, u.dateT, u.placeT, layout.NewSpacer(), u.chipT)

	u.NumberEntry = newField(false, func() { u.setActive(u.NumberEntry) })
	u.PINEntry = newField(true, func() { u.setActive(u.PINEntry) })
	u.HRPINEntry = newField(true, func() { u.setActive(u.HRPINEntry) })
	for _, e := range []*Field{u.NumberEntry, u.PINEntry, u.HRPINEntry} {
		e.OnChanged = func(string) { u.touch() }
		e.OnSubmitted = func(string) { u.ok() }
	}
	typeKey := func(k string) func() {
		return func() {
			if u.active != nil {
				u.active.SetText(u.active.Text + k)
			}
		}
	}
	for d := range u.Digits {
		u.Digits[d] = widget.NewButton(fmt.Sprint(d), typeKey(fmt.Sprint(d)))
	}
	for i := range u.Letters {
		l := string(rune('A' + i))
		u.Letters[i] = widget.NewButton(l, typeKey(l))
	}
	u.Backspace = widget.NewButton("⌫", func() {
		if u.active != nil && u.active.Text != "" {
			r := []rune(u.active.Text)
			u.active.SetText(string(r[:len(r)-1]))
		}
	})
	u.LettersButton = widget.NewButton("", func() {
		u.letters = !u.letters
		u.render()
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
	u.PINButton.Importance = widget.HighImportance
	u.UndoButton = widget.NewButton("", func() { u.async(func() { u.m.Undo(u.ctx) }) })
	u.UndoButton.Importance = widget.WarningImportance
	u.LangButton = widget.NewButton("", func() {
		if u.lang == English {
			u.setLang(Spanish)
		} else {
			u.setLang(English)
		}
		u.render()
	})
	u.AdminButton = widget.NewButton("", func() {
		u.clearEntries()
		u.admin = &adminView{u: u, login: true, last: u.opts.Clock.Now()}
		u.render()
	})
	u.AdminButton.Importance = widget.LowImportance // unobtrusive

	u.panel = container.NewVBox()
	bg := canvas.NewRectangle(colBackground)
	left := container.NewStack(u.preview, u.attract, container.NewVBox(u.debug))
	u.root = container.NewStack(bg, container.New(splitLayout{}, left, container.NewPadded(u.panel)))
	u.Window.SetContent(u.root)
}

func (u *UI) setLang(l Lang) {
	u.lang = l
	u.txt = texts(l)
}

func (u *UI) setActive(f *Field) {
	if u.active == f {
		return
	}
	u.active = f
	if f != u.NumberEntry {
		u.letters = false
	}
	u.render()
}

// touch keeps the PIN pad and admin mode open while someone types.
func (u *UI) touch() {
	u.m.Touch()
	if u.admin != nil {
		u.admin.last = u.opts.Clock.Now()
	}
}

// keypad is the digit (or letter) pad, writing into the active entry.
func (u *UI) keypad() fyne.CanvasObject {
	k := func(b *widget.Button) fyne.CanvasObject { return sized(b, keySize, keySize) }
	if u.letters && u.active == u.NumberEntry {
		objs := make([]fyne.CanvasObject, 0, 30)
		for _, b := range u.Letters {
			objs = append(objs, k(b))
		}
		objs = append(objs, k(u.LettersButton), k(u.Backspace))
		return container.NewVBox(container.NewGridWithColumns(6, objs...), k(u.OKButton))
	}
	d := u.Digits
	objs := []fyne.CanvasObject{k(d[1]), k(d[2]), k(d[3]), k(d[4]), k(d[5]), k(d[6]), k(d[7]), k(d[8]), k(d[9]), k(u.Backspace), k(d[0]), k(u.OKButton)}
	if u.active == u.NumberEntry {
		objs = append(objs, k(u.LettersButton))
	}
	return container.NewGridWithColumns(3, objs...)
}

// field is an entry with its highlight: a thick yellow frame and a ▶
// marker when it is the keypad's target (never colour alone).
func (u *UI) field(f *Field) fyne.CanvasObject {
	frame := canvas.NewRectangle(color.Transparent)
	mark := widget.NewLabel("  ")
	if f == u.active {
		frame.StrokeColor, frame.StrokeWidth = colAccent, 4
		mark.SetText("▶")
		mark.Importance = widget.WarningImportance
	}
	return container.NewBorder(nil, nil, mark, nil, container.NewStack(frame, container.NewPadded(f)))
}

func (u *UI) clearEntries() {
	u.NumberEntry.SetText("")
	u.PINEntry.SetText("")
	u.HRPINEntry.SetText("")
	u.letters = false
}

// ok is the keypad's OK: it moves from the number to the PIN, then submits.
func (u *UI) ok() {
	if u.admin != nil {
		u.admin.ok()
		return
	}
	s := u.state
	number := strings.ToUpper(strings.TrimSpace(u.NumberEntry.Text))
	switch {
	case u.pinOnly():
		if u.active != u.PINEntry && number != "" {
			u.letters = false
			u.setActive(u.PINEntry)
			return
		}
		pin := u.PINEntry.Text
		if number == "" || pin == "" {
			return
		}
		u.PINEntry.SetText("")
		u.async(func() { u.m.SubmitPIN(u.ctx, number, pin) })
	case s.Screen == flow.Idle && s.Mode == flow.Verify:
		if number != "" {
			u.clearEntries()
			u.async(func() { u.m.Claim(u.ctx, number) })
		}
	case s.Screen == flow.AskPIN:
		if u.active == u.NumberEntry && number != "" {
			u.letters = false
			u.setActive(u.PINEntry)
			return
		}
		pin := u.PINEntry.Text
		if number == "" || pin == "" {
			return
		}
		u.PINEntry.SetText("") // the number stays for a retry
		u.async(func() { u.m.SubmitPIN(u.ctx, number, pin) })
	}
}

// pinOnly: the camera is down and the screen is its PIN pad.
func (u *UI) pinOnly() bool {
	s := u.state
	return u.cameraDown && u.admin == nil && (s.Screen == flow.Idle || s.Screen == flow.Checking || s.Screen == flow.WaitFace)
}

// Show displays a machine state; call it on the Fyne goroutine.
func (u *UI) Show(s flow.State) {
	prev := u.state
	u.state = s
	if s.Latency > 0 {
		u.lastDec = s
	}
	switch {
	case s.Screen == flow.Idle && prev.Screen != flow.Idle:
		u.setLang(u.opts.Lang) // the next person starts in the kiosk's language
		u.clearEntries()
	case s.Employee.Locale != "" && s.Employee.Name != "":
		if l, err := ParseLang(s.Employee.Locale); err == nil {
			u.setLang(l) // the employee's own language once identified
		}
	}
	if s.Screen == flow.AskPIN && (prev.Screen != flow.AskPIN || s.Employee.Number != "" && u.NumberEntry.Text == "") {
		if s.Employee.Number != "" || prev.Screen != flow.AskPIN {
			u.NumberEntry.SetText(s.Employee.Number)
		}
		u.PINEntry.SetText("")
		u.active = u.NumberEntry
		if s.Employee.Number != "" {
			u.active = u.PINEntry
		}
	}
	if s.Screen == flow.Idle && s.Mode == flow.Verify {
		u.active = u.NumberEntry
	}
	if u.opts.Sound != nil {
		switch {
		case s.Screen == flow.Confirm && s.Created:
			u.mu.Lock()
			first := !u.sounded[s.Punch.ID]
			u.sounded[s.Punch.ID] = true
			u.mu.Unlock()
			if first {
				cue := CueIn
				if s.Punch.Kind == clockface.PunchOut || s.Punch.Kind == clockface.BreakStart {
					cue = CueOut
				}
				u.opts.Sound(cue)
			}
		case s.Screen != prev.Screen || s.Msg != prev.Msg:
			switch s.Msg {
			case flow.MsgNotRecognised, flow.MsgWrongPIN, flow.MsgLocked, flow.MsgLivenessFailed, flow.MsgError:
				u.opts.Sound(CueError)
			}
		}
	}
	u.render()
}

// OnChange is flow.Machine's OnChange: it hands the state to the Fyne
// goroutine.
func (u *UI) OnChange(s flow.State) { fyne.Do(func() { u.Show(s) }) }

// CameraFailed turns the screen PIN-only (true) or back; from any goroutine.
func (u *UI) CameraFailed(down bool) {
	fyne.Do(func() {
		if u.cameraDown == down {
			return
		}
		u.cameraDown = down
		if down && u.active == nil {
			u.active = u.NumberEntry
		}
		u.render()
	})
}

// Tick updates what changes with time: the attract clock, the sync chip,
// the countdowns, and admin mode's idle sign-out. The kiosk calls it about
// once a second, on the Fyne goroutine.
func (u *UI) Tick() {
	if u.wizard != nil {
		u.wizard.tick()
		return
	}
	if a := u.admin; a != nil && !a.login {
		idle := u.opts.Clock.Now().Sub(a.last)
		if idle >= u.opts.AdminIdle {
			u.admin = nil
			u.clearEntries()
			u.render() // signed out: the admin panel must go at once
		}
	}
	u.refreshStatus()
	s := u.state
	if u.admin != nil || s.Screen == flow.Choose || s.Msg == flow.MsgLocked || s.Screen == flow.Checking {
		u.render() // a countdown, the arrow or the idle warning moves
		return
	}
	u.renderAttract() // only the clock, and only when its text changes
}

func (u *UI) refreshStatus() {
	src := u.opts.Status
	if src == nil {
		return
	}
	u.async(func() {
		st, err := src.SyncStatus(u.ctx)
		if err != nil {
			return
		}
		fyne.Do(func() {
			if st != u.status {
				u.status = st
				u.renderAttract()
			}
		})
	})
}

// render rebuilds the panel for the current state.
func (u *UI) render() {
	if u.wizard != nil {
		u.wizard.update()
		return
	}
	t := u.txt
	u.LangButton.SetText(t["other-lang"])
	u.AdminButton.SetText(t["admin"])
	u.PINButton.SetText(t["use-pin-button"])
	u.UndoButton.SetText(t["undo"])
	u.OKButton.SetText(t["ok"])
	u.CancelButton.SetText(t["cancel"])
	if u.letters {
		u.LettersButton.SetText(t["digits"])
	} else {
		u.LettersButton.SetText(t["letters"])
	}
	u.NumberEntry.SetPlaceHolder(t["number"])
	u.PINEntry.SetPlaceHolder(t["pin"])
	u.HRPINEntry.SetPlaceHolder(t["hr-pin"])
	u.title.Text, u.sub.Text, u.note.Text = "", "", ""
	u.AdminButton.Hidden = !u.hasHRPIN

	var objs []fyne.CanvasObject
	switch {
	case u.admin != nil:
		objs = u.admin.objects()
	case u.m.Paused():
		u.title.Text = t["locked-kiosk"]
		u.sub.Text = or(u.opts.OutOfService, t["locked-why"])
		u.note.Text = or(u.opts.ClockElsewhere, t["clock-elsewhere"])
		objs = []fyne.CanvasObject{u.title, u.sub, u.note}
	default:
		objs = u.screen()
	}
	top := container.NewHBox(layout.NewSpacer(), u.LangButton, u.AdminButton)
	var content fyne.CanvasObject = container.NewVBox(objs...)
	if u.admin != nil && !u.admin.login {
		content = u.admin.fill(objs)
	}
	u.panel.Layout = layout.NewBorderLayout(top, nil, nil, nil)
	u.panel.Objects = []fyne.CanvasObject{top, content}
	u.renderAttract()
	for _, l := range []*widget.Label{u.title, u.sub, u.note} {
		l.Refresh()
	}
	// Texts changed size: lay the whole screen out again.
	u.Window.Content().Refresh()
}

// renderAttract fills the left side: the attract screen at idle with no
// face near, the preview otherwise.
func (u *UI) renderAttract() {
	t, now := u.txt, u.opts.Clock.Now().In(u.opts.Location)
	u.clockT.Text = now.Format("15:04")
	u.dateT.Text = dateLine(u.lang, now)
	u.placeT.Text = strings.Trim(u.opts.Company+" · "+u.opts.Site, " ·")
	switch st := u.status; {
	case u.opts.Status == nil:
		u.chipT.Text = ""
	case st.Online && st.LastSync.IsZero():
		u.chipT.Text = t["online-never"]
	case st.Online:
		u.chipT.Text = fmt.Sprintf(t["online"], clock(st.LastSync, u.opts.Location))
	case st.Waiting == 0 || st.Waiting == 1:
		u.chipT.Text = t[fmt.Sprintf("offline-%d", st.Waiting)]
	default:
		u.chipT.Text = fmt.Sprintf(t["offline"], st.Waiting)
	}
	near := !u.faceNear.IsZero() && time.Since(u.faceNear) < 2*time.Second
	idle := u.state.Screen == flow.Idle && u.admin == nil
	u.attract.Hidden = !(idle && !near) && !u.cameraDown && !u.m.Paused()
	u.preview.Hidden = !u.attract.Hidden
	for i, l := range []*widget.Label{u.clockT, u.dateT, u.placeT, u.chipT} {
		if l.Text != u.attractShown[i] {
			u.attractShown[i] = l.Text
			l.Refresh()
		}
	}
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// walkUp is "Walk up to clock in" in every language of the kiosk, the
// current one first.
func (u *UI) walkUp() string {
	lines := []string{u.txt["walk-up"]}
	for _, l := range Langs() {
		if l != u.lang {
			lines = append(lines, texts(l)["walk-up"])
		}
	}
	return strings.Join(lines, "\n")
}

func (u *UI) lockLine(s flow.State) string {
	who := s.LockedAccount
	if who == "" {
		who = s.Employee.Number
	}
	return fmt.Sprintf(u.txt[string(flow.MsgLocked)], who, countdown(s.LockedUntil.Sub(u.opts.Clock.Now())))
}

func (u *UI) pinPad() []fyne.CanvasObject {
	return []fyne.CanvasObject{u.title, u.field(u.NumberEntry), u.field(u.PINEntry), u.keypad(), u.CancelButton}
}

func (u *UI) screen() []fyne.CanvasObject {
	t, s := u.txt, u.state
	msg := t[string(s.Msg)]
	if u.pinOnly() {
		u.title.Text = t["camera-down"]
		if u.active == nil {
			u.active = u.NumberEntry
		}
		return u.pinPad()
	}
	switch s.Screen {
	case flow.Idle:
		if s.Mode == flow.Verify {
			u.title.Text = msg
			return []fyne.CanvasObject{u.title, u.field(u.NumberEntry), u.keypad()}
		}
		u.title.Text = u.walkUp()
		return []fyne.CanvasObject{u.title, layout.NewSpacer(), sized(u.PINButton, keySize, keySize)}
	case flow.Checking:
		u.title.Text = msg
		if s.Retries > 0 {
			u.title.Text = t["retry"] + msg
		}
		objs := []fyne.CanvasObject{u.title}
		if s.OfferPIN {
			u.note.Text = t[string(flow.MsgLivenessFailed)]
		}
		if s.Employee.Name != "" {
			u.sub.Text = s.Employee.Name
			u.progress.SetValue(s.Progress)
			arrowT := label(sizeTitle, widget.WarningImportance)
			arrowT.Text = arrow(s.Msg, u.opts.Clock.Now())
			objs = append(objs, u.sub, arrowT, u.progress)
		}
		if u.note.Text != "" {
			objs = append(objs, u.note)
		}
		return append(objs, layout.NewSpacer(), sized(u.PINButton, keySize, keySize))
	case flow.WaitFace:
		u.title.Text = t[string(flow.MsgLook)]
		u.sub.Text = s.Employee.Name
		return []fyne.CanvasObject{u.title, u.sub, layout.NewSpacer(), sized(u.PINButton, keySize, keySize), u.CancelButton}
	case flow.AskPIN:
		u.title.Text = msg
		switch {
		case s.Msg == flow.MsgLocked:
			u.title.Text = u.lockLine(s)
		case s.Msg == flow.MsgWrongPIN && s.TriesLeft == 1:
			u.title.Text = fmt.Sprintf(t["wrong-pin-1"], int(s.LockFor.Seconds()))
		case s.Msg == flow.MsgWrongPIN && s.TriesLeft > 1:
			u.title.Text = fmt.Sprintf(t["wrong-pin-left"], s.TriesLeft, int(s.LockFor.Seconds()))
		}
		return u.pinPad()
	case flow.Choose:
		return u.choose(s)
	case flow.Confirm:
		u.title.Text = "✔ " + punchLine(t, s.Punch, u.opts.Location)
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
			objs = append(objs, sized(u.UndoButton, keySize, keySize))
		}
		return objs
	default: // Message
		u.title.Text = msg
		if s.Msg == flow.MsgLocked {
			u.title.Text = u.lockLine(s)
		}
		return []fyne.CanvasObject{u.title, layout.NewSpacer(), sized(u.PINButton, keySize, keySize)}
	}
}

// choose is "Hi Ana, clocked in since 08:33" and a large button per kind,
// the likely one highlighted (yellow, ▶ and the countdown in words).
func (u *UI) choose(s flow.State) []fyne.CanvasObject {
	t := u.txt
	first := strings.Fields(s.Employee.Name)
	name := s.Employee.Name
	if len(first) > 0 {
		name = first[0]
	}
	switch s.Status.Kind {
	case clockface.PunchIn, clockface.BreakStart:
		u.title.Text = fmt.Sprintf(t["since-"+string(s.Status.Kind)], name, clock(s.Status.Since, u.opts.Location))
	default:
		u.title.Text = fmt.Sprintf(t["since-out"], name)
	}
	u.Kinds = u.Kinds[:0]
	objs := []fyne.CanvasObject{u.title}
	for i, k := range s.Kinds {
		text := t["kind-"+string(k)]
		b := widget.NewButton(text, func() { u.async(func() { u.m.ChooseKind(u.ctx, k) }) })
		if i == 0 {
			b.Importance = widget.HighImportance
			b.SetText("▶ " + text)
			if !s.ChooseUntil.IsZero() {
				left := int((s.ChooseUntil.Sub(u.opts.Clock.Now()) + time.Second - 1) / time.Second)
				u.note.Text = fmt.Sprintf(t["countdown"], text, max(left, 0))
			}
		}
		u.Kinds = append(u.Kinds, b)
		objs = append(objs, sized(b, keySize*3, keySize+16))
	}
	u.CancelButton.SetText(t["not-me"])
	return append(objs, u.note, layout.NewSpacer(), u.CancelButton)
}

// arrow is the animated arrow of a liveness prompt: it steps towards the
// side to turn to, so the movement reads without words too.
func arrow(m flow.Msg, now time.Time) string {
	step := int(now.UnixMilli()/250) % 4
	switch m {
	case flow.MsgTurnLeft:
		return strings.Repeat("  ", 3-step) + "◀◀" + strings.Repeat("  ", step)
	case flow.MsgTurnRight:
		return strings.Repeat("  ", step) + "▶▶" + strings.Repeat("  ", 3-step)
	case flow.MsgCloser:
		return strings.Repeat("▲", step+1)
	}
	return []string{"◀", "◀ ▶", "▶", "◀ ▶"}[step]
}

// splitLayout lays out objects[0] (the preview) and objects[1] (the panel)
// in fixed proportions: side by side in landscape, the preview on top in
// portrait. Neither grows with its content.
type splitLayout struct{}

// previewShare is the preview's share of the window's long side.
const previewShare = 0.5

func (splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	if size.Width >= size.Height {
		w := float32(int(size.Width * previewShare))
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(fyne.NewSize(w, size.Height))
		objs[1].Move(fyne.NewPos(w, 0))
		objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
		return
	}
	h := float32(int(size.Height * 0.38))
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, h))
	objs[1].Move(fyne.NewPos(0, h))
	objs[1].Resize(fyne.NewSize(size.Width, size.Height-h))
}

func (splitLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(320, 320) }

// SetFrame shows a preview frame with the face boxes drawn on a copy; call
// it on the Fyne goroutine.
func (u *UI) SetFrame(img *image.RGBA, boxes []image.Rectangle) {
	if u.preview.Hidden && len(boxes) == 0 {
		// The attract screen is up and nobody is near: nothing to draw.
		u.countFrame()
		return
	}
	out := mirror(img)
	for _, b := range boxes {
		// The preview is mirrored, like a looking glass: so is the box.
		r := img.Bounds()
		drawBox(out, image.Rect(r.Min.X+r.Max.X-b.Max.X, b.Min.Y, r.Min.X+r.Max.X-b.Min.X, b.Max.Y), 3, colBox)
	}
	if len(boxes) > 0 {
		wasNear := !u.faceNear.IsZero() && time.Since(u.faceNear) < 2*time.Second
		u.faceNear = time.Now()
		if !wasNear {
			u.renderAttract()
		}
	}
	if u.wizard != nil {
		u.wizard.frame(out)
	} else {
		u.preview.Image = out
		u.preview.Refresh()
	}
	u.countFrame()
}

// countFrame keeps the preview's frame-rate statistics.
func (u *UI) countFrame() {
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

// mirror copies img flipped left to right.
func mirror(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		src := img.Pix[y*img.Stride : y*img.Stride+4*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			copy(dst[4*(w-1-x):4*(w-x)], src[4*x:4*x+4])
		}
	}
	return out
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

// adminView is HR's mode: log in with the HR PIN (checked by the ledger,
// with its lockout and audit), then list employees and today's punches,
// enrol a face, lock the kiosk. It signs out after AdminIdle untouched.
type adminView struct {
	u     *UI
	login bool
	last  time.Time // the last touch
	out   *widget.Label
	// Enrol opens the enrolment wizard (enrol.go).
	Employees, Today, Enrol, Lock, Close *widget.Button
	loginMsg                             string
}

func (a *adminView) ok() {
	u := a.u
	if !a.login {
		return
	}
	pin := u.HRPINEntry.Text
	u.HRPINEntry.SetText("")
	if pin == "" || u.opts.Admin == nil {
		return
	}
	u.async(func() { // Argon2id
		err := u.opts.Admin.CheckHRPIN(u.ctx, pin)
		fyne.Do(func() {
			if u.admin != a {
				return
			}
			var le *clockface.LockedError
			switch {
			case errors.As(err, &le):
				a.loginMsg = fmt.Sprintf(u.txt["hr-locked"], countdown(le.Until.Sub(u.opts.Clock.Now())))
			case err != nil:
				a.loginMsg = u.txt["hr-wrong"]
			default:
				a.open()
			}
			u.render()
		})
	})
}

func (a *adminView) open() {
	u, t := a.u, a.u.txt
	a.login = false
	a.last = u.opts.Clock.Now()
	a.out = widget.NewLabel("")
	a.out.Wrapping = fyne.TextWrapWord
	a.Employees = widget.NewButton(t["employees"], a.listEmployees)
	a.Today = widget.NewButton(t["today"], a.listToday)
	a.Enrol = widget.NewButton(t["enrol"], u.openWizard)
	a.Lock = widget.NewButton("", func() {
		u.touch()
		u.m.Pause(!u.m.Paused())
		a.u.render()
	})
	a.Close = widget.NewButton(t["close"], func() { u.admin = nil; u.render() })
}

func (a *adminView) objects() []fyne.CanvasObject {
	u, t := a.u, a.u.txt
	if a.login {
		u.title.Text = t["hr-pin"]
		u.sub.Text = a.loginMsg
		u.active = u.HRPINEntry
		return []fyne.CanvasObject{u.title, u.sub, u.field(u.HRPINEntry), u.keypad(), u.CancelButton}
	}
	u.title.Text = t["admin"]
	if idle := u.opts.Clock.Now().Sub(a.last); idle >= u.opts.AdminIdle-adminWarning {
		u.sub.Text = fmt.Sprintf(t["idle-warning"], int((u.opts.AdminIdle-idle+time.Second-1)/time.Second))
	}
	if u.m.Paused() {
		a.Lock.SetText(t["unlock"])
	} else {
		a.Lock.SetText(t["lock"])
	}
	objs := []fyne.CanvasObject{u.title, u.sub, container.NewGridWithColumns(2, a.Employees, a.Today, a.Enrol, a.Lock)}
	return append(objs, a.out, a.Close)
}

// fill lays admin mode's objects out to fill the panel: the title and the
// buttons on top, Close at the bottom, the form and output scrolling
// between them.
func (a *adminView) fill(objs []fyne.CanvasObject) fyne.CanvasObject {
	n := len(objs)
	top := container.NewVBox(objs[:3]...)
	return container.NewBorder(top, objs[n-1], nil, nil, container.NewVScroll(container.NewVBox(objs[3:n-1]...)))
}

// show sets the admin output from another goroutine.
func (a *adminView) show(text string) { fyne.Do(func() { a.out.SetText(text) }) }

func (a *adminView) listEmployees() {
	a.u.touch()
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
	a.u.touch()
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

// Title is the panel's main line as shown (for tests and the demo's
// checks); call it on the Fyne goroutine.
func (u *UI) Title() string { return u.title.Text }
