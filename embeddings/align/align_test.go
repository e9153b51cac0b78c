package align_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"clockface/embeddings/align"
)

// arcface is the 112×112 ArcFace reference: eyes, nose tip, mouth corners.
var arcface = []align.Point{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

func TestFitRecoversKnownTransform(t *testing.T) {
	tests := []struct {
		name                 string
		scale, angle, tx, ty float64
		noise                float64 // standard deviation in destination pixels
		tol                  float64 // allowed error in scale (relative), angle (rad) and translation (px)
	}{
		{"identity", 1, 0, 0, 0, 0, 1e-9},
		{"exact rotate scale shift", 2.5, 0.3, 120, -40, 0, 1e-9},
		{"shrink face to chip", 0.31, -0.2, -15, 7, 0, 1e-9},
		{"upside down", 1.7, math.Pi - 0.1, 300, 200, 0, 1e-9},
		{"noisy half pixel", 3.2, 0.25, 400, 250, 0.5, 0.02},
		{"noisy one pixel", 2.2, -0.4, -60, 10, 1, 0.03},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := align.New(tc.scale, tc.angle, tc.tx, tc.ty)
			rng := rand.New(rand.NewPCG(1, 2))
			dst := make([]align.Point, len(arcface))
			for i, p := range arcface {
				q := want.Apply(p)
				dst[i] = align.Point{X: q.X + rng.NormFloat64()*tc.noise, Y: q.Y + rng.NormFloat64()*tc.noise}
			}
			got, err := align.Fit(arcface, dst)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(got.Scale()/want.Scale() - 1); d > tc.tol {
				t.Errorf("scale: got %v, want %v", got.Scale(), want.Scale())
			}
			if d := math.Abs(math.Remainder(got.Angle()-want.Angle(), 2*math.Pi)); d > tc.tol {
				t.Errorf("angle: got %v, want %v", got.Angle(), want.Angle())
			}
			// Translation error is measured where it matters: at the points.
			for i, p := range arcface {
				g, w := got.Apply(p), want.Apply(p)
				if d := math.Hypot(g.X-w.X, g.Y-w.Y); d > 3*tc.noise+1e-6 {
					t.Errorf("point %d: got %v, want %v", i, g, w)
				}
			}
			if tc.noise == 0 {
				if r := got.Residual(arcface, dst); r > 1e-9 {
					t.Errorf("residual: got %v, want 0", r)
				}
			}
		})
	}
}

// The inverse direction (face landmarks onto the reference), as the engine
// uses it, recovers the inverse transform.
func TestFitInverse(t *testing.T) {
	fwd := align.New(4, 0.2, 310, 190)
	face := make([]align.Point, len(arcface))
	for i, p := range arcface {
		face[i] = fwd.Apply(p)
	}
	got, err := align.Fit(face, arcface)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(got.Scale() - 0.25); d > 1e-9 {
		t.Errorf("scale: got %v, want 0.25", got.Scale())
	}
	if d := math.Abs(got.Angle() + 0.2); d > 1e-9 {
		t.Errorf("angle: got %v, want -0.2", got.Angle())
	}
	for i := range face {
		p := got.Apply(face[i])
		if d := math.Hypot(p.X-arcface[i].X, p.Y-arcface[i].Y); d > 1e-9 {
			t.Errorf("point %d: got %v, want %v", i, p, arcface[i])
		}
	}
}

// Least squares beats exact fitting on a subset: with one point displaced,
// the fit spreads the error instead of following three points exactly.
func TestFitIsLeastSquares(t *testing.T) {
	dst := append([]align.Point(nil), arcface...)
	dst[2].X += 5 // nose moved 5 px
	got, err := align.Fit(arcface, dst)
	if err != nil {
		t.Fatal(err)
	}
	identity := align.New(1, 0, 0, 0)
	if g, w := got.Residual(arcface, dst), identity.Residual(arcface, dst); g >= w {
		t.Errorf("residual: got %v, want under the identity's %v", g, w)
	}
	// Perturbing the optimum in any parameter must not lower the residual.
	best := got.Residual(arcface, dst)
	for _, d := range []align.Similarity{{A: 1e-3}, {A: -1e-3}, {B: 1e-3}, {B: -1e-3}, {Tx: 0.01}, {Tx: -0.01}, {Ty: 0.01}, {Ty: -0.01}} {
		p := align.Similarity{A: got.A + d.A, B: got.B + d.B, Tx: got.Tx + d.Tx, Ty: got.Ty + d.Ty}
		if r := p.Residual(arcface, dst); r < best {
			t.Errorf("perturbed by %+v: residual %v < optimum %v", d, r, best)
		}
	}
}

func TestFitErrors(t *testing.T) {
	tests := []struct {
		name     string
		src, dst []align.Point
		wantDeg  bool
	}{
		{"length mismatch", arcface, arcface[:4], false},
		{"one point", arcface[:1], arcface[:1], false},
		{"all same point", []align.Point{{1, 1}, {1, 1}, {1, 1}}, arcface[:3], true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := align.Fit(tc.src, tc.dst)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if got := errors.Is(err, align.ErrDegenerate); got != tc.wantDeg {
				t.Errorf("errors.Is(err, ErrDegenerate): got %v, want %v (%v)", got, tc.wantDeg, err)
			}
		})
	}
}
