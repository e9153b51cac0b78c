package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"clockface"
	"clockface/kiosk/flow"
)

// Issue 14's HR admin and language items, checked through the screen on
// the real ledger.

// Wrong HR PINs at the kiosk lock the HR account like an employee's, the
// screen says whose account and for how long, and every attempt is in the
// ledger's audit log.
func TestHRPINLocksOutAndIsAudited(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.AdminButton)
	for i := range 3 {
		test.Type(r.u.HRPINEntry, "1234")
		test.Tap(r.u.OKButton)
		r.u.Wait()
		want := "Wrong HR PIN"
		if i == 2 { // the wrong PIN that engages the lock says so at once
			want = "The HR PIN is locked after wrong tries. Try again in 0:30."
		}
		if got := r.u.sub.Text; got != want {
			t.Errorf("wrong HR PIN %d: got %q, want %q", i+1, got, want)
		}
	}
	test.Type(r.u.HRPINEntry, "9999") // the right one, but locked
	test.Tap(r.u.OKButton)
	r.u.Wait()
	if r.u.admin == nil || !r.u.admin.login {
		t.Fatal("the right HR PIN opened admin mode during the lock")
	}
	if got, want := r.u.sub.Text, "The HR PIN is locked after wrong tries. Try again in 0:30."; got != want {
		t.Errorf("HR PIN during the lock: got %q, want %q", got, want)
	}
	entries, err := r.led.AuditEntries(r.ctx, "hr")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action)
	}
	if want := "hr_pin.set hr_pin.fail hr_pin.fail hr_pin.fail hr_pin.locked"; strings.Join(got, " ") != want {
		t.Errorf("audit: got %v, want %s", got, want)
	}
}

// Admin mode warns 10 s before it signs out after 60 s untouched; a tap on
// one of its buttons starts the 60 s again.
func TestAdminSignsOutWhenIdle(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.AdminButton)
	test.Type(r.u.HRPINEntry, "9999")
	test.Tap(r.u.OKButton)
	r.u.Wait()
	if r.u.admin == nil || r.u.admin.login {
		t.Fatal("the HR PIN did not open admin mode")
	}
	r.clock.Add(45 * time.Second)
	r.u.Tick()
	if got := r.u.sub.Text; got != "" {
		t.Errorf("after 45 s: got a warning %q, want none yet", got)
	}
	r.clock.Add(10 * time.Second)
	r.u.Tick()
	if got, want := r.u.sub.Text, "Signing out in 5 s - tap a button to stay"; got != want {
		t.Errorf("after 55 s: got %q, want %q", got, want)
	}
	test.Tap(r.u.admin.Employees)
	r.u.Wait()
	r.clock.Add(55 * time.Second)
	r.u.Tick()
	if r.u.admin == nil {
		t.Fatal("signed out 55 s after a tap")
	}
	r.clock.Add(5 * time.Second)
	r.u.Tick()
	if r.u.admin != nil {
		t.Fatal("admin mode still open after 60 s untouched")
	}
	if got, want := r.title(), "Walk up to clock in\nAcérquese para fichar"; got != want {
		t.Errorf("after the sign-out: got %q, want %q", got, want)
	}
}

// The language someone chose, or the employee's own, lasts until the
// kiosk is idle again; the next person starts in the kiosk's default.
func TestLanguageBackToDefaultAtIdle(t *testing.T) {
	r := newRig(t, flow.Identify)
	test.Tap(r.u.LangButton)
	test.Tap(r.u.PINButton)
	if got, want := r.title(), "Escriba su número y su PIN"; got != want {
		t.Fatalf("after Español: got %q, want %q", got, want)
	}
	r.m.Cancel()
	if got, want := r.u.lang, English; got != want {
		t.Errorf("idle after a Spanish session: got %v, want %v", got, want)
	}
	// An employee whose locale is Spanish is greeted in Spanish.
	r.u.Show(flow.State{Screen: flow.Choose, Employee: clockface.Employee{Number: "1001", Name: "Alice Ávila", Locale: "es"},
		Kinds: []clockface.PunchKind{clockface.PunchIn}})
	if got, want := r.title(), "Hola Alice, no ha fichado la entrada"; got != want {
		t.Errorf("employee locale es: got %q, want %q", got, want)
	}
	r.u.Show(flow.State{Screen: flow.Idle, Msg: flow.MsgLook, Mode: flow.Identify})
	if got, want := r.title(), "Walk up to clock in\nAcérquese para fichar"; got != want {
		t.Errorf("idle again: got %q, want %q", got, want)
	}
}
