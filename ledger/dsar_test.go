package ledger_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
)

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// Promise 8: one export holds everything about the person, with a manifest
// of hashes; consent texts are included when the kiosk still has them.
func TestExportDSAR(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t, func(c *ledger.Config) {
		c.ConsentText = func(version, locale string) ([]byte, error) {
			if version == "v1" && locale == "en" {
				return consentText("v1"), nil
			}
			return nil, errors.New("no such text")
		}
	})
	addEmployee(t, l, "A", "1234")
	addEmployee(t, l, "B", "")
	enrol(t, l, "A", 1)
	enrol(t, l, "B", 2)
	img := []byte("\xff\xd8 A's face \xff\xd9")
	sid, err := l.SaveSnapshot(ctx, "A", img, ledger.SnapshotPunch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SaveSnapshot(ctx, "B", []byte("B's face"), ledger.SnapshotPunch); err != nil {
		t.Fatal(err)
	}
	p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodFace,
		Evidence: clockface.Evidence{Distance: 0.25, Margin: 0.3, Liveness: "pass", SnapshotID: sid, Model: testModel.String()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "B", Method: clockface.MethodPIN}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour)
	if _, err := l.CorrectPunch(ctx, p.ID, p.At.Add(-time.Minute), "manager", "door queue"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.dir, "out", "a.zip")
	os.MkdirAll(filepath.Dir(out), 0o700)
	if err := l.ExportDSAR(ctx, "A", out); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, out)

	var m ledger.DSARManifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, f := range m.Files {
		listed = append(listed, f.Name)
		if got := sha(files[f.Name]); got != f.SHA256 {
			t.Errorf("%s: sha256 %s, manifest says %s", f.Name, got, f.SHA256)
		}
	}
	var inZip []string
	for n := range files {
		if n != "manifest.json" {
			inZip = append(inZip, n)
		}
	}
	sort.Strings(inZip)
	if strings.Join(listed, ",") != strings.Join(inZip, ",") {
		t.Errorf("manifest lists %v, zip holds %v", listed, inZip)
	}

	var prof struct {
		Number string `json:"number"`
		HasPIN bool   `json:"has_pin"`
	}
	json.Unmarshal(files["profile.json"], &prof)
	if prof.Number != "A" || !prof.HasPIN {
		t.Errorf("profile %s", files["profile.json"])
	}
	if bytes.Contains(files["profile.json"], []byte("argon2")) {
		t.Error("profile carries the PIN hash")
	}
	var cs []struct {
		TextSHA256 string `json:"text_sha256"`
		TextFile   string `json:"text_file"`
	}
	json.Unmarshal(files["consents.json"], &cs)
	if len(cs) != 1 || cs[0].TextFile == "" || !bytes.Equal(files[cs[0].TextFile], consentText("v1")) {
		t.Errorf("consents %s", files["consents.json"])
	}
	var ps []struct {
		clockface.Punch
		Corrections []ledger.CorrectionRecord `json:"corrections"`
	}
	json.Unmarshal(files["punches.json"], &ps)
	if len(ps) != 1 || ps[0].ID != p.ID || ps[0].Evidence.Distance != 0.25 || ps[0].Evidence.SnapshotID != sid ||
		len(ps[0].Corrections) != 1 || ps[0].Corrections[0].By != "manager" {
		t.Errorf("punches %s", files["punches.json"])
	}
	var snaps []struct {
		File string `json:"file"`
	}
	json.Unmarshal(files["snapshots.json"], &snaps)
	if len(snaps) != 1 || !bytes.Equal(files[snaps[0].File], img) {
		t.Errorf("snapshots %s", files["snapshots.json"])
	}
	var audit []ledger.AuditEntry
	json.Unmarshal(files["audit.json"], &audit)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	if want := "employee.add,consent.record,template.save,punch.correct"; strings.Join(actions, ",") != want {
		t.Errorf("audit about A: %v, want %s", actions, want)
	}
	var tmpl []map[string]any
	json.Unmarshal(files["templates.json"], &tmpl)
	if len(tmpl) != 1 || tmpl[0]["model"] != testModel.String() {
		t.Errorf("templates %s", files["templates.json"])
	}
	// Nothing of B's.
	for n, b := range files {
		if bytes.Contains(b, []byte("B's face")) || bytes.Contains(b, []byte(`"B"`)) {
			t.Errorf("%s mentions B", n)
		}
	}
	// Atomic: no temporary file left, and an unknown employee writes nothing.
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 1 {
		t.Errorf("export folder holds %d entries, want just the zip", len(ents))
	}
	bad := filepath.Join(e.dir, "out", "x.zip")
	if err := l.ExportDSAR(ctx, "X", bad); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("unknown employee: %v", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Error("export of an unknown employee wrote a file")
	}
	// A failed export leaves an existing file untouched.
	before := readFile(t, out)
	if err := l.ExportDSAR(ctx, "A", filepath.Join(e.dir, "missing-dir", "a.zip")); err == nil {
		t.Error("export into a missing folder succeeded")
	}
	if !bytes.Equal(readFile(t, out), before) {
		t.Error("earlier export changed")
	}
}

func TestExportDSARConsentTextMismatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t, func(c *ledger.Config) {
		c.ConsentText = func(string, string) ([]byte, error) { return []byte("a different text"), nil }
	})
	addEmployee(t, l, "A", "")
	consent(t, l, "A")
	out := filepath.Join(e.dir, "a.zip")
	if err := l.ExportDSAR(ctx, "A", out); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, out)
	var cs []struct {
		TextFile string `json:"text_file"`
		TextNote string `json:"text_note"`
	}
	json.Unmarshal(files["consents.json"], &cs)
	if len(cs) != 1 || cs[0].TextFile != "" || !strings.Contains(cs[0].TextNote, "does not match") {
		t.Errorf("consents %s: want no text and a note", files["consents.json"])
	}
}

// TestDSARRedactsOtherPeople: employee 503's export holds no trace of 501
// (number, name, badge, or the face distance between them) from the
// enrolment duplicate check, while 503's own entries stay whole.
func TestDSARRedactsOtherPeople(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "501", Name: "Rosa Marquez", BadgeID: "B-77"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "503", Name: "Tom Li"}, ""); err != nil {
		t.Fatal(err)
	}
	// What enroll writes when 503's face is too close to 501's.
	if err := l.Audit(ctx, "admin", "enrol.duplicate", "503", map[string]any{"other": "501", "distance": 0.3174}); err != nil {
		t.Fatal(err)
	}
	// Free text naming the other person, and an actor who is another employee.
	if err := l.Audit(ctx, "Rosa Marquez", "note", "503", map[string]any{"reason": "badge B-77 lent to 503 by 501", "tags": []any{"501", "ok"}}); err != nil {
		t.Fatal(err)
	}
	// Not another person: a number that merely contains 501.
	if err := l.Audit(ctx, "admin", "note", "503", map[string]any{"reason": "room 5015"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "503.zip")
	if err := l.ExportDSAR(ctx, "503", out); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, out)
	for name, b := range files {
		for _, leak := range []string{`\b501\b`, "Rosa", "Marquez", "B-77", `0\.3174`} {
			if regexp.MustCompile(leak).Match(b) {
				t.Errorf("%s holds %q: %s", name, leak, b)
			}
		}
	}
	var audit []struct {
		Action   string         `json:"action"`
		Actor    string         `json:"actor"`
		Detail   map[string]any `json:"detail"`
		Redacted bool           `json:"redacted"`
	}
	if err := json.Unmarshal(files["audit.json"], &audit); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range audit {
		b, _ := json.Marshal(a.Detail)
		got = append(got, a.Action+" "+a.Actor+" "+string(b)+" "+map[bool]string{true: "redacted", false: "whole"}[a.Redacted])
	}
	want := []string{
		`employee.add system {"badge":false,"pin":false,"restricted":false} whole`,
		`enrol.duplicate admin {"distance":"[another person]","other":"[another person]"} redacted`,
		`note [another person] {"reason":"badge [another person] lent to 503 by [another person]","tags":["[another person]","ok"]} redacted`,
		`note admin {"reason":"room 5015"} whole`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit.json:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	// 501's own export still has 501's data.
	out501 := filepath.Join(t.TempDir(), "501.zip")
	if err := l.ExportDSAR(ctx, "501", out501); err != nil {
		t.Fatal(err)
	}
	if p := readZip(t, out501)["profile.json"]; !bytes.Contains(p, []byte("Rosa Marquez")) {
		t.Errorf("501's own profile lost their name: %s", p)
	}
}
