package onnx

import (
	"image"

	"gocv.io/x/gocv"

	"clockface/embeddings"
)

// quality measures the face box of a BGR image: width, sharpness (variance
// of the Laplacian of the grey crop), brightness (its mean grey level) and
// pose from the typed landmarks (embeddings.Parts.Pose, as for dlib).
func quality(img gocv.Mat, box image.Rectangle, marks embeddings.Landmarks) embeddings.Quality {
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
	if p, err := marks.Parts(); err == nil {
		q.Yaw, q.Frontal = p.Pose()
	}
	return q
}
