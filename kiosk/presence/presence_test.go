package presence_test

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
	"time"

	"clockface/kiosk/presence"
)

// grey is a 640×480 grey scene with a little sensor noise.
func grey(rng *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(120 + rng.IntN(3))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v, 255
	}
	return img
}

// withPerson draws a dark shape covering a sixth of the frame.
func withPerson(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	copy(out.Pix, img.Pix)
	draw.Draw(out, image.Rect(240, 120, 420, 480), image.NewUniform(color.RGBA{R: 60, G: 40, B: 30, A: 255}), image.Point{}, draw.Src)
	return out
}

func TestGateClosesOnAnEmptySceneAndOpensForAPerson(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g, err := presence.New(presence.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	frame := 40 * time.Millisecond // 25 fps
	admitted := 0
	var at time.Time
	for i := range 250 { // 10 s of an empty scene
		at = t0.Add(time.Duration(i) * frame)
		if g.Admit(grey(rng), at) {
			admitted++
		}
	}
	// The first frame has no reference and is looked at; then the gate
	// stays open for its hold, and closes.
	if max := int(presence.DefaultHold/frame) + 2; admitted > max {
		t.Errorf("empty scene: %d of 250 frames reached the engine, want at most %d", admitted, max)
	}
	if g.Checks > 10*int(time.Second/presence.DefaultInterval)+1 {
		t.Errorf("checks: %d in 10 s, want at most one per %v", g.Checks, presence.DefaultInterval)
	}
	// A person walks in: caught within one interval.
	walkIn := at.Add(frame)
	var caught time.Time
	for i := range 20 {
		at := walkIn.Add(time.Duration(i) * frame)
		if g.Admit(withPerson(grey(rng)), at) {
			caught = at
			break
		}
	}
	if caught.IsZero() || caught.Sub(walkIn) > presence.DefaultInterval {
		t.Errorf("person caught after %v, want within %v", caught.Sub(walkIn), presence.DefaultInterval)
	}
}

func TestGateStaysOpenWhileAFaceIsSeen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g, _ := presence.New(presence.Config{})
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	still := withPerson(grey(rng))
	for i := range 500 { // 20 s of a person standing still, face found
		at := t0.Add(time.Duration(i) * 40 * time.Millisecond)
		if !g.Admit(still, at) {
			t.Fatalf("frame %d: a seen face was gated out", i)
		}
		g.Seen(at)
	}
}

func TestGateRefusesBadConfig(t *testing.T) {
	if _, err := presence.New(presence.Config{Threshold: -1}); err == nil {
		t.Error("a negative threshold was accepted")
	}
}

// BenchmarkGate is the cost of one check of a 640×480 frame (the gate's
// work per Interval on an empty scene).
func BenchmarkGate(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	frames := []*image.RGBA{grey(rng), grey(rng)}
	g, _ := presence.New(presence.Config{Hold: time.Nanosecond})
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.Admit(frames[i%2], t0.Add(time.Duration(i)*presence.DefaultInterval))
	}
}
