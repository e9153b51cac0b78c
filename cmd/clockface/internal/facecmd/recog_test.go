package facecmd_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/assets"
	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/facecmd"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"clockface/ledger"
)

// nearPairLedger enrols, with dlib, franck (his first 5 stills) and every
// face of dlib/2008_001009.jpg as its own employee (p1, p2, ...): that
// photo holds the closest pair of different people in the test media, a
// mother and her daughter at 0.538.
func nearPairLedger(t *testing.T) (dataDir string, l *ledger.Ledger, clock *clocktest.Clock) {
	t.Helper()
	ctx := context.Background()
	dataDir = t.TempDir()
	clock = clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))
	a := &cli.App{DataDir: dataDir, KioskID: "test", Clock: clock}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dlib.New(testmedia.Models(t), dlib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	faces := func(path string) []embeddings.Face {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := eng.Faces(b)
		if err != nil || len(fs) == 0 {
			t.Fatalf("%s: %d faces, %v", path, len(fs), err)
		}
		return fs
	}
	people := map[string][]embeddings.Embedding{}
	for _, p := range testmedia.Franck(t)[:5] {
		people["franck"] = append(people["franck"], faces(p)[0].Embedding)
	}
	for i, f := range faces(testmedia.File(t, "dlib/2008_001009.jpg")) {
		people["p"+string(rune('1'+i))] = []embeddings.Embedding{f.Embedding}
	}
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
	if len(people) < 3 {
		t.Fatalf("people: got %d, want franck and at least two faces of 2008_001009.jpg", len(people))
	}
	return dataDir, l, clock
}

// A site whose employees include the media's closest impostor pair gets a
// tighter accept distance than shipped (from the enrolments themselves),
// an audit entry saying so, and a look-alike warning for HR; --apply
// measures the same again.
func TestSiteCalibrationNearPair(t *testing.T) {
	ctx := context.Background()
	data, l, _ := nearPairLedger(t)
	shipped, err := embeddings.ThresholdsFor(dlib.Model())
	if err != nil {
		t.Fatal(err)
	}
	eff, err := l.EffectiveThresholds(ctx, dlib.Model(), shipped)
	if err != nil {
		t.Fatal(err)
	}
	c, ok, err := l.SiteCalibration(ctx, dlib.Model())
	if err != nil || !ok {
		t.Fatalf("site calibration: %v, %v", ok, err)
	}
	n := c.Impostors.Nearest
	if n.Distance > 0.55 || !strings.HasPrefix(n.A, "p") || !strings.HasPrefix(n.B, "p") {
		t.Errorf("nearest pair: got %s and %s at %.3f, want two faces of 2008_001009 under 0.55", n.A, n.B, n.Distance)
	}
	if !(eff.Accept < shipped.Accept) {
		t.Errorf("effective accept: got %.4f, want under the shipped %.3f (nearest pair %.4f)", eff.Accept, shipped.Accept, n.Distance)
	}
	if got, want := eff.Accept, n.Distance-0.12; got-want > 1e-9 || want-got > 1e-9 {
		t.Errorf("effective accept: got %.4f, want nearest %.4f - headroom 0.12 = %.4f", got, n.Distance, want)
	}
	changes, err := l.CalibrationChanges(ctx)
	if err != nil || len(changes) == 0 {
		t.Fatalf("calibration changes: %d, %v", len(changes), err)
	}
	last := string(changes[len(changes)-1].Detail)
	if !strings.Contains(last, n.A) || !strings.Contains(last, `"accept":`) {
		t.Errorf("last calibration audit entry %s: want the pair and the new accept", last)
	}
	l.Close()

	out, err := calibrateRun(t, "--data", data, "--model", "dlib", "calibrate", "--lookalikes", "--apply")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"effective accept distance", "tightened from the shipped 0.420",
		"look-alike warning: " + n.A + " and " + n.B, "PIN, or by badge plus face",
		"--apply: measured every pair again, unchanged", "calibration changes (audit log)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("calibrate output lacks %q:\n%s", want, out)
		}
	}
	js, err := calibrateRun(t, "--data", data, "--model", "dlib", "--json", "calibrate", "--lookalikes")
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Site struct {
			Effective embeddings.Thresholds `json:"effective"`
		} `json:"site"`
		Lookalikes []embeddings.Pair   `json:"lookalikes"`
		Changes    []ledger.AuditEntry `json:"calibration_changes"`
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil || len(got) != 1 {
		t.Fatalf("json: %v\n%s", err, js)
	}
	if got[0].Site.Effective.Accept != eff.Accept || len(got[0].Lookalikes) == 0 || len(got[0].Changes) == 0 {
		t.Errorf("json: effective %.4f (want %.4f), %d look-alikes, %d changes", got[0].Site.Effective.Accept, eff.Accept, len(got[0].Lookalikes), len(got[0].Changes))
	}
}

// verify --claim: franck claiming to be the gocv man is refused (the face
// is nearer franck's own folder), franck claiming himself is accepted.
func TestVerifyClaimGallery(t *testing.T) {
	dir := t.TempDir()
	stills := testmedia.Franck(t)
	for _, s := range stills[:3] {
		facesCopy(t, s, filepath.Join(dir, "franck", filepath.Base(s)))
	}
	facesCopy(t, testmedia.File(t, "gocv/face.jpg"), filepath.Join(dir, "gocvman", "face.jpg"))
	for _, tc := range []struct {
		claim, want, nearest string
	}{{"gocvman", "reject", "franck"}, {"franck", "accept", "gocvman"}} {
		stdout, _, err := facesRun(t, "verify", "--json", "--gallery", dir, "--claim", tc.claim, stills[8])
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Result struct {
				Band    string   `json:"decision"`
				Nearest string   `json:"nearest_other"`
				Margin  *float64 `json:"margin"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if got.Result.Band != tc.want || got.Result.Nearest != tc.nearest || got.Result.Margin == nil {
			t.Errorf("claim %s: got %+v, want %s with nearest other %s", tc.claim, got.Result, tc.want, tc.nearest)
		}
	}
	stdout, _, err := facesRun(t, "verify", "--gallery", dir, "--claim", "gocvman", stills[8])
	if err != nil || !strings.Contains(stdout, "reject for gocvman") || !strings.Contains(stdout, "nearest other franck") {
		t.Errorf("text: %q, %v", stdout, err)
	}
	if _, _, err := facesRun(t, "verify", "--gallery", dir, "--claim", "nobody", stills[8]); err == nil || !strings.Contains(err.Error(), "use the PIN") {
		t.Errorf("unknown claim: got %v, want an error saying to use the PIN", err)
	}
}

// identify over many photos reports each: a photo without a face is a
// result, not a failure; only an unreadable file makes it exit non-zero,
// after every image was reported.
func TestIdentifyBatchNoFace(t *testing.T) {
	dir := t.TempDir()
	stills := testmedia.Franck(t)
	for _, s := range stills[:3] {
		facesCopy(t, s, filepath.Join(dir, "franck", filepath.Base(s)))
	}
	facesCopy(t, testmedia.File(t, "gocv/face.jpg"), filepath.Join(dir, "gocvman", "face.jpg"))
	shuttle := testmedia.File(t, "gocv/space_shuttle.jpg")
	stdout, _, err := facesRun(t, "identify", "--gallery", dir, stills[8], shuttle, stills[9])
	if err != nil {
		t.Fatalf("a photo without a face: got %v, want exit 0", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "no face") || !strings.Contains(lines[0], "accept franck") || !strings.Contains(lines[2], "accept franck") {
		t.Errorf("got:\n%s\nwant three results, the second no face", stdout)
	}
	bad := filepath.Join(t.TempDir(), "broken.jpg")
	if err := os.WriteFile(bad, []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = facesRun(t, "identify", "--json", "--gallery", dir, stills[8], bad, shuttle)
	if err == nil || !strings.Contains(err.Error(), "broken.jpg") {
		t.Errorf("unreadable file: got %v, want an error naming it", err)
	}
	var got []facecmd.IdentifyJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(got) != 3 || got[0].Result != "face" || got[1].Result != "unreadable" || got[2].Result != "no face" {
		t.Errorf("got %+v, want face, unreadable, no face", got)
	}
}

// A clearly strong, live, face-only match refreshes the template's oldest
// sample, at most once a week (counting from enrolment), audited; a
// PIN-confirmed or review punch never does.
func TestMaybeRefreshTemplate(t *testing.T) {
	ctx := context.Background()
	_, l, clock := nearPairLedger(t)
	defer l.Close()
	m := dlib.Model()
	shipped, _ := embeddings.ThresholdsFor(m)
	th, err := l.EffectiveThresholds(ctx, m, shipped)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := l.Templates(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	g, err := embeddings.NewGallery(m, ts)
	if err != nil {
		t.Fatal(err)
	}
	before, err := l.Template(ctx, "franck", m)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dlib.New(testmedia.Models(t), dlib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	// The strongest of franck's stills that were not enrolled.
	var probe embeddings.Embedding
	var ev embeddings.RefreshEvidence
	for _, p := range testmedia.Franck(t)[5:] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := eng.Faces(b)
		if err != nil || len(fs) != 1 {
			t.Fatalf("%s: %d faces, %v", p, len(fs), err)
		}
		d, err := embeddings.VerifyCohort(fs[0].Embedding, before, g, th)
		if err != nil {
			t.Fatal(err)
		}
		if probe == nil || d.Distance < ev.Distance {
			probe, ev = fs[0].Embedding, embeddings.RefreshEvidence{Band: d.Band, Distance: d.Distance, Margin: d.Margin, Live: true}
		}
	}
	if ok, why := embeddings.DefaultRefreshPolicy().Allow(ev, th, time.Time{}, clock.Now()); !ok {
		t.Fatalf("no still of franck is a strong match (best %+v): %s", ev, why)
	}
	refresh := func(ev embeddings.RefreshEvidence) bool {
		t.Helper()
		ok, err := l.MaybeRefreshTemplate(ctx, "franck", m, probe, ev)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if refresh(ev) {
		t.Error("refreshed on the day of enrolment, want at most once a week from it")
	}
	clock.Add(8 * 24 * time.Hour)
	pin, review := ev, ev
	pin.PIN, review.Band = true, embeddings.Review
	if refresh(pin) || refresh(review) {
		t.Error("a PIN-confirmed or review punch refreshed the template")
	}
	if !refresh(ev) {
		t.Fatalf("a strong live match 8 days after enrolment did not refresh (%+v)", ev)
	}
	after, err := l.Template(ctx, "franck", m)
	if err != nil {
		t.Fatal(err)
	}
	n := len(before.Samples)
	if len(after.Samples) != n || after.Samples[n-1].Dist(probe) != 0 || after.Samples[0].Dist(before.Samples[1]) != 0 {
		t.Errorf("after refresh: %d samples, want %d with the oldest dropped and the probe last", len(after.Samples), n)
	}
	clock.Add(6 * 24 * time.Hour)
	if refresh(ev) {
		t.Error("refreshed twice within a week")
	}
	entries, err := l.AuditEntries(ctx, "franck")
	if err != nil {
		t.Fatal(err)
	}
	refreshes := 0
	for _, e := range entries {
		if e.Action == "template.refresh" {
			refreshes++
		}
	}
	if refreshes != 1 {
		t.Errorf("template.refresh audit entries: got %d, want 1", refreshes)
	}
	if _, err := l.MaybeRefreshTemplate(ctx, "franck", m, probe[:10], ev); err == nil {
		t.Error("a 10-d vector for a 128-d model: got no error")
	}
}
