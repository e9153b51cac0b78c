package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"clockface/kiosk/flow"
)

// BenchmarkPINOKToConfirm is the PIN path through the screen: the OK tap
// with number and PIN typed, the PIN check (Argon2id) off the Fyne
// goroutine, the greeting with the kinds, the tap on the highlighted kind
// and the confirmation (an fsync'd ledger write). It reports the longest
// a tap held the Fyne goroutine ("UI never blocked": the taps only start
// the work).
func BenchmarkPINOKToConfirm(b *testing.B) {
	r := newRig(b, flow.Identify)
	var held time.Duration
	for b.Loop() {
		test.Tap(r.u.PINButton)
		test.Type(r.u.NumberEntry, "1001")
		test.Tap(r.u.OKButton)
		for _, d := range "4321" {
			test.Tap(r.u.Digits[d-'0'])
		}
		start := time.Now()
		test.Tap(r.u.OKButton)
		held = max(held, time.Since(start))
		r.u.Wait()
		if s := r.m.State(); s.Screen != flow.Choose {
			b.Fatalf("after the PIN: got %v, want %v (%s)", s.Screen, flow.Choose, r.title())
		}
		start = time.Now()
		test.Tap(r.u.Kinds[0])
		held = max(held, time.Since(start))
		r.u.Wait()
		if s := r.m.State(); s.Screen != flow.Confirm || !s.Created {
			b.Fatalf("after the kind: got %v, want a new punch confirmed (%s)", s.Screen, r.title())
		}
		r.m.Cancel()
		r.clock.Add(10 * time.Minute) // past the ledger's debounce
	}
	b.ReportMetric(float64(held.Microseconds())/1000, "ms-tap-max")
}
