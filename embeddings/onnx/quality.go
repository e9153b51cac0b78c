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
// pose from the landmarks (eye centres first, nose third).
func quality(img gocv.Mat, box image.Rectangle, pts []align.Point) embeddings.Quality {
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
	q.Yaw, q.Frontal = pose(pts)
	return q
}

// pose estimates yaw from how far the nose sits from the midpoint between
// the eyes, as a fraction of half the eye distance: 0 frontal, −1 or +1 with
// the nose over an eye (a turn of roughly 45° or more). Negative means the
// face is turned towards the image's left. Frontal is 1 − |yaw|.
func pose(pts []align.Point) (yaw, frontal float64) {
	if len(pts) < 3 {
		return 0, 0
	}
	le, re, nose := pts[0], pts[1], pts[2]
	dx, dy := re.X-le.X, re.Y-le.Y
	half := math.Hypot(dx, dy) / 2
	if half == 0 {
		return 0, 0
	}
	// Project the nose's offset from the eye midpoint onto the eye axis.
	mx, my := (le.X+re.X)/2, (le.Y+re.Y)/2
	off := ((nose.X-mx)*dx + (nose.Y-my)*dy) / (2 * half)
	yaw = max(-1, min(1, off/half))
	return yaw, 1 - math.Abs(yaw)
}
