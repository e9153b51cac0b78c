package onnx_test

import (
	"bufio"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	face "github.com/Kagami/go-face"
	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/onnx"
	"clockface/internal/testmedia"
)

// goFace is the dlib model as go-face computes it (HOG detector, 5-point
// predictor, 128-d ResNet descriptor): the reference the ONNX model is
// measured against, on the same pairs.
type goFace struct{ rec *face.Recognizer }

func newGoFace(tb testing.TB, dir string) goFace {
	tb.Helper()
	rec, err := face.NewRecognizer(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return goFace{rec}
}

func (g goFace) Faces(jpg []byte) ([]embeddings.Face, error) {
	fs, err := g.rec.Recognize(jpg)
	if err != nil {
		return nil, err
	}
	out := make([]embeddings.Face, len(fs))
	for i, f := range fs {
		out[i] = embeddings.Face{Box: f.Rectangle, Embedding: append(embeddings.Embedding(nil), f.Descriptor[:]...)}
	}
	return out, nil
}
func (g goFace) Model() embeddings.Model { return embeddings.Model{Name: "dlib", Dim: 128} }
func (g goFace) Close() error            { g.rec.Close(); return nil }

// predictorDir is a models folder whose shape_predictor_5 name points at
// the given predictor, for go-face.
func predictorDir(tb testing.TB, models, predictor string) string {
	tb.Helper()
	dir := tb.TempDir()
	for link, target := range map[string]string{
		"shape_predictor_5_face_landmarks.dat":      predictor,
		"dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
		"mmod_human_face_detector.dat":              "mmod_human_face_detector.dat",
	} {
		abs, _ := filepath.Abs(filepath.Join(models, target))
		if err := os.Symlink(abs, filepath.Join(dir, link)); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkCalibration measures each configuration on the labelled media
// (see media_test.go) and reports AUC, TAR at FAR 1% and 0.1%, and the
// zero-false-accept point as metrics. One iteration is the whole set.
func BenchmarkCalibration(b *testing.B) {
	dir := testmedia.Models(b)
	configs := []struct {
		name string
		open func() fileEngine
	}{
		{"dlib", func() fileEngine { return newGoFace(b, dir) }},
		{"onnx", func() fileEngine { return mustNew(b, dir, onnx.Options{}) }},
		{"onnx-flip", func() fileEngine { return mustNew(b, dir, onnx.Options{Flip: true}) }},
		{"onnx-5pt", func() fileEngine { return mustNew(b, dir, onnx.Options{Landmarks5: true}) }},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			e := c.open()
			defer e.Close()
			var set []sample
			for b.Loop() {
				set = mediaSet(b, e)
			}
			s := scores(set)
			report(b, "", s)
			var hard []sample
			for _, x := range set {
				switch x.who {
				case "vin", "jason", "bruce", "dwayne":
					hard = append(hard, x)
				}
			}
			report(b, "bald-", scores(hard))
			b.Logf("%s: AUC %.5f, bald men only %.5f", c.name, s.AUC(), scores(hard).AUC())
			for _, who := range []string{"franck", "video"} {
				var one []sample
				for _, x := range set {
					if x.who == who {
						one = append(one, x)
					}
				}
				gs := sorted(scores(one).Genuine)
				b.Logf("%s: %s genuine pairs %d, median %.3f, max %.3f, accepted at %.2f: %.3f", c.name, who, len(gs), q(gs, 0.5), q(gs, 1), th(c.name), scores(one).At(th(c.name)).TAR)
			}
			hg := sorted(scores(hard).Genuine)
			b.Logf("%s: bald genuine median %.3f max %.3f, accepted at %.2f: %.3f", c.name, q(hg, 0.5), q(hg, 1), th(c.name), scores(hard).At(th(c.name)).TAR)
			g, im := sorted(s.Genuine), sorted(s.Impostor)
			b.Logf("%s: %d faces; genuine median %.3f p99 %.3f max %.3f; impostor min %.3f p1 %.3f median %.3f",
				c.name, len(set), q(g, 0.5), q(g, 0.99), q(g, 1), q(im, 0), q(im, 0.01), q(im, 0.5))
			for _, th := range []float64{0.40, 0.42, 0.45, 0.50, 0.55, 0.80, 0.85, 0.90, 0.95, 1.00, 1.05} {
				r := s.At(th)
				b.Logf("%s: at %.2f TAR %.4f FAR %.4f (%d false accepts)", c.name, th, r.TAR, r.FAR, r.FalseAccepts)
			}
		})
	}
}

// th is the configured accept distance of a configuration's model.
func th(config string) float64 {
	m := onnx.Model()
	switch config {
	case "onnx-5pt":
		m = onnx.Options{Landmarks5: true}.Model()
	case "onnx-flip":
		m = onnx.Options{Flip: true}.Model()
	case "dlib":
		m = embeddings.Model{Name: "dlib", Version: "55533b28a958"}
	}
	t, err := embeddings.ThresholdsFor(m)
	if err != nil {
		return math.NaN()
	}
	return t.Accept
}

func report(b *testing.B, prefix string, s embeddings.Scores) {
	z, f1, f01 := s.ZeroFA(), s.AtFAR(0.01), s.AtFAR(0.001)
	b.ReportMetric(float64(len(s.Genuine)), prefix+"genuine")
	b.ReportMetric(float64(len(s.Impostor)), prefix+"impostor")
	b.ReportMetric(s.AUC(), prefix+"AUC")
	b.ReportMetric(f1.TAR, prefix+"TAR@FAR1%")
	b.ReportMetric(f01.TAR, prefix+"TAR@FAR0.1%")
	b.ReportMetric(z.TAR, prefix+"TAR@zeroFA")
	b.ReportMetric(z.Threshold, prefix+"zeroFA-dist")
}

func sorted(v []float64) []float64 {
	w := append([]float64(nil), v...)
	sort.Float64s(w)
	return w
}

func q(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[int(math.Round(p*float64(len(sorted)-1)))]
}

func mustNew(tb testing.TB, dir string, o onnx.Options) *onnx.Engine {
	tb.Helper()
	e, err := onnx.New(dir, o)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkFaces is detection, landmarks and embedding of the one face in
// a 640×480 frame (JPEG decode included), per engine. The "-crop" runs
// time the same call on a tight crop around the face (the box plus a
// quarter on each side), where detection is cheap: nearly the per-face
// cost (landmarks and embedding), measured the same way for both models.
func BenchmarkFaces(b *testing.B) {
	dir := testmedia.Models(b)
	jpg := testmedia.Read(b, "gocv/face.jpg")
	crop := faceCrop(b, jpg)
	for _, c := range []struct {
		name string
		open func() fileEngine
		jpg  []byte
	}{
		{"dlib", func() fileEngine { return newGoFace(b, dir) }, jpg},
		{"onnx", func() fileEngine { return mustNew(b, dir, onnx.Options{}) }, jpg},
		{"onnx-flip", func() fileEngine { return mustNew(b, dir, onnx.Options{Flip: true}) }, jpg},
		{"onnx-5pt", func() fileEngine { return mustNew(b, dir, onnx.Options{Landmarks5: true}) }, jpg},
		{"dlib-crop", func() fileEngine { return newGoFace(b, dir) }, crop},
		{"onnx-crop", func() fileEngine { return mustNew(b, dir, onnx.Options{}) }, crop},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := c.open()
			defer e.Close()
			loopCPU(b, func() {
				fs, err := e.Faces(c.jpg)
				if err != nil || len(fs) != 1 {
					b.Fatalf("got %d faces, %v; want 1", len(fs), err)
				}
			})
		})
	}
}

// faceCrop is the one face of jpg with a quarter of its width around it.
func faceCrop(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	g := newGoFace(tb, testmedia.Models(tb))
	defer g.Close()
	fs, err := g.Faces(jpg)
	if err != nil || len(fs) != 1 {
		tb.Fatalf("got %d faces, %v; want 1", len(fs), err)
	}
	img, err := gocv.IMDecode(jpg, gocv.IMReadColor)
	if err != nil {
		tb.Fatal(err)
	}
	defer img.Close()
	r := fs[0].Box.Inset(-fs[0].Box.Dx() / 4).Intersect(image.Rect(0, 0, img.Cols(), img.Rows()))
	region := img.Region(r)
	defer region.Close()
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, region, []int{gocv.IMWriteJpegQuality, 95})
	if err != nil {
		tb.Fatal(err)
	}
	defer buf.Close()
	return append([]byte(nil), buf.GetBytes()...)
}

// BenchmarkEngineMemory reports the resident memory of the process with a
// loaded engine that has described one face (MB-rss), and what loading
// added (MB-rss-added). Run one sub-benchmark per process for a clean
// baseline.
func BenchmarkEngineMemory(b *testing.B) {
	dir := testmedia.Models(b)
	jpg := testmedia.Read(b, "gocv/face.jpg")
	for _, c := range []struct {
		name string
		open func() fileEngine
	}{
		{"dlib", func() fileEngine { return newGoFace(b, dir) }},
		{"onnx", func() fileEngine { return mustNew(b, dir, onnx.Options{}) }},
		{"onnx-5pt", func() fileEngine { return mustNew(b, dir, onnx.Options{Landmarks5: true}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.GC()
			before := vmRSS(b)
			var e fileEngine
			for b.Loop() {
				e = c.open()
				if _, err := e.Faces(jpg); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC()
				after := vmRSS(b)
				b.ReportMetric(after/1024, "MB-rss")
				b.ReportMetric((after-before)/1024, "MB-rss-added")
				e.Close()
				b.StartTimer()
			}
		})
	}
}

// cpuTime is the process's user plus system CPU time. Benchmarks report it
// per operation (cpu-ms/op) beside the wall time: on a machine shared with
// other builds the wall time mostly measures the neighbours.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs f in b.Loop and reports CPU milliseconds per operation.
func loopCPU(b *testing.B, f func()) {
	start := cpuTime(b)
	n := 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

// vmRSS is the process's resident set size in KiB, from /proc/self/status.
func vmRSS(tb testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}
