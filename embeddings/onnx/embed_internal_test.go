package onnx

import (
	"path/filepath"
	"syscall"
	"testing"

	"gocv.io/x/gocv"

	"clockface/internal/testmedia"
)

// BenchmarkEmbed is the embedding step alone for one face: the similarity
// warp to 112×112 and the network (twice with flip averaging).
func BenchmarkEmbed(b *testing.B) {
	dir := testmedia.Models(b)
	jpg := testmedia.Read(b, "gocv/face.jpg")
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"onnx", Options{}},
		{"onnx-flip", Options{Flip: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			e, err := New(dir, c.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			img, err := gocv.IMDecode(jpg, gocv.IMReadColor)
			if err != nil {
				b.Fatal(err)
			}
			defer img.Close()
			dets, err := e.lm.detect(img)
			if err != nil || len(dets) != 1 {
				b.Fatalf("got %d faces, %v; want 1", len(dets), err)
			}
			pts, _, err := e.points(dets[0].shapes)
			if err != nil {
				b.Fatal(err)
			}
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			n := 0
			for b.Loop() {
				if _, err := e.embed(img, pts); err != nil {
					b.Fatal(err)
				}
				n++
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e6/float64(n), "cpu-ms/op")
		})
	}
}

// BenchmarkLandmarks is HOG detection plus landmarks on face.jpg (decoded
// once) with the 68-point and the 5-point predictor; "detect-only" is the
// frame upside down, where the frontal detector finds nothing. The
// differences are the cost of each landmark source.
func BenchmarkLandmarks(b *testing.B) {
	dir := testmedia.Models(b)
	img, err := gocv.IMDecode(testmedia.Read(b, "gocv/face.jpg"), gocv.IMReadColor)
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	upsideDown := gocv.NewMat()
	defer upsideDown.Close()
	gocv.Flip(img, &upsideDown, 0)
	for _, c := range []struct {
		name, file string
		img        gocv.Mat
		faces      int
	}{
		{"68pt", predictor68File, img, 1},
		{"5pt", predictor5File, img, 1},
		{"detect-only", predictor5File, upsideDown, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			lm, err := newLandmarker(filepath.Join(dir, c.file))
			if err != nil {
				b.Fatal(err)
			}
			defer lm.close()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			n := 0
			for b.Loop() {
				if dets, err := lm.detect(c.img); err != nil || len(dets) != c.faces {
					b.Fatalf("got %d faces, %v; want %d", len(dets), err, c.faces)
				}
				n++
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e6/float64(n), "cpu-ms/op")
		})
	}
}

// BenchmarkPredictor is the shape predictor alone on the face box of
// face.jpg (the frame converted to dlib's format once): the cost of each
// landmark source without detection.
func BenchmarkPredictor(b *testing.B) {
	dir := testmedia.Models(b)
	img, err := gocv.IMDecode(testmedia.Read(b, "gocv/face.jpg"), gocv.IMReadColor)
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	di, err := newDlibImage(img)
	if err != nil {
		b.Fatal(err)
	}
	defer di.close()
	for _, c := range []struct {
		name, file string
		points     int
	}{
		{"68pt", predictor68File, 68},
		{"5pt", predictor5File, 5},
	} {
		b.Run(c.name, func(b *testing.B) {
			lm, err := newLandmarker(filepath.Join(dir, c.file))
			if err != nil {
				b.Fatal(err)
			}
			defer lm.close()
			dets, err := lm.detect(img)
			if err != nil || len(dets) != 1 {
				b.Fatalf("got %d faces, %v; want 1", len(dets), err)
			}
			for b.Loop() {
				pts, err := lm.predict(di, dets[0].box)
				if err != nil || len(pts) != c.points {
					b.Fatalf("got %d points, %v; want %d", len(pts), err, c.points)
				}
			}
		})
	}
}
