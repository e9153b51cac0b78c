package embeddings_test

import (
	"errors"
	"image"
	"math"
	"testing"

	"clockface/embeddings"
)

func TestLandmarksParts(t *testing.T) {
	five := embeddings.Landmarks{{130, 100}, {110, 100}, {70, 100}, {90, 100}, {100, 130}}
	sixtyEight := make(embeddings.Landmarks, 68)
	for i := 36; i < 42; i++ {
		sixtyEight[i] = image.Pt(80, 100)
	}
	for i := 42; i < 48; i++ {
		sixtyEight[i] = image.Pt(120, 100)
	}
	sixtyEight[30], sixtyEight[33] = image.Pt(112, 125), image.Pt(100, 135)
	sixtyEight[48], sixtyEight[54] = image.Pt(85, 150), image.Pt(115, 150)
	tests := []struct {
		name     string
		l        embeddings.Landmarks
		scheme   embeddings.Scheme
		left     embeddings.Point
		right    embeddings.Point
		nose     embeddings.Point
		yawSign  float64
		hasMouth bool
	}{
		{"5 points", five, embeddings.Scheme5, embeddings.Point{X: 80, Y: 100}, embeddings.Point{X: 120, Y: 100}, embeddings.Point{X: 100, Y: 130}, 0, false},
		{"68 points", sixtyEight, embeddings.Scheme68, embeddings.Point{X: 80, Y: 100}, embeddings.Point{X: 120, Y: 100}, embeddings.Point{X: 112, Y: 125}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.l.Parts()
			if err != nil {
				t.Fatal(err)
			}
			if p.Scheme != tc.scheme || tc.l.Scheme() != tc.scheme {
				t.Errorf("scheme: got %v, want %v", p.Scheme, tc.scheme)
			}
			if p.LeftEye != tc.left || p.RightEye != tc.right || p.Nose() != tc.nose || p.HasMouth() != tc.hasMouth {
				t.Errorf("got left %+v right %+v nose %+v mouth %v; want %+v %+v %+v %v", p.LeftEye, p.RightEye, p.Nose(), p.HasMouth(), tc.left, tc.right, tc.nose, tc.hasMouth)
			}
			if got, want := p.EyeDistance(), 40.0; got != want {
				t.Errorf("eye distance: got %v, want %v", got, want)
			}
			if got, want := p.NoseOffset(tc.nose), (tc.nose.X-100)/40; math.Abs(got-want) > 1e-9 {
				t.Errorf("nose offset: got %v, want %v", got, want)
			}
		})
	}
	// The base of the nose under the eyes' midpoint is a frontal face; off
	// to the image's right it is a positive yaw.
	p, _ := five.Parts()
	if yaw, frontal := p.Pose(); yaw != 0 || frontal != 1 {
		t.Errorf("frontal pose: got yaw %v frontal %v, want 0, 1", yaw, frontal)
	}
	p.NoseBase.X += 14 // 0.35 eye distances: 45°
	if yaw, frontal := p.Pose(); math.Abs(yaw-45) > 1e-9 || math.Abs(frontal-0.25) > 1e-9 {
		t.Errorf("turned pose: got yaw %v frontal %v, want 45, 0.25", yaw, frontal)
	}
	for _, n := range []int{0, 3, 67} {
		if _, err := make(embeddings.Landmarks, n).Parts(); !errors.Is(err, embeddings.ErrLandmarks) {
			t.Errorf("%d points: got %v, want ErrLandmarks", n, err)
		}
	}
}
