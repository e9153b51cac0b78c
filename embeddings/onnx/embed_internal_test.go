package onnx

import (
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
			dets, err := e.rec.Recognize(jpg)
			if err != nil || len(dets) != 1 {
				b.Fatalf("got %d faces, %v; want 1", len(dets), err)
			}
			pts, _, err := e.points(dets[0].Shapes)
			if err != nil {
				b.Fatal(err)
			}
			img, err := gocv.IMDecode(jpg, gocv.IMReadColor)
			if err != nil {
				b.Fatal(err)
			}
			defer img.Close()
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
