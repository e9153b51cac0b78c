// Package align fits the similarity transform (rotation, uniform scale,
// translation) that best maps one set of 2-D points onto another in the
// least-squares sense. It is the closed-form 2-D case of Umeyama's method
// without reflection, and is what face embedders use to warp a face onto a
// model's reference landmarks.
package align

import (
	"errors"
	"fmt"
	"math"
)

// Point is a 2-D point in pixels.
type Point struct{ X, Y float64 }

// Similarity maps p to (A·x − B·y + Tx, B·x + A·y + Ty): a rotation by
// atan2(B, A), a scale of hypot(A, B) and a translation.
type Similarity struct {
	A, B, Tx, Ty float64
}

// Apply maps p.
func (s Similarity) Apply(p Point) Point {
	return Point{X: s.A*p.X - s.B*p.Y + s.Tx, Y: s.B*p.X + s.A*p.Y + s.Ty}
}

// Scale is the uniform scale factor.
func (s Similarity) Scale() float64 { return math.Hypot(s.A, s.B) }

// Angle is the rotation in radians, counter-clockwise in x-right, y-up
// axes (clockwise on screen, where y points down).
func (s Similarity) Angle() float64 { return math.Atan2(s.B, s.A) }

// Matrix is the 2×3 affine matrix in row-major order, as OpenCV's
// WarpAffine takes it.
func (s Similarity) Matrix() [6]float64 {
	return [6]float64{s.A, -s.B, s.Tx, s.B, s.A, s.Ty}
}

// New builds a similarity from a scale, an angle in radians and a
// translation.
func New(scale, angle, tx, ty float64) Similarity {
	return Similarity{A: scale * math.Cos(angle), B: scale * math.Sin(angle), Tx: tx, Ty: ty}
}

// ErrDegenerate says the source points are all (nearly) the same point, so
// no scale or rotation can be fitted.
var ErrDegenerate = errors.New("align: source points are degenerate")

// Fit returns the similarity minimising Σ|dst[i] − S(src[i])|². It needs at
// least two points, the same number in each set.
func Fit(src, dst []Point) (Similarity, error) {
	if len(src) != len(dst) {
		return Similarity{}, fmt.Errorf("align: %d source points, %d destination points", len(src), len(dst))
	}
	if len(src) < 2 {
		return Similarity{}, fmt.Errorf("align: need at least 2 points, got %d", len(src))
	}
	n := float64(len(src))
	var ms, md Point
	for i := range src {
		ms.X += src[i].X / n
		ms.Y += src[i].Y / n
		md.X += dst[i].X / n
		md.Y += dst[i].Y / n
	}
	// With centred points u (source) and v (destination), the optimum is
	// A = Σ(u·v)/Σ|u|², B = Σ(u×v)/Σ|u|²: the real and imaginary parts of
	// the complex least-squares ratio Σ conj(u)·v / Σ|u|².
	var dot, cross, norm float64
	for i := range src {
		ux, uy := src[i].X-ms.X, src[i].Y-ms.Y
		vx, vy := dst[i].X-md.X, dst[i].Y-md.Y
		dot += ux*vx + uy*vy
		cross += ux*vy - uy*vx
		norm += ux*ux + uy*uy
	}
	if norm < 1e-12 {
		return Similarity{}, ErrDegenerate
	}
	a, b := dot/norm, cross/norm
	return Similarity{
		A:  a,
		B:  b,
		Tx: md.X - (a*ms.X - b*ms.Y),
		Ty: md.Y - (b*ms.X + a*ms.Y),
	}, nil
}

// Residual is the root-mean-square distance between S(src[i]) and dst[i].
func (s Similarity) Residual(src, dst []Point) float64 {
	if len(src) == 0 || len(src) != len(dst) {
		return math.NaN()
	}
	var sum float64
	for i := range src {
		p := s.Apply(src[i])
		sum += (p.X-dst[i].X)*(p.X-dst[i].X) + (p.Y-dst[i].Y)*(p.Y-dst[i].Y)
	}
	return math.Sqrt(sum / float64(len(src)))
}
