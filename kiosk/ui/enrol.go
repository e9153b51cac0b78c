package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"clockface/enroll"
)

// enrolView is the enrolment wizard's screens, full window, opened from
// admin mode: the details HR types (with inline validation), the consent
// notice in the employee's language (its two choices open once it is
// scrolled to the end), the typed signature, the capture with a face
// guide, per-sample progress and coaching, and the result. Wizard holds
// the logic; this draws it and runs the slow work (the number lookup, the
// decline's Argon2id and write, the capture) off the Fyne goroutine.
type enrolView struct {
	u *UI
	w *Wizard

	Number, Name, PIN, PIN2, Signature         *widget.Entry
	English, Spanish                           *widget.Button
	Next, Back, Quit, Accept, Decline, SignBtn *widget.Button
	Stop, Retry, Done                          *widget.Button

	problems          map[string]*widget.Label
	signProblem       *widget.Label
	heading, stepLine *widget.Label
	hint, progressT   *widget.Label
	coach, resultT    *widget.Label
	resultBody        *widget.Label
	progress          *widget.ProgressBar
	notice            *widget.RichText
	noticeScroll      *container.Scroll
	noticeText        string // the Markdown shown, for tests
	noticeVersion     string
	preview           *canvas.Image

	cancel context.CancelFunc // the capture under way
}

// openWizard replaces admin mode's screen with the wizard's first step.
func (u *UI) openWizard() {
	u.touch()
	v := &enrolView{u: u, w: NewWizard(u.lang), problems: map[string]*widget.Label{}}
	v.build()
	u.wizard = v
	u.m.Hold(true) // no face punches behind the wizard
	v.show()
	v.loadNumbers()
}

// closeWizard goes back to admin mode, stopping a capture under way
// (which then stores nothing).
func (u *UI) closeWizard() {
	if v := u.wizard; v != nil && v.cancel != nil {
		v.cancel()
	}
	u.wizard = nil
	u.m.Hold(false)
	if u.admin != nil {
		u.admin.last = u.opts.Clock.Now()
	}
	u.Window.SetContent(u.root)
	u.render()
}

// WizardIdle closes the wizard and signs HR out after this long untouched
// (reading the notice takes minutes; a capture under way is never cut).
// Nothing of an unfinished enrolment is stored.
const WizardIdle = 5 * time.Minute

// tick closes the wizard once it has been idle for WizardIdle.
func (v *enrolView) tick() {
	u := v.u
	if v.w.Busy || u.admin == nil || u.opts.Clock.Now().Sub(u.admin.last) < WizardIdle {
		return
	}
	u.closeWizard()
	u.admin = nil
	u.render()
}

func wlabel(size fyne.ThemeSizeName, imp widget.Importance) *widget.Label {
	l := label(size, imp)
	l.Alignment = fyne.TextAlignLeading
	return l
}

func (v *enrolView) build() {
	u := v.u
	entry := func(field string, password bool) *widget.Entry {
		e := widget.NewEntry()
		if password {
			e.Password = true
			e.ActionItem = canvas.NewRectangle(color.Transparent) // no reveal eye
		}
		e.OnChanged = func(s string) {
			u.touch()
			v.w.SetField(field, s)
			v.update()
		}
		return e
	}
	v.Number, v.Name, v.PIN, v.PIN2 = entry("number", false), entry("name", false), entry("pin", true), entry("pin2", true)
	v.Number.SetPlaceHolder("E100")
	for _, f := range []string{"number", "name", "pin", "pin2"} {
		l := wlabel(fyne.ThemeSizeName("text"), widget.WarningImportance)
		l.TextStyle = fyne.TextStyle{}
		v.problems[f] = l
	}
	v.Signature = widget.NewEntry()
	v.Signature.OnChanged = func(s string) {
		u.touch()
		v.w.Signature = s
		v.update()
	}
	v.Signature.OnSubmitted = func(string) { v.sign() }
	v.signProblem = wlabel(fyne.ThemeSizeName("text"), widget.WarningImportance)
	v.signProblem.TextStyle = fyne.TextStyle{}
	v.English = widget.NewButton("", func() { v.setLang(English) })
	v.Spanish = widget.NewButton("", func() { v.setLang(Spanish) })
	v.Next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() {
		v.w.Next()
		if v.w.Step == StepNotice {
			v.loadNotice()
		}
		v.show()
	})
	v.Next.Importance = widget.HighImportance
	v.Back = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() {
		if v.w.Back() {
			v.show()
		}
	})
	v.Quit = widget.NewButton("", u.closeWizard)
	v.Accept = widget.NewButton("", func() {
		v.w.Accept()
		v.show()
	})
	v.Accept.Importance = widget.HighImportance
	v.Decline = widget.NewButton("", v.decline)
	v.Decline.Importance = widget.HighImportance // two equal choices
	v.SignBtn = widget.NewButton("", v.sign)
	v.SignBtn.Importance = widget.HighImportance
	v.Stop = widget.NewButton("", func() {
		if v.cancel != nil {
			v.cancel()
		}
	})
	v.Retry = widget.NewButton("", func() {
		if v.w.Retry() {
			v.capture()
		}
	})
	v.Retry.Importance = widget.HighImportance
	v.Done = widget.NewButton("", u.closeWizard)
	v.Done.Importance = widget.HighImportance

	v.heading = wlabel(sizeSub, widget.MediumImportance)
	v.stepLine = wlabel(fyne.ThemeSizeName("text"), widget.WarningImportance)
	v.hint = label(fyne.ThemeSizeName("text"), widget.WarningImportance)
	v.progressT = label(sizeTitle, widget.MediumImportance)
	v.coach = label(sizeSub, widget.WarningImportance)
	v.resultT = label(sizeTitle, widget.MediumImportance)
	v.resultBody = label(fyne.ThemeSizeName("text"), widget.MediumImportance)
	v.resultBody.TextStyle = fyne.TextStyle{}
	v.progress = widget.NewProgressBar()
	v.progress.TextFormatter = func() string { // one mark per sample
		n, of := v.w.Taken, max(v.w.Of, 1)
		return strings.Repeat("● ", min(n, of)) + strings.Repeat("○ ", max(of-n, 0))
	}
	v.notice = widget.NewRichTextFromMarkdown("")
	v.notice.Wrapping = fyne.TextWrapWord
	v.noticeScroll = container.NewVScroll(container.NewPadded(v.notice))
	v.noticeScroll.OnScrolled = func(fyne.Position) {
		u.touch()
		v.checkEnd()
	}
	v.preview = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 640, 480)))
	v.preview.FillMode = canvas.ImageFillContain
	v.preview.ScaleMode = canvas.ImageScaleFastest
	v.preview.SetMinSize(fyne.NewSize(160, 120))
}

// txt is the wizard's strings: the kiosk's language for HR's details
// step, the employee's from the notice on.
func (v *enrolView) txt() map[string]string {
	if v.w.Step == StepDetails {
		return v.u.txt
	}
	return texts(v.w.Lang)
}

func (v *enrolView) setLang(l Lang) {
	v.u.touch()
	v.w.Lang = l
	v.update()
}

// loadNumbers fetches the ledger's employee numbers, so the number typed
// is checked as it is typed. (EnrolNew and DeclineNew check again in
// their transaction.)
func (v *enrolView) loadNumbers() {
	u := v.u
	if u.opts.Admin == nil {
		return
	}
	u.async(func() {
		es, err := u.opts.Admin.Employees(u.ctx)
		fyne.Do(func() {
			if err != nil || u.wizard != v {
				return
			}
			ns := make([]string, len(es))
			for i, e := range es {
				ns[i] = e.Number
			}
			v.w.SetKnown(ns)
			v.update()
		})
	})
}

// loadNotice shows the notice in the employee's language.
func (v *enrolView) loadNotice() {
	v.noticeText = ""
	n, err := v.u.opts.Admin.Notice(string(v.w.Lang))
	if err != nil {
		v.noticeText = err.Error()
		v.notice.ParseMarkdown(err.Error())
		return
	}
	v.noticeText, v.noticeVersion = string(n.Text), n.Version
	v.notice.ParseMarkdown(v.noticeText)
	headings(v.notice)
	v.noticeScroll.ScrollToTop()
}

// headings sets the notice's headings in the kiosk's large sizes (the
// default ones are smaller than its body text).
func headings(rt *widget.RichText) {
	for _, seg := range rt.Segments {
		ts, ok := seg.(*widget.TextSegment)
		if !ok {
			continue
		}
		switch ts.Style.SizeName {
		case theme.SizeNameHeadingText:
			ts.Style.SizeName = sizeTitle
		case theme.SizeNameSubHeadingText:
			ts.Style.SizeName = sizeSub
		}
	}
	rt.Refresh()
}

// checkEnd opens the choices once the notice has been scrolled to its end
// (or fits without scrolling).
func (v *enrolView) checkEnd() {
	s := v.noticeScroll
	content := s.Content.MinSize().Height
	if s.Size().Height > 0 && s.Offset.Y+s.Size().Height >= content-2 {
		v.w.Scrolled(true)
		v.update()
	}
}

func (v *enrolView) decline() {
	if !v.w.Decline() {
		return
	}
	u, who := v.u, v.w.Applicant()
	v.update()
	u.async(func() { // Argon2id and the write
		e, err := u.opts.Admin.Decline(u.ctx, who)
		fyne.Do(func() {
			if u.wizard != v {
				return
			}
			v.w.Declined(e, err)
			v.show()
		})
	})
}

func (v *enrolView) sign() {
	if v.w.Sign() {
		v.capture()
	}
}

// capture runs the enrolment from the live camera; progress comes back
// through fyne.Do.
func (v *enrolView) capture() {
	u := v.u
	ctx, cancel := context.WithCancel(u.ctx)
	v.cancel = cancel
	who, sig := v.w.Applicant(), v.w.SignatureText()
	v.show()
	u.async(func() {
		defer cancel()
		res, err := u.opts.Admin.Enrol(ctx, who, sig, func(fb enroll.Feedback) {
			fyne.Do(func() {
				if u.wizard == v {
					v.w.Feedback(fb)
					v.update()
				}
			})
		})
		if errors.Is(err, context.Canceled) {
			err = errors.New(texts(v.w.Lang)["wiz-stopped"])
		}
		fyne.Do(func() {
			if u.wizard != v {
				return
			}
			v.cancel = nil
			v.w.Finished(res, err)
			v.show()
		})
	})
}

// frame shows a preview frame (mirrored, face boxes drawn, a copy the
// wizard may draw on) with the face guide during capture.
func (v *enrolView) frame(img *image.RGBA) {
	if v.w.Step != StepCapture {
		return
	}
	c := colAccent
	if v.w.Accepted {
		c = colBox
	}
	drawGuide(img, c)
	v.preview.Image = img
	v.preview.Refresh()
}

// drawGuide draws the face guide, an upright oval in the middle of the
// frame, 4 px thick.
func drawGuide(img *image.RGBA, c color.NRGBA) {
	b := img.Bounds()
	cx, cy := float64(b.Min.X+b.Max.X)/2, float64(b.Min.Y+b.Max.Y)/2
	rx, ry := float64(b.Dy())*0.27, float64(b.Dy())*0.38
	steps := int(2 * math.Pi * ry)
	for i := range steps {
		a := 2 * math.Pi * float64(i) / float64(steps)
		x, y := int(cx+rx*math.Cos(a)), int(cy+ry*math.Sin(a))
		for dy := -2; dy < 2; dy++ {
			for dx := -2; dx < 2; dx++ {
				if p := image.Pt(x+dx, y+dy); p.In(b) {
					img.SetRGBA(p.X, p.Y, color.RGBA{c.R, c.G, c.B, 0xff})
				}
			}
		}
	}
}

// show lays out the current step and fills it.
func (v *enrolView) show() {
	t, w := v.txt(), v.w
	names := []string{"wiz-step-details", "wiz-step-notice", "wiz-step-sign", "wiz-step-capture", "wiz-step-result"}
	v.heading.SetText(t["wiz-title"])
	v.stepLine.SetText(fmt.Sprintf(t["wiz-step"], int(w.Step)+1, Steps, t[names[w.Step]]))
	var top []fyne.CanvasObject
	switch w.Step {
	case StepNotice, StepSign:
		top = append(top, v.Back)
	}
	if w.Step < StepCapture {
		top = append(top, v.Quit)
	}
	header := container.NewBorder(nil, nil, nil, container.NewHBox(top...), container.NewVBox(v.heading, v.stepLine))
	var body, footer fyne.CanvasObject
	switch w.Step {
	case StepDetails:
		caption := func(key string) *widget.Label {
			l := wlabel(fyne.ThemeSizeName("text"), widget.MediumImportance)
			l.SetText(t[key])
			return l
		}
		row := func(key, field string, e *widget.Entry) fyne.CanvasObject {
			return container.NewVBox(caption(key), e, v.problems[field])
		}
		langs := container.NewGridWithColumns(2, sized(v.English, keySize*2, keySize), sized(v.Spanish, keySize*2, keySize))
		form := container.NewVBox(caption("wiz-lang"), langs, row("number", "number", v.Number), row("name", "name", v.Name),
			row("pin", "pin", v.PIN), row("wiz-pin2", "pin2", v.PIN2))
		body = container.New(readable{}, container.NewVScroll(container.NewPadded(form)))
		footer = sized(v.Next, keySize*3, keySize)
	case StepNotice:
		body = container.New(readable{}, v.noticeScroll)
		footer = container.NewVBox(v.hint, container.NewGridWithColumns(2, sized(v.Accept, keySize*2, keySize), sized(v.Decline, keySize*2, keySize)))
	case StepSign:
		title := label(sizeTitle, widget.MediumImportance)
		title.Text = t["wiz-sign-title"]
		hint := label(fyne.ThemeSizeName("text"), widget.MediumImportance)
		hint.TextStyle = fyne.TextStyle{}
		hint.Text = fmt.Sprintf(t["wiz-sign-hint"], v.noticeVersion)
		body = container.New(readable{}, container.NewVScroll(container.NewVBox(title, hint, v.Signature, v.signProblem)))
		footer = sized(v.SignBtn, keySize*3, keySize)
	case StepCapture:
		side := container.NewVBox(v.progressT, v.progress, v.coach, layout.NewSpacer())
		body = container.New(splitLayout{}, v.preview, container.NewPadded(side))
		footer = sized(v.Stop, keySize*3, keySize)
	case StepResult:
		body = container.NewVScroll(container.NewVBox(v.resultT, v.resultBody))
		buttons := []fyne.CanvasObject{sized(v.Done, keySize*2, keySize)}
		if w.CanRetry() {
			buttons = append([]fyne.CanvasObject{sized(v.Retry, keySize*2, keySize)}, buttons...)
		}
		footer = container.NewGridWithColumns(len(buttons), buttons...)
	}
	bg := canvas.NewRectangle(colBackground)
	v.u.Window.SetContent(container.NewStack(bg, container.NewPadded(container.NewBorder(header, footer, nil, nil, body))))
	v.update()
	switch w.Step {
	case StepDetails:
		v.u.Window.Canvas().Focus(v.Number)
	case StepSign:
		v.u.Window.Canvas().Focus(v.Signature)
	case StepNotice:
		v.checkEnd()
	}
}

// update refreshes texts and buttons without laying out again (so typing
// keeps the focus).
func (v *enrolView) update() {
	t, w := v.txt(), v.w
	v.Next.SetText(t["wiz-next"])
	v.Back.SetText(t["wiz-back"])
	v.Quit.SetText(t["wiz-quit"])
	v.Accept.SetText(t["wiz-agree"])
	v.Decline.SetText(t["decline"])
	v.SignBtn.SetText(t["wiz-sign-button"])
	v.Stop.SetText(t["wiz-stop"])
	v.Retry.SetText(t["wiz-retry"])
	v.Done.SetText(t["wiz-done"])
	probs := w.Problems()
	for f, l := range v.problems {
		text := ""
		if p := probs[f]; p != "" {
			text = "⚠ " + t[p]
		}
		l.Hidden = text == "" // no empty line under a good field
		if l.Text != text {
			l.SetText(text)
		}
	}
	enable(v.Next, w.CanNext())
	for _, b := range []struct {
		b *widget.Button
		l Lang
	}{{v.English, English}, {v.Spanish, Spanish}} {
		name := texts(English)["other-lang"] // each language's own name
		if b.l == English {
			name = texts(Spanish)["other-lang"]
		}
		if w.Lang == b.l {
			b.b.Importance = widget.HighImportance
			b.b.SetText("✔ " + name)
		} else {
			b.b.Importance = widget.MediumImportance
			b.b.SetText(name)
		}
	}
	v.hint.SetText(t["wiz-scroll"])
	if w.ReadToEnd {
		v.hint.SetText(t["wiz-read"])
	}
	enable(v.Accept, w.CanChoose())
	enable(v.Decline, w.CanChoose())
	sp := ""
	if p := w.SignProblem(); p != "" && w.Signature != "" {
		sp = "⚠ " + fmt.Sprintf(t[p], normName(w.Name))
	}
	v.signProblem.SetText(sp)
	enable(v.SignBtn, w.CanSign())
	v.progressT.SetText(fmt.Sprintf(t["progress"], w.Taken, w.Of))
	v.progress.Max = float64(max(w.Of, 1))
	v.progress.SetValue(float64(w.Taken))
	switch {
	case w.Accepted:
		v.coach.SetText(t["wiz-got-it"])
	default:
		v.coach.SetText(t["coach-"+string(w.Coach)])
	}
	v.result(t)
	// Texts changed size: lay the screen out again.
	if c := v.u.Window.Content(); c != nil {
		c.Refresh()
	}
}

func (v *enrolView) result(t map[string]string) {
	w := v.w
	e := w.Employee
	switch w.Outcome {
	case OutcomeEnrolled:
		v.resultT.SetText(t["wiz-enrolled-title"])
		r := w.Result
		images := t["wiz-no-images"]
		if n := len(r.Snapshots); n > 0 {
			images = fmt.Sprintf(t["wiz-images"], n)
		}
		v.resultBody.SetText(fmt.Sprintf(t["wiz-enrolled"], e.Name, e.Number) + "\n\n" +
			fmt.Sprintf(t["wiz-stored"], r.Samples, r.Consent.Signature, r.Consent.TextVersion) + " " + images)
	case OutcomeDeclined:
		v.resultT.SetText(t["wiz-declined-title"])
		v.resultBody.SetText(fmt.Sprintf(t["wiz-declined"], e.Name, e.Number))
	case OutcomeBlocked:
		v.resultT.SetText(t["wiz-blocked-title"])
		v.resultBody.SetText(fmt.Sprintf(t["wiz-blocked"], w.Dup))
	case OutcomeFailed:
		v.resultT.SetText(t["wiz-failed-title"])
		reason := ""
		if w.Err != nil {
			reason = w.Err.Error()
		}
		v.resultBody.SetText(fmt.Sprintf(t["wiz-failed"], reason))
	}
}

// readable centres its object at most readableWidth wide: lines of a
// full-HD screen's width are hard to read.
type readable struct{}

const readableWidth = 1200

func (readable) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, readableWidth)
	for _, o := range objs {
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}

func (readable) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}
