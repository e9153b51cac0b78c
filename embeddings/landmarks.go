package embeddings

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Landmarks are a shape predictor's points on one face, in image
// coordinates, in the predictor's own order: dlib's 5-point model (two
// corners of each eye, the base of the nose) or the iBUG 300-W 68-point
// model. Read them through Parts, never by index: Parts is the one decoder
// of both layouts.
type Landmarks []image.Point

// Scheme names a landmark layout.
type Scheme int

const (
	// SchemeUnknown is any other number of points.
	SchemeUnknown Scheme = iota
	// Scheme5 is dlib's shape_predictor_5_face_landmarks: 0–1 the outer and
	// inner corner of the eye on the image's right, 2–3 the outer and inner
	// corner of the eye on the image's left, 4 the base of the nose.
	Scheme5
	// Scheme68 is iBUG 300-W: 36–41 the eye on the image's left, 42–47 the
	// eye on the image's right, 30 the nose tip, 33 the base of the nose,
	// 48 and 54 the mouth corners on the image's left and right.
	Scheme68
)

func (s Scheme) String() string {
	switch s {
	case Scheme5:
		return "5-point"
	case Scheme68:
		return "68-point"
	}
	return "unknown"
}

// Scheme is the layout the number of points implies.
func (l Landmarks) Scheme() Scheme {
	switch len(l) {
	case 5:
		return Scheme5
	case 68:
		return Scheme68
	}
	return SchemeUnknown
}

// ErrLandmarks says a landmark set is neither 5 nor 68 points.
var ErrLandmarks = errors.New("landmarks: need 5 or 68 points")

// Point is a landmark position in pixels; named points that are means of
// several landmarks (an eye centre) fall between pixels.
type Point struct{ X, Y float64 }

// Parts are the named points of one face. "Left" and "right" are the
// image's left and right (the person's right and left in an unmirrored
// camera image).
type Parts struct {
	Scheme Scheme
	// LeftEye and RightEye are the eye centres: the mean of the eye's two
	// corners (5 points) or of its six contour points (68 points).
	LeftEye, RightEye Point
	// NoseBase is the base of the nose, under its tip: in both layouts.
	NoseBase Point
	// NoseTip, MouthLeft and MouthRight exist in the 68-point layout only
	// (HasMouth reports it); with 5 points they are zero.
	NoseTip, MouthLeft, MouthRight Point
}

// HasMouth reports whether NoseTip, MouthLeft and MouthRight were measured.
func (p Parts) HasMouth() bool { return p.Scheme == Scheme68 }

// Nose is the most prominent nose point the layout has: the tip with 68
// points, the base with 5. It moves the most against the eyes as the head
// turns.
func (p Parts) Nose() Point {
	if p.HasMouth() {
		return p.NoseTip
	}
	return p.NoseBase
}

// Parts decodes the named points. Any other count than 5 or 68 wraps
// ErrLandmarks.
func (l Landmarks) Parts() (Parts, error) {
	pt := func(i int) Point { return Point{float64(l[i].X), float64(l[i].Y)} }
	mean := func(from, to int) Point {
		var m Point
		for i := from; i <= to; i++ {
			m.X += float64(l[i].X)
			m.Y += float64(l[i].Y)
		}
		n := float64(to - from + 1)
		return Point{m.X / n, m.Y / n}
	}
	switch l.Scheme() {
	case Scheme5:
		return Parts{Scheme: Scheme5, LeftEye: mean(2, 3), RightEye: mean(0, 1), NoseBase: pt(4)}, nil
	case Scheme68:
		return Parts{
			Scheme:  Scheme68,
			LeftEye: mean(36, 41), RightEye: mean(42, 47),
			NoseBase: pt(33), NoseTip: pt(30),
			MouthLeft: pt(48), MouthRight: pt(54),
		}, nil
	}
	return Parts{}, fmt.Errorf("%w: got %d", ErrLandmarks, len(l))
}

// EyeDistance is the distance between the eye centres, in pixels.
func (p Parts) EyeDistance() float64 {
	return math.Hypot(p.RightEye.X-p.LeftEye.X, p.RightEye.Y-p.LeftEye.Y)
}

// NoseOffset is how far q lies from the midpoint of the eyes along the eye
// line (towards the image's right is positive), in eye distances. Moving,
// scaling or rotating the face in the image plane leaves it unchanged; a
// head that turns moves it. It is 0 when the eyes coincide.
func (p Parts) NoseOffset(q Point) float64 {
	eyes := p.EyeDistance()
	if eyes == 0 {
		return 0
	}
	ux, uy := (p.RightEye.X-p.LeftEye.X)/eyes, (p.RightEye.Y-p.LeftEye.Y)/eyes
	mx, my := (p.RightEye.X+p.LeftEye.X)/2, (p.RightEye.Y+p.LeftEye.Y)/2
	return ((q.X-mx)*ux + (q.Y-my)*uy) / eyes
}

// Pose constants, shared by every engine so Quality means the same for all
// models.
const (
	// noseDepth is the nose base's depth in front of the eye line, as a
	// fraction of the distance between the eye centres (anthropometric
	// average: about 2 cm in front of eyes 6.3 cm apart). It turns the
	// nose's sideways offset into a yaw angle.
	noseDepth = 0.35
	// maxYaw is the yaw, in degrees, at which Frontal reaches 0.
	maxYaw = 60.0
)

// Pose estimates yaw (degrees, negative: turned to the image's left) and
// frontality (1 straight on, 0 at 60° or beyond) from the eye centres and
// the base of the nose: a head turned by yaw moves the nose base off the
// eyes' midpoint by noseDepth·tan(yaw) eye distances. Coinciding eyes give
// 0, 0.
func (p Parts) Pose() (yaw, frontal float64) {
	if p.EyeDistance() == 0 {
		return 0, 0
	}
	yaw = math.Atan(p.NoseOffset(p.NoseBase)/noseDepth) * 180 / math.Pi
	return yaw, max(0, 1-math.Abs(yaw)/maxYaw)
}

// MarshalText writes the scheme's name.
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
