package models_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/internal/testmedia"
)

// Every registered profile opens with the real models, makes the model its
// profile names, carries the calibrated thresholds and the landmark layout
// its engine really returns; the typed landmarks sit where a face has them.
func TestRegistry(t *testing.T) {
	dir := testmedia.Models(t)
	img, err := embeddings.DecodeImage(testmedia.Read(t, "gocv/face.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dlibTh := embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.10}
	onnxTh := embeddings.Thresholds{Accept: 0.90, Review: 1.00, Margin: 0.05}
	tests := []struct {
		name    string
		model   string
		dim     int
		th      embeddings.Thresholds
		scheme  embeddings.Scheme
		licence string
	}{
		{"dlib", "dlib/55533b28a958", 128, dlibTh, embeddings.Scheme5, "CC0"},
		{"onnx", "onnx/87aacdfe5751", 512, onnxTh, embeddings.Scheme68, "exclude commercial use"},
		{"onnx-sp5", "onnx/87aacdfe5751+sp5", 512, onnxTh, embeddings.Scheme5, "CC0 5-point"},
		{"onnx-flip", "onnx/87aacdfe5751+flip", 512, onnxTh, embeddings.Scheme68, "exclude commercial use"},
	}
	if got, want := len(embeddings.Profiles()), len(tests); got != want {
		t.Fatalf("registered profiles: got %d (%v), want %d", got, embeddings.ProfileNames(), want)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, p, err := models.Open(tc.name, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if got := e.Model(); got.String() != tc.model || got.Dim != tc.dim || got != p.Model {
				t.Errorf("model: got %v (dim %d), profile %v; want %s (dim %d)", got, got.Dim, p.Model, tc.model, tc.dim)
			}
			if p.Thresholds != tc.th {
				t.Errorf("thresholds: got %+v, want %+v", p.Thresholds, tc.th)
			}
			if th, err := embeddings.ThresholdsFor(e.Model()); err != nil || th != tc.th {
				t.Errorf("ThresholdsFor: got %+v, %v; want %+v", th, err, tc.th)
			}
			if err := p.Thresholds.Validate(); err != nil {
				t.Error(err)
			}
			if !strings.Contains(p.Licence, tc.licence) || p.Alignment == "" || len(p.Files) == 0 {
				t.Errorf("profile notes: licence %q (want it to mention %q), alignment %q, files %v", p.Licence, tc.licence, p.Alignment, p.Files)
			}
			if p.Gates.MinWidth <= 0 || p.Gates.MaxSampleDistance <= p.Gates.MinSampleSpread || p.Gates.MaxYaw < p.Gates.MaxYawFirst {
				t.Errorf("gates: %+v", p.Gates)
			}
			fs, err := e.FacesImage(img)
			if err != nil || len(fs) != 1 {
				t.Fatalf("face.jpg: got %d faces, %v; want 1", len(fs), err)
			}
			f := fs[0]
			if got := f.Landmarks.Scheme(); got != tc.scheme || got != p.Landmarks {
				t.Errorf("landmarks: got %v (%d points), profile %v; want %v", got, len(f.Landmarks), p.Landmarks, tc.scheme)
			}
			checkParts(t, f)
			if len(f.Embedding) != tc.dim {
				t.Errorf("embedding: got %d-d, want %d", len(f.Embedding), tc.dim)
			}
		})
	}
}

// checkParts checks the named points of a frontal face: eyes level and
// apart, left of right, the nose between and below them, the mouth (68
// points) below the nose.
func checkParts(t *testing.T, f embeddings.Face) {
	t.Helper()
	p, err := f.Landmarks.Parts()
	if err != nil {
		t.Fatal(err)
	}
	box := f.Box
	in := func(name string, q embeddings.Point) {
		if q.X < float64(box.Min.X) || q.X > float64(box.Max.X) || q.Y < float64(box.Min.Y) || q.Y > float64(box.Max.Y) {
			t.Errorf("%s at %+v, outside the face box %v", name, q, box)
		}
	}
	in("left eye", p.LeftEye)
	in("right eye", p.RightEye)
	in("nose base", p.NoseBase)
	eyes := p.EyeDistance()
	if eyes < 0.25*float64(box.Dx()) || eyes > 0.6*float64(box.Dx()) {
		t.Errorf("eye distance %.1f for a %d px face", eyes, box.Dx())
	}
	if !(p.LeftEye.X < p.NoseBase.X && p.NoseBase.X < p.RightEye.X) {
		t.Errorf("nose base x %.1f not between the eyes %.1f and %.1f", p.NoseBase.X, p.LeftEye.X, p.RightEye.X)
	}
	if eyeY := (p.LeftEye.Y + p.RightEye.Y) / 2; p.NoseBase.Y < eyeY+0.3*eyes || math.Abs(p.LeftEye.Y-p.RightEye.Y) > 0.2*eyes {
		t.Errorf("eyes at y %.1f and %.1f, nose base at %.1f: not a level face above its nose", p.LeftEye.Y, p.RightEye.Y, p.NoseBase.Y)
	}
	if !p.HasMouth() {
		if p.Nose() != p.NoseBase {
			t.Errorf("5 points: Nose %+v, want the base %+v", p.Nose(), p.NoseBase)
		}
		return
	}
	in("nose tip", p.NoseTip)
	in("mouth left", p.MouthLeft)
	in("mouth right", p.MouthRight)
	if !(p.NoseTip.Y < p.NoseBase.Y && p.NoseBase.Y < p.MouthLeft.Y && p.MouthLeft.X < p.MouthRight.X) {
		t.Errorf("nose tip %+v, base %+v, mouth %+v-%+v: out of order", p.NoseTip, p.NoseBase, p.MouthLeft, p.MouthRight)
	}
	if p.Nose() != p.NoseTip {
		t.Errorf("68 points: Nose %+v, want the tip %+v", p.Nose(), p.NoseTip)
	}
}

// The 5- and 68-point predictors, decoded by the one decoder, put the eye
// centres of the same face within a tenth of the eye distance of each other.
func TestLandmarkSchemesAgree(t *testing.T) {
	dir := testmedia.Models(t)
	img, err := embeddings.DecodeImage(testmedia.Read(t, "gocv/face.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]embeddings.Parts{}
	for _, name := range []string{"onnx-sp5", "onnx"} {
		e, _, err := models.Open(name, dir)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.FacesImage(img)
		e.Close()
		if err != nil || len(fs) != 1 {
			t.Fatalf("%s: got %d faces, %v; want 1", name, len(fs), err)
		}
		if parts[name], err = fs[0].Landmarks.Parts(); err != nil {
			t.Fatal(err)
		}
	}
	p5, p68 := parts["onnx-sp5"], parts["onnx"]
	tol := 0.1 * p68.EyeDistance()
	for _, c := range []struct {
		name string
		a, b embeddings.Point
	}{{"left eye", p5.LeftEye, p68.LeftEye}, {"right eye", p5.RightEye, p68.RightEye}} {
		if d := math.Hypot(c.a.X-c.b.X, c.a.Y-c.b.Y); d > tol {
			t.Errorf("%s: 5-point %+v and 68-point %+v are %.1f px apart, want <= %.1f", c.name, c.a, c.b, d, tol)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	_, _, err := models.Open("arcface", testmedia.Models(t))
	if err == nil {
		t.Fatal("unknown model: got no error")
	}
	for _, name := range embeddings.ProfileNames() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("unknown model error %q does not list %q", err, name)
		}
	}
	for _, name := range embeddings.ProfileNames() {
		_, _, err := models.Open(name, t.TempDir())
		if !errors.Is(err, embeddings.ErrModel) || !strings.Contains(err.Error(), "scripts/setup") {
			t.Errorf("%s in an empty folder: got %v, want ErrModel saying to run scripts/setup", name, err)
		}
	}
}
