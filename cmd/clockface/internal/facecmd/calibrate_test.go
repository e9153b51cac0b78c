package facecmd_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/assets"
	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/embeddings/models"
	"clockface/embeddings/onnx"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"clockface/ledger"
)

// calibrationLedger enrols real faces with the ONNX engine into a ledger
// in a fresh data folder: franck with his 11 stills, the man of gocv's
// face.jpg and the three women of face-api's sample1 with one photo each
// (their only photo, so they bring impostor pairs only).
func calibrationLedger(t *testing.T) (dataDir string) {
	t.Helper()
	ctx := context.Background()
	dataDir = t.TempDir()
	a := &cli.App{DataDir: dataDir, KioskID: "test", Clock: clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	eng, err := onnx.New(testmedia.Models(t), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	people := map[string][]embeddings.Embedding{}
	embed := func(owner, rel string, path string) {
		var b []byte
		if path != "" {
			b, err = os.ReadFile(path)
		} else {
			b, err = os.ReadFile(testmedia.File(t, rel))
		}
		if err != nil {
			t.Fatal(err)
		}
		fs, err := eng.Faces(b)
		if err != nil || len(fs) == 0 {
			t.Fatalf("%s%s: %d faces, %v", rel, path, len(fs), err)
		}
		if owner != "" {
			people[owner] = append(people[owner], fs[0].Embedding)
			return
		}
		for i, f := range fs {
			// HOG also finds a 104-px "face" on a uniform's badge; an
			// enrolment would refuse a face that small.
			if f.Quality.Width >= 150 {
				people["w"+string(rune('1'+i))] = []embeddings.Embedding{f.Embedding}
			}
		}
	}
	for _, p := range testmedia.Franck(t) {
		embed("franck", "", p)
	}
	embed("gocv", "gocv/face.jpg", "")
	embed("", "faceapi/sample1.jpg", "")

	text, err := assets.ConsentText("en", assets.LatestConsentVersion())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(text)
	for number, samples := range people {
		if _, err := l.AddEmployee(ctx, clockface.Employee{Number: number, Name: "Name " + number}, "4821"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.RecordConsent(ctx, clockface.Consent{
			EmployeeNumber: number, TextVersion: assets.LatestConsentVersion(), Locale: "en",
			TextSHA256: hex.EncodeToString(sum[:]), Signature: "Name " + number, RetentionPolicy: "default",
		}); err != nil {
			t.Fatal(err)
		}
		if err := l.SaveTemplate(ctx, embeddings.Template{Owner: number, Model: eng.Model(), Samples: samples}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := len(people), 5; got != want {
		t.Fatalf("people: got %d, want %d (sample1 should hold 3 faces)", got, want)
	}
	return dataDir
}

func calibrateRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &cli.App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Clock: clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))}
	root := root(a)
	root.SetArgs(cliArgs(args))
	root.SetOut(&errOut)
	root.SetErr(&errOut)
	err := root.Execute()
	return out.String(), err
}

func TestCalibrateCommand(t *testing.T) {
	data := calibrationLedger(t)

	stdout, err := calibrateRun(t, "--data", data, "--model", "onnx", "--json", "calibrate")
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Model  embeddings.Model `json:"model"`
		Report struct {
			People, Samples         int
			Genuine                 int `json:"genuine_pairs"`
			Impostor                int `json:"impostor_pairs"`
			AUC                     *float64
			Recommended, Configured embeddings.Rates
			Notes                   []string
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("decode %q: %v", stdout, err)
	}
	if len(got) != 1 || got[0].Model != onnx.Model() {
		t.Fatalf("got %+v, want one onnx report", got)
	}
	r := got[0].Report
	// franck: C(11,2) = 55 genuine pairs; impostors: 11·4 + C(4,2) = 50.
	if r.People != 5 || r.Samples != 15 || r.Genuine != 55 || r.Impostor != 50 {
		t.Errorf("counts: got %d people, %d samples, %d genuine, %d impostor; want 5, 15, 55, 50", r.People, r.Samples, r.Genuine, r.Impostor)
	}
	if r.AUC == nil || *r.AUC < 0.99 {
		t.Errorf("AUC: got %v, want at least 0.99", r.AUC)
	}
	if r.Recommended.FalseAccepts != 0 || r.Recommended.Threshold > 0.9 || r.Recommended.TAR < 0.9 {
		t.Errorf("operating point: got %+v, want no false accept, distance <= 0.9, TAR >= 0.9", r.Recommended)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "only 5 people") {
		t.Errorf("notes %q do not say there are too few people", notes)
	}

	stdout, err = calibrateRun(t, "--data", data, "--model", "dlib", "calibrate")
	if err != nil {
		t.Fatal(err)
	}
	if want := "model " + dlib.Model().String() + "\n  skipped: nobody is enrolled with this model"; !strings.Contains(stdout, want) {
		t.Errorf("--model dlib output lacks %q:\n%s", want, stdout)
	}

	// Without --model: only the models someone is enrolled with.
	stdout, err = calibrateRun(t, "--data", data, "calibrate")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "dlib") {
		t.Errorf("output mentions dlib, which nobody is enrolled with:\n%s", stdout)
	}
	for _, want := range []string{
		"model " + onnx.Model().String() + "\n", "5 employees, 15 samples: 55 genuine pairs, 50 impostor pairs",
		"operating point: accept at distance <=", "(cosine ", "note: only 5 people",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCalibrateNoLedger(t *testing.T) {
	empty := t.TempDir()
	a := &cli.App{DataDir: empty, KioskID: "test", Clock: clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))}
	l, err := a.OpenLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := calibrateRun(t, "--data", empty, "calibrate"); err == nil || !strings.Contains(err.Error(), "nobody is enrolled") {
		t.Errorf("empty ledger: got %v, want a nobody-enrolled error", err)
	}

	dir := t.TempDir()
	_, err = calibrateRun(t, "--data", dir, "calibrate")
	if err == nil || !strings.Contains(err.Error(), "no ledger") {
		t.Errorf("got %v, want a no-ledger error", err)
	}
	if _, statErr := os.Stat(dir + "/ledger.db"); statErr == nil {
		t.Error("calibrate created a ledger")
	}
}

// A ledger enrolled with one model and a kiosk switched to the other: the
// check says to re-enrol.
func TestCheckEnrolledModel(t *testing.T) {
	data := calibrationLedger(t)
	a := &cli.App{DataDir: data, KioskID: "test", Clock: clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))}
	ctx := context.Background()
	l, err := a.OpenLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.CheckEnrolledModel(ctx, onnx.Model(), models.Models()); err != nil {
		t.Errorf("enrolled model: got %v, want nil", err)
	}
	err = l.CheckEnrolledModel(ctx, dlib.Model(), models.Models())
	if !errors.Is(err, ledger.ErrReenrol) || !strings.Contains(err.Error(), "re-enrol") || !strings.Contains(err.Error(), "5 with onnx/") {
		t.Errorf("switched model: got %v, want a re-enrol error counting the 5 onnx templates", err)
	}
}

// identify against the ledger with the other model says to re-enrol.
func TestIdentifySwitchedModelSaysReenrol(t *testing.T) {
	data := calibrationLedger(t)
	_, err := calibrateRun(t, "--data", data, "--models", testmedia.Models(t), "--model", "dlib",
		"identify", testmedia.File(t, "gocv/face.jpg"))
	if !errors.Is(err, ledger.ErrReenrol) || !strings.Contains(err.Error(), "re-enrol every employee") {
		t.Errorf("got %v, want a re-enrol error", err)
	}
}
