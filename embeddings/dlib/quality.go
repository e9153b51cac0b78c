package dlib

import (
	"image"
	"image/color"

	"clockface/embeddings"
)

// measure computes a face's quality on the grey crop of img inside box,
// and its pose from the landmarks.
func measure(img image.Image, box image.Rectangle, marks embeddings.Landmarks) embeddings.Quality {
	q := embeddings.Quality{Width: box.Dx()}
	q.Brightness, q.Sharpness = greyStats(img, box.Intersect(img.Bounds()))
	if p, err := marks.Parts(); err == nil {
		q.Yaw, q.Frontal = p.Pose()
	}
	return q
}

// greyStats returns the mean grey level of img inside r and the variance
// of its 4-neighbour Laplacian. It reads the luma plane directly for the
// JPEG decoder's YCbCr and for grey images.
func greyStats(img image.Image, r image.Rectangle) (mean, lapVar float64) {
	w, h := r.Dx(), r.Dy()
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	g := make([]float32, w*h)
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			row := m.Y[m.YOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				g[y*w+x] = float32(row[x])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				g[y*w+x] = float32(row[x])
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				p := row[4*x:]
				g[y*w+x] = float32(luma(p[0], p[1], p[2]))
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g[y*w+x] = float32(color.GrayModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.Gray).Y)
			}
		}
	}

	var sum float64
	for _, v := range g {
		sum += float64(v)
	}
	mean = sum / float64(len(g))
	if w < 3 || h < 3 {
		return mean, 0
	}
	var s, s2 float64
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			l := float64(g[i-1] + g[i+1] + g[i-w] + g[i+w] - 4*g[i])
			s += l
			s2 += l * l
		}
	}
	n := float64((w - 2) * (h - 2))
	lm := s / n
	return mean, s2/n - lm*lm
}

// luma is ITU-R BT.601 luma, as color.GrayModel computes it.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}
