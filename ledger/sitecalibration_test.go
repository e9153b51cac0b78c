package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"clockface/embeddings"
	"clockface/ledger"
)

// profileModel is the model of the registered profile name.
func profileModel(t *testing.T, name string) embeddings.Model {
	t.Helper()
	p, err := embeddings.ProfileNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	return p.Model
}

// unitVector is a deterministic unit vector of dim values for seed.
func unitVector(dim int, seed float64) embeddings.Embedding {
	v := make(embeddings.Embedding, dim)
	var n float64
	for i := range v {
		x := math.Sin(seed*float64(i+1) + seed)
		v[i] = float32(x)
		n += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// enrolWith enrols number with two samples of model m near seed.
func enrolWith(t *testing.T, l *ledger.Ledger, m embeddings.Model, number string, seed float64) {
	t.Helper()
	addEmployee(t, l, number, "")
	consent(t, l, number)
	tpl := embeddings.Template{Owner: number, Model: m,
		Samples: []embeddings.Embedding{unitVector(m.Dim, seed), unitVector(m.Dim, seed+0.001)}}
	if err := l.SaveTemplate(context.Background(), tpl, "admin"); err != nil {
		t.Fatalf("save template %s: %v", number, err)
	}
}

func TestCheckEnrolledModel(t *testing.T) {
	dlib, onnx := profileModel(t, "dlib"), profileModel(t, "onnx")
	known := []embeddings.Model{dlib, onnx}
	tests := []struct {
		name     string
		enrolled int // employees enrolled with dlib
		check    embeddings.Model
		want     string // "" for no error
	}{
		{"nobody enrolled", 0, onnx, ""},
		{"enrolled with the selected model", 2, dlib, ""},
		{"enrolled with another model", 2, onnx, "2 with " + dlib.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newEnv(t).open(t)
			for i := range tt.enrolled {
				enrolWith(t, l, dlib, string(rune('A'+i)), float64(i+1))
			}
			err := l.CheckEnrolledModel(context.Background(), tt.check, known)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ledger.ErrReenrol) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "re-enrol every employee") {
				t.Fatalf("got %v, want ErrReenrol counting %q", err, tt.want)
			}
		})
	}
}

func TestCalibrateModels(t *testing.T) {
	dlib, onnx := profileModel(t, "dlib"), profileModel(t, "onnx")
	tests := []struct {
		name         string
		people       int
		onlyEnrolled bool
		want         map[string]string // model -> "report" or the skip reason
	}{
		{"three people", 3, true, map[string]string{dlib.String(): "report"}},
		{"three people, every model", 3, false, map[string]string{dlib.String(): "report", onnx.String(): "nobody is enrolled with this model"}},
		{"one person", 1, true, map[string]string{dlib.String(): "only one employee is enrolled with this model: there are no impostor pairs to measure"}},
		{"nobody", 0, true, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newEnv(t).open(t)
			for i := range tt.people {
				enrolWith(t, l, dlib, string(rune('A'+i)), float64(i+1))
			}
			reps, err := l.CalibrateModels(context.Background(), "test", []embeddings.Model{dlib, onnx}, tt.onlyEnrolled)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range reps {
				got[r.Model.String()] = r.Skip
				if r.Report != nil {
					got[r.Model.String()] = "report"
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for m, w := range tt.want {
				if got[m] != w {
					t.Errorf("%s: got %q, want %q", m, got[m], w)
				}
			}
		})
	}
}

func TestSiteCalibrate(t *testing.T) {
	dlib := profileModel(t, "dlib")
	shipped, err := embeddings.ThresholdsFor(dlib)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		apply, lookalikes bool
	}{
		{"show", false, false},
		{"apply", true, false},
		{"look-alikes", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			l := newEnv(t).open(t)
			for i := range 3 {
				enrolWith(t, l, dlib, string(rune('A'+i)), float64(i+1))
			}
			reps, err := l.CalibrateModels(ctx, "test", []embeddings.Model{dlib}, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.SiteCalibrate(ctx, "test", reps, tt.apply, tt.lookalikes); err != nil {
				t.Fatal(err)
			}
			s := reps[0].Site
			if s == nil {
				t.Fatal("no site report")
			}
			if !s.Measured || s.Impostors.Pairs == 0 {
				t.Errorf("measured: got %v with %d pairs, want the enrolments' impostor pairs", s.Measured, s.Impostors.Pairs)
			}
			if s.Applied != tt.apply || (s.Changed && !tt.apply) {
				t.Errorf("applied, changed: got %v, %v; want applied %v", s.Applied, s.Changed, tt.apply)
			}
			if s.Shipped != shipped || s.Effective.Accept > shipped.Accept {
				t.Errorf("thresholds: shipped %+v, effective %+v; want the shipped ones, tightened at most", s.Shipped, s.Effective)
			}
			if got := reps[0].Lookalikes != nil; got != tt.lookalikes {
				t.Errorf("look-alikes listed: got %v, want %v", got, tt.lookalikes)
			}
		})
	}
}

func TestWriteCalibration(t *testing.T) {
	ctx := context.Background()
	dlib := profileModel(t, "dlib")
	l := newEnv(t).open(t)
	for i := range 3 {
		enrolWith(t, l, dlib, string(rune('A'+i)), float64(i+1))
	}
	reps, err := l.CalibrateModels(ctx, "test", []embeddings.Model{dlib, profileModel(t, "onnx")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SiteCalibrate(ctx, "test", reps, true, true); err != nil {
		t.Fatal(err)
	}
	changes, err := l.CalibrationChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	ledger.WriteCalibrationText(&text, reps, changes)
	for _, want := range []string{
		"model " + dlib.String() + "\n  3 employees, 6 samples:",
		"  skipped: nobody is enrolled with this model",
		"operating point: accept at distance <=",
		"\nsite calibration " + dlib.String() + "\n  --apply: measured every pair again",
		"nearest pair of different people:",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text: want %q in\n%s", want, text.String())
		}
	}
	// Only dlib's report: a model nobody is enrolled with has its nearest
	// pair at +Inf, which JSON cannot hold (see the report of this change).
	var js strings.Builder
	if err := ledger.WriteCalibrationJSON(&js, reps[:1], changes); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Model   embeddings.Model `json:"model"`
		Skipped string           `json:"skipped"`
		Report  *struct {
			AUC *float64 `json:"auc"`
		} `json:"report"`
		Changes []ledger.AuditEntry `json:"calibration_changes"`
	}
	if err := json.Unmarshal([]byte(js.String()), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, js.String())
	}
	if len(got) != 1 || got[0].Model != dlib || got[0].Report == nil || got[0].Report.AUC == nil || got[0].Changes == nil {
		t.Errorf("JSON: got %+v, want dlib's report with its AUC and its change list", got)
	}
}
