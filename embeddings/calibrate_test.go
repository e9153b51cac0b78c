package embeddings_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"clockface/embeddings"
)

func TestScoresRates(t *testing.T) {
	s := embeddings.Scores{
		Genuine:  []float64{0.1, 0.2, 0.3, 0.6},
		Impostor: []float64{0.5, 0.7, 0.8, 0.9, 1.0},
	}
	tests := []struct {
		name string
		got  embeddings.Rates
		want embeddings.Rates
	}{
		{"at 0.25", s.At(0.25), embeddings.Rates{Threshold: 0.25, FAR: 0, FRR: 0.5, TAR: 0.5, FalseRejects: 2}},
		{"at 0.7", s.At(0.7), embeddings.Rates{Threshold: 0.7, FAR: 0.4, FRR: 0, TAR: 1, FalseAccepts: 2}},
		{"zero FA", s.ZeroFA(), embeddings.Rates{Threshold: math.Nextafter(0.5, 0), FRR: 0.25, TAR: 0.75, FalseRejects: 1}},
		{"FAR 20%", s.AtFAR(0.2), embeddings.Rates{Threshold: math.Nextafter(0.7, 0), FAR: 0.2, TAR: 1, FalseAccepts: 1}},
		{"FAR 100%", s.AtFAR(1), embeddings.Rates{Threshold: math.Inf(1), FAR: 1, TAR: 1, FalseAccepts: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %+v, want %+v", tc.got, tc.want)
			}
		})
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name string
		s    embeddings.Scores
		want float64
	}{
		{"separated", embeddings.Scores{Genuine: []float64{0.1, 0.2}, Impostor: []float64{0.3, 0.4}}, 1},
		{"reversed", embeddings.Scores{Genuine: []float64{0.5, 0.6}, Impostor: []float64{0.3, 0.4}}, 0},
		{"ties count half", embeddings.Scores{Genuine: []float64{0.3}, Impostor: []float64{0.3}}, 0.5},
		// pairs (g,i): (0.1,0.2)✓ (0.1,0.4)✓ (0.3,0.2)✗ (0.3,0.4)✓ → 3/4
		{"overlap", embeddings.Scores{Genuine: []float64{0.1, 0.3}, Impostor: []float64{0.2, 0.4}}, 0.75},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.AUC(); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := (embeddings.Scores{Genuine: []float64{1}}).AUC(); !math.IsNaN(got) {
		t.Errorf("no impostors: got %v, want NaN", got)
	}
}

func TestROCMonotone(t *testing.T) {
	s := embeddings.Scores{Genuine: []float64{0.1, 0.4, 0.2, 0.6}, Impostor: []float64{0.5, 0.3, 0.9}}
	roc := s.ROC()
	if got, want := len(roc), 7; got != want {
		t.Fatalf("points: got %d, want %d", got, want)
	}
	for i := 1; i < len(roc); i++ {
		if roc[i].FAR < roc[i-1].FAR || roc[i].TAR < roc[i-1].TAR || roc[i].Threshold <= roc[i-1].Threshold {
			t.Errorf("point %d %+v after %+v: not monotone", i, roc[i], roc[i-1])
		}
	}
	if last := roc[len(roc)-1]; last.FAR != 1 || last.TAR != 1 {
		t.Errorf("last point: got %+v, want FAR 1 and TAR 1", last)
	}
}

func tmpl(owner string, m embeddings.Model, xs ...float32) embeddings.Template {
	t := embeddings.Template{Owner: owner, Model: m}
	for _, x := range xs {
		t.Samples = append(t.Samples, embeddings.Embedding{x, 0})
	}
	return t
}

func TestPairScoresAndCalibrate(t *testing.T) {
	m := embeddings.Model{Name: "onnx", Version: "v1", Dim: 2}
	ts := []embeddings.Template{tmpl("a", m, 0, 0.1, 0.2), tmpl("b", m, 1, 1.1), tmpl("c", m, 3)}
	s, err := embeddings.PairScores(ts)
	if err != nil {
		t.Fatal(err)
	}
	// genuine: C(3,2) + C(2,2) + 0 = 4; impostor: 3·2 + 3·1 + 2·1 = 11
	if got, want := len(s.Genuine), 4; got != want {
		t.Errorf("genuine: got %d, want %d", got, want)
	}
	if got, want := len(s.Impostor), 11; got != want {
		t.Errorf("impostor: got %d, want %d", got, want)
	}
	r, err := embeddings.Calibrate(ts, embeddings.Thresholds{Accept: 0.5, Review: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	if r.People != 3 || r.Samples != 6 || r.Genuine != 4 || r.Impostor != 11 || r.AUC != 1 {
		t.Errorf("report: got %+v", r)
	}
	if r.Configured.FalseAccepts != 0 || r.Configured.TAR != 1 {
		t.Errorf("configured rates: got %+v, want no false accept and TAR 1", r.Configured)
	}
	if got, want := r.FARUpper95, 3.0/11; math.Abs(got-want) > 1e-12 {
		t.Errorf("FAR upper bound: got %v, want %v", got, want)
	}
	if r.Recommended != r.Configured {
		t.Errorf("recommended: got %+v, want the configured %+v", r.Recommended, r.Configured)
	}
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{"only 3 people", "only 4 genuine pairs", "11 impostor pairs"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}

// A configured threshold that lets two enrolled people match is lowered to
// the zero-false-accept point, and the report says so.
func TestCalibrateRecommendsTighter(t *testing.T) {
	m := embeddings.Model{Name: "onnx", Version: "v1", Dim: 2}
	ts := []embeddings.Template{tmpl("a", m, 0, 0.1), tmpl("b", m, 0.3, 0.35)}
	r, err := embeddings.Calibrate(ts, embeddings.Thresholds{Accept: 0.25, Review: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	// impostor distances: 0.3, 0.35, 0.2, 0.25 → two within 0.25
	if got, want := r.Configured.FalseAccepts, 2; got != want {
		t.Errorf("configured false accepts: got %d, want %d", got, want)
	}
	if got, want := r.Recommended.Threshold, math.Nextafter(0.2, 0); math.Abs(got-want) > 1e-6 {
		t.Errorf("recommended threshold: got %v, want %v", got, want)
	}
	if got := r.Recommended.FalseAccepts; got != 0 {
		t.Errorf("recommended false accepts: got %d, want 0", got)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "2 pairs of different people") {
		t.Errorf("notes %q do not flag the 2 close pairs", notes)
	}
}

func TestCalibrateErrors(t *testing.T) {
	a := embeddings.Model{Name: "dlib", Version: "x", Dim: 2}
	b := embeddings.Model{Name: "onnx", Version: "y", Dim: 2}
	if _, err := embeddings.Calibrate(nil, embeddings.Thresholds{Accept: 1, Review: 1}); !errors.Is(err, embeddings.ErrNoTemplates) {
		t.Errorf("no templates: got %v, want ErrNoTemplates", err)
	}
	_, err := embeddings.Calibrate([]embeddings.Template{tmpl("a", a, 0), tmpl("b", b, 1)}, embeddings.Thresholds{Accept: 1, Review: 1})
	if !errors.Is(err, embeddings.ErrModelMismatch) {
		t.Errorf("mixed models: got %v, want ErrModelMismatch", err)
	}
}
