package kiosk

import (
	"image"
	"testing"
)

// A face box is drawn only on frames close to the one it was found in, so a
// paused or slow recogniser never leaves a box beside a moving face.
func TestFacesDropsStaleBoxes(t *testing.T) {
	box := image.Rect(10, 10, 60, 60)
	p := &Pipeline{faces: []image.Rectangle{box}, facesSeq: 100}
	for _, tc := range []struct {
		seq  uint64
		want int
	}{
		{100, 1},
		{100 + staleBoxFrames, 1},
		{100 + staleBoxFrames + 1, 0},
	} {
		if got := len(p.Faces(tc.seq)); got != tc.want {
			t.Errorf("Faces(%d): got %d boxes, want %d", tc.seq, got, tc.want)
		}
	}
}
