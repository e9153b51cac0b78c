package onnx

import (
	"image"
	"math"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/align"
)

// quality measures the face box of a BGR image: width, sharpness (variance
// of the Laplacian of the grey crop), brightness (its mean grey level) and
// pose from the eye centres and the base of the nose.
func quality(img gocv.Mat, box image.Rectangle, le, re, noseBase align.Point) embeddings.Quality {
	q := embeddings.Quality{Width: box.Dx()}
	r := box.Intersect(image.Rect(0, 0, img.Cols(), img.Rows()))
	if !r.Empty() {
		crop := img.Region(r)
		grey := gocv.NewMat()
		gocv.CvtColor(crop, &grey, gocv.ColorBGRToGray)
		crop.Close()
		lap := gocv.NewMat()
		gocv.Laplacian(grey, &lap, gocv.MatTypeCV64F, 1, 1, 0, gocv.BorderDefault)
		mean, std := gocv.NewMat(), gocv.NewMat()
		gocv.MeanStdDev(lap, &mean, &std)
		sd := std.GetDoubleAt(0, 0)
		q.Sharpness = sd * sd
		q.Brightness = grey.Mean().Val1
		for _, m := range []*gocv.Mat{&grey, &lap, &mean, &std} {
			m.Close()
		}
	}
	q.Yaw, q.Frontal = pose(le, re, noseBase)
	return q
}

// Pose constants, the same as the dlib engine's so that Quality means the
// same for both models.
const (
	// noseDepth is the nose base's depth in front of the eye line, as a
	// fraction of the distance between the eye centres (anthropometric
	// average). It turns the nose's sideways offset into a yaw angle.
	noseDepth = 0.35
	// maxYaw is the yaw, in degrees, at which Frontal reaches 0.
	maxYaw = 60.0
)

// pose estimates yaw (degrees, negative: turned to the image's left) and
// frontality (1 straight on, 0 at maxYaw or beyond) from the eye centres
// (image-left eye first) and the base of the nose: a head turned by yaw
// moves the nose base off the eyes' midpoint by noseDepth·tan(yaw)
// eye-distances.
func pose(le, re, noseBase align.Point) (yaw, frontal float64) {
	eyes := math.Hypot(re.X-le.X, re.Y-le.Y)
	if eyes == 0 {
		return 0, 0
	}
	// Project the nose onto the eye line to ignore roll.
	ux, uy := (re.X-le.X)/eyes, (re.Y-le.Y)/eyes
	mx, my := (re.X+le.X)/2, (re.Y+le.Y)/2
	off := ((noseBase.X-mx)*ux + (noseBase.Y-my)*uy) / eyes
	yaw = math.Atan(off/noseDepth) * 180 / math.Pi
	return yaw, max(0, 1-math.Abs(yaw)/maxYaw)
}
