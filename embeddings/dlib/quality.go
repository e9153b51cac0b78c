package dlib

import (
	"image"
	"image/color"
	"math"

	"clockface/embeddings"
)

const (
	// noseDepth is the nose base's depth in front of the eye line, as a
	// fraction of the distance between the eye centres (anthropometric
	// average: about 2 cm in front of eyes 6.3 cm apart). It turns the
	// nose's sideways offset into a yaw angle.
	noseDepth = 0.35
	// maxYaw is the yaw, in degrees, at which Frontal reaches 0.
	maxYaw = 60.0
)

// measure computes a face's quality on the grey crop of img inside box,
// and its pose from the 5 landmarks.
func measure(img image.Image, box image.Rectangle, marks []image.Point) embeddings.Quality {
	q := embeddings.Quality{Width: box.Dx()}
	q.Brightness, q.Sharpness = greyStats(img, box.Intersect(img.Bounds()))
	q.Yaw, q.Frontal = pose(marks)
	return q
}

// pose estimates yaw (degrees, negative: turned to the image's left) and
// frontality (1 straight on, 0 at maxYaw or beyond) from dlib's 5 points:
// 0,1 outer and inner corner of the eye on the image's right, 2,3 outer and
// inner corner of the eye on the image's left, 4 the base of the nose.
// A head turned by yaw moves the nose off the eyes' midpoint by
// noseDepth·tan(yaw) eye-distances.
func pose(m []image.Point) (yaw, frontal float64) {
	if len(m) != 5 {
		return 0, 0
	}
	rx, ry := float64(m[0].X+m[1].X)/2, float64(m[0].Y+m[1].Y)/2
	lx, ly := float64(m[2].X+m[3].X)/2, float64(m[2].Y+m[3].Y)/2
	eyes := math.Hypot(rx-lx, ry-ly)
	if eyes == 0 {
		return 0, 0
	}
	// Project the nose onto the eye line to ignore roll.
	ux, uy := (rx-lx)/eyes, (ry-ly)/eyes
	mx, my := (rx+lx)/2, (ry+ly)/2
	off := ((float64(m[4].X)-mx)*ux + (float64(m[4].Y)-my)*uy) / eyes
	yaw = math.Atan(off/noseDepth) * 180 / math.Pi
	frontal = max(0, 1-math.Abs(yaw)/maxYaw)
	return yaw, frontal
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
