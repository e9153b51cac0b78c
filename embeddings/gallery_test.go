package embeddings_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"clockface/embeddings"
)

var testModel = embeddings.Model{Name: "dlib", Version: "55533b28a958", Dim: 128}

func randomUnit(r *rand.Rand, dim int) embeddings.Embedding {
	e := make(embeddings.Embedding, dim)
	for i := range e {
		e[i] = float32(r.NormFloat64())
	}
	return e.Normalize()
}

// randomTemplates makes n people with 1..3 unit-vector samples each.
func randomTemplates(r *rand.Rand, m embeddings.Model, n int) []embeddings.Template {
	ts := make([]embeddings.Template, n)
	for i := range ts {
		ts[i] = embeddings.Template{Owner: fmt.Sprintf("e%05d", i), Model: m}
		for range 1 + r.IntN(3) {
			ts[i].Samples = append(ts[i].Samples, randomUnit(r, m.Dim))
		}
	}
	return ts
}

// bruteForce is the obvious 1:N: per-person minimum, best and runner-up.
func bruteForce(ts []embeddings.Template, probe embeddings.Embedding) (best, second string, d1, d2 float64) {
	d1, d2 = math.Inf(1), math.Inf(1)
	for _, t := range ts {
		d := math.Inf(1)
		for _, s := range t.Samples {
			d = min(d, s.Dist(probe))
		}
		switch {
		case d < d1:
			best, second, d1, d2 = t.Owner, best, d, d1
		case d < d2:
			second, d2 = t.Owner, d
		}
	}
	return best, second, d1, d2
}

// TestIdentifyMatchesBruteForce covers a small gallery (searched on one
// goroutine) and a large one (split across cores).
func TestIdentifyMatchesBruteForce(t *testing.T) {
	for _, n := range []int{500, 6000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			ts := randomTemplates(r, testModel, n)
			g, err := embeddings.NewGallery(testModel, ts)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := g.Len(), n; got != want {
				t.Fatalf("len: got %d, want %d", got, want)
			}
			th := embeddings.Thresholds{Accept: 0.4, Review: 0.5, Margin: 0.1}
			for i := range 100 {
				probe := randomUnit(r, testModel.Dim)
				if i%2 == 0 {
					// Half the probes sit near an enrolled sample.
					s := ts[r.IntN(len(ts))].Samples[0]
					for j := range probe {
						probe[j] = s[j] + 0.02*probe[j]
					}
				}
				id := g.Identify(probe, th)
				best, second, d1, d2 := bruteForce(ts, probe)
				if id.Owner != best || id.RunnerUp != second {
					t.Fatalf("probe %d: got %s, %s; want %s, %s", i, id.Owner, id.RunnerUp, best, second)
				}
				if math.Abs(id.Distance-d1) > 1e-5 || math.Abs(id.RunnerUpDistance-d2) > 1e-5 || math.Abs(id.Margin-(d2-d1)) > 1e-5 {
					t.Fatalf("probe %d: got %.6f, %.6f, margin %.6f; want %.6f, %.6f", i, id.Distance, id.RunnerUpDistance, id.Margin, d1, d2)
				}
				if got, want := id.Band, th.Band(d1, d2-d1); got != want {
					t.Fatalf("probe %d: band got %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestIdentifyBands(t *testing.T) {
	th := embeddings.Thresholds{Accept: 0.4, Review: 0.55, Margin: 0.1}
	at := func(x, y float32) embeddings.Embedding {
		e := make(embeddings.Embedding, testModel.Dim)
		e[0], e[1] = x, y
		return e
	}
	g, err := embeddings.NewGallery(testModel, []embeddings.Template{
		{Owner: "ann", Model: testModel, Samples: []embeddings.Embedding{at(0, 0), at(5, 5)}},
		{Owner: "bob", Model: testModel, Samples: []embeddings.Embedding{at(1, 0)}},
		{Owner: "cat", Model: testModel, Samples: []embeddings.Embedding{at(0, 0.75)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		probe      embeddings.Embedding
		owner      string
		dist, marg float64
		band       embeddings.Band
	}{
		{"close to ann, far from the others", at(0.1, 0), "ann", 0.1, math.Hypot(0.1, 0.75) - 0.1, embeddings.Accept},
		{"ann's second sample", at(5, 5.3), "ann", 0.3, math.Hypot(4, 5.3) - 0.3, embeddings.Accept},
		{"between the two", at(0.45, 0), "ann", 0.45, 0.1, embeddings.Review},
		{"close to ann but no margin over cat", at(0, 0.35), "ann", 0.35, 0.05, embeddings.Review},
		{"nobody", at(0, 3), "cat", 2.25, 0.75, embeddings.Reject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := g.Identify(tc.probe, th)
			if id.Owner != tc.owner || math.Abs(id.Distance-tc.dist) > 1e-5 || math.Abs(id.Margin-tc.marg) > 1e-5 {
				t.Errorf("got %s at %.4f margin %.4f, want %s at %.4f margin %.4f", id.Owner, id.Distance, id.Margin, tc.owner, tc.dist, tc.marg)
			}
			if id.Band != tc.band {
				t.Errorf("band: got %v, want %v", id.Band, tc.band)
			}
		})
	}
}

func TestIdentifyOnePersonAndEmpty(t *testing.T) {
	th := embeddings.Thresholds{Accept: 0.4, Review: 0.5, Margin: 0.1}
	r := rand.New(rand.NewPCG(3, 4))
	ts := randomTemplates(r, testModel, 1)
	g, err := embeddings.NewGallery(testModel, ts)
	if err != nil {
		t.Fatal(err)
	}
	id := g.Identify(ts[0].Samples[0], th)
	if id.Owner != ts[0].Owner || id.RunnerUp != "" || !math.IsInf(id.Margin, 1) || id.Band != embeddings.Accept {
		t.Errorf("one person: got %+v", id)
	}
	b, err := json.Marshal(id)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if got, want := string(b), `{"owner":"e00000","distance":0,"runner_up_distance":null,"margin":null,"band":"accept"}`; got != want {
		t.Errorf("json: got %s, want %s", got, want)
	}

	empty, err := embeddings.NewGallery(testModel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id := empty.Identify(ts[0].Samples[0], th); id.Owner != "" || id.Band != embeddings.Reject {
		t.Errorf("empty gallery: got %+v, want reject", id)
	}
}

func TestNewGalleryRefuses(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	onnx := embeddings.Model{Name: "onnx", Version: "x", Dim: 128}
	good := randomTemplates(r, testModel, 2)
	for _, tc := range []struct {
		name     string
		ts       []embeddings.Template
		mismatch bool
	}{
		{"other model", append(good[:1:1], randomTemplates(r, onnx, 1)...), true},
		{"other version", append(good[:1:1], randomTemplates(r, embeddings.Model{Name: "dlib", Version: "old", Dim: 128}, 1)...), true},
		{"wrong length", []embeddings.Template{{Owner: "x", Model: testModel, Samples: []embeddings.Embedding{make(embeddings.Embedding, 64)}}}, true},
		{"no samples", []embeddings.Template{{Owner: "x", Model: testModel}}, false},
		{"same owner twice", []embeddings.Template{good[0], good[0]}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := embeddings.NewGallery(testModel, tc.ts)
			if err == nil {
				t.Fatal("got no error")
			}
			if got := errors.Is(err, embeddings.ErrModelMismatch); got != tc.mismatch {
				t.Errorf("errors.Is ErrModelMismatch: got %v, want %v (%v)", got, tc.mismatch, err)
			}
		})
	}
}

func TestThresholdsFor(t *testing.T) {
	th, err := embeddings.ThresholdsFor(testModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := th.Validate(); err != nil {
		t.Error(err)
	}
	// dlib's customary 0.6 lets most look-alike pairs through; the
	// calibrated accept must be far stricter. (The measured zero-false-
	// accept check is in embeddings/dlib, on real photos.)
	if th.Accept >= 0.5 || th.Margin <= 0 {
		t.Errorf("got %+v, want accept < 0.5 and a positive margin", th)
	}
	for _, m := range []embeddings.Model{{Name: "onnx", Version: "1", Dim: 128}, {Name: "dlib", Version: "other", Dim: 128}} {
		if _, err := embeddings.ThresholdsFor(m); err == nil {
			t.Errorf("%s: got no error for an uncalibrated model", m)
		}
	}
}
