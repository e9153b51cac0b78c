package embeddings_test

import (
	"math"
	"testing"
	"time"

	"clockface/embeddings"
)

func TestSiteThresholds(t *testing.T) {
	shipped := embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.10}
	tests := []struct {
		name    string
		nearest float64
		pairs   int
		want    float64
	}{
		{"nothing measured", 0, 0, 0.42},
		{"far apart", 0.70, 10, 0.42},
		{"the media's closest pair", 0.538, 1, 0.418},
		{"the look-alike set's closest pair", 0.319, 1, 0.199},
		{"nearer than the headroom", 0.05, 1, embeddings.MinSiteAccept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := embeddings.ImpostorSummary{Nearest: embeddings.Pair{A: "a", B: "b", Distance: tt.nearest}, Pairs: tt.pairs}
			got := embeddings.SiteThresholds(shipped, s, 0.12)
			if math.Abs(got.Accept-tt.want) > 1e-9 || got.Review != shipped.Review || got.Margin != shipped.Margin {
				t.Errorf("got %+v, want accept %.3f and the shipped review and margin", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRefreshPolicy(t *testing.T) {
	th := embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.10}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	strong := embeddings.RefreshEvidence{Band: embeddings.Accept, Distance: 0.25, Margin: 0.30, Live: true}
	p := embeddings.DefaultRefreshPolicy()
	tests := []struct {
		name string
		mod  func(*embeddings.RefreshEvidence)
		last time.Time
		want bool
	}{
		{"strong, never refreshed", nil, time.Time{}, true},
		{"strong, refreshed 8 days ago", nil, now.Add(-8 * 24 * time.Hour), true},
		{"refreshed 6 days ago", nil, now.Add(-6 * 24 * time.Hour), false},
		{"PIN-confirmed", func(e *embeddings.RefreshEvidence) { e.PIN = true }, time.Time{}, false},
		{"review", func(e *embeddings.RefreshEvidence) { e.Band = embeddings.Review }, time.Time{}, false},
		{"no liveness", func(e *embeddings.RefreshEvidence) { e.Live = false }, time.Time{}, false},
		{"not well under accept", func(e *embeddings.RefreshEvidence) { e.Distance = 0.33 }, time.Time{}, false},
		{"margin under twice", func(e *embeddings.RefreshEvidence) { e.Margin = 0.19 }, time.Time{}, false},
		{"nobody else enrolled", func(e *embeddings.RefreshEvidence) { e.Margin = math.Inf(1) }, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := strong
			if tt.mod != nil {
				tt.mod(&ev)
			}
			if got, why := p.Allow(ev, th, tt.last, now); got != tt.want {
				t.Errorf("got %v (%s), want %v", got, why, tt.want)
			}
		})
	}
	tmpl := embeddings.Template{Owner: "a", Samples: []embeddings.Embedding{{1}, {2}, {3}}}
	got := embeddings.Refreshed(tmpl, embeddings.Embedding{4})
	if len(got.Samples) != 3 || got.Samples[0][0] != 2 || got.Samples[2][0] != 4 || tmpl.Samples[0][0] != 1 {
		t.Errorf("refreshed: got %v from %v, want [2 3 4] and the original untouched", got.Samples, tmpl.Samples)
	}
}

func TestCombineFrames(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, inf}, {[]float64{0.3}, 0.3}, {[]float64{0.5, 0.2, 0.3}, 0.3}, {[]float64{0.2, 0.4}, 0.3}, {[]float64{0.2, math.NaN(), 0.6, 0.4}, 0.4}, {[]float64{0.2, inf}, inf}} {
		if got := embeddings.CombineFrames(tt.in); got != tt.want && math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("CombineFrames(%v): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVerifyCohortModelMismatch(t *testing.T) {
	m := embeddings.Model{Name: "dlib", Version: "x", Dim: 2}
	g, err := embeddings.NewGallery(m, []embeddings.Template{{Owner: "a", Model: m, Samples: []embeddings.Embedding{{0, 0}}}})
	if err != nil {
		t.Fatal(err)
	}
	other := embeddings.Template{Owner: "a", Model: embeddings.Model{Name: "onnx", Version: "y", Dim: 2}, Samples: []embeddings.Embedding{{0, 0}}}
	if _, err := embeddings.VerifyCohort(embeddings.Embedding{0, 0}, other, g, embeddings.Thresholds{Accept: 0.4, Review: 0.5, Margin: 0.1}); err == nil {
		t.Error("a claimed template of another model: got no error")
	}
}
