package main

import (
	"archive/zip"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
)

// punchJSON is `punch ... --json`: the punch with created and flag.
type punchJSON struct {
	clockface.Punch
	Created bool   `json:"created"`
	Flag    string `json:"flag"`
}

func decodePunch(t *testing.T, out string) punchJSON {
	t.Helper()
	var p punchJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("punch JSON %q: %v", out, err)
	}
	return p
}

// repairState sums up what a repair changes: punches (kind and effective
// time), corrections and outbox events, read from the ledger file.
func repairState(t *testing.T, data string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "ledger.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	err = db.QueryRow(`SELECT (SELECT group_concat(id || ':' || kind || ':' || effective_at) FROM (SELECT * FROM punches ORDER BY id)) || '|' ||
		(SELECT count(*) FROM punch_corrections) || '|' || (SELECT count(*) FROM outbox)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readZipFile returns the files of a zip by name.
func readZipFile(t *testing.T, path string) map[string][]byte {
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

func TestPunchKindCLI(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "2468\n", "employee", "add", "E1", "--name", "Ann")
	out := mustCLI(t, data, "2468\n", "punch", "E1", "--tz", "America/Los_Angeles")
	if !strings.Contains(out, "E1 clocked in at ") || !strings.Contains(out, "(America/Los_Angeles)") {
		t.Errorf("walk-up punch: %q, want clocked in, in the site zone", out)
	}
	// "out" chosen 30 s after "in" by mistake is a real punch, not debounced.
	out = mustCLI(t, data, "2468\n", "punch", "E1", "--kind", "out", "--tz", "America/Los_Angeles")
	if !strings.Contains(out, "E1 clocked out at ") || strings.Contains(out, "already recorded") {
		t.Errorf("chosen out: %q, want a new out-punch", out)
	}
	// "out" again: debounced, nothing new.
	if out := mustCLI(t, data, "2468\n", "punch", "E1", "--kind", "out"); !strings.Contains(out, "already recorded") {
		t.Errorf("same kind again: %q, want the earlier punch", out)
	}
	// A contradicting kind is recorded and flagged.
	p := decodePunch(t, mustCLI(t, data, "2468\n", "punch", "E1", "--kind", "break-end", "--json"))
	if !p.Created || p.Kind != clockface.BreakEnd || p.Flag != clockface.FlagContradictingKind {
		t.Errorf("break end while out: %+v, want created and flagged", p)
	}
	r := runCLI(t, data, "2468\n", "punch", "E1", "--kind", "lunch")
	if r.code == 0 || !strings.Contains(r.stderr, `unknown kind "lunch"`) {
		t.Errorf("bad kind: exit %d %q", r.code, r.stderr)
	}
	if out := mustCLI(t, data, "", "employee", "show", "E1"); !strings.Contains(out, "next punch: in") {
		t.Errorf("show after the punches: %s", out)
	}
}

func TestPunchAddAndCorrectCLI(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "2468\n", "employee", "add", "E1", "--name", "Ann")
	la, _ := time.LoadLocation("America/Los_Angeles")
	yesterday := time.Now().In(la).AddDate(0, 0, -1).Format("2006-01-02")
	p := decodePunch(t, mustCLI(t, data, "", "punch", "add", "E1", "--at", yesterday+" 08:00", "--kind", "in",
		"--reason", "forgot to clock in", "--tz", "America/Los_Angeles", "--json"))
	want, _ := time.ParseInLocation("2006-01-02 15:04", yesterday+" 08:00", la)
	if !p.At.Equal(want) || p.Method != clockface.MethodAdmin || p.Kind != clockface.PunchIn {
		t.Errorf("added %+v, want an admin in-punch at %s", p, want)
	}
	// The zone can come from the hub credential.
	if err := os.WriteFile(filepath.Join(data, "hub.json"), []byte(`{"hub_url":"https://h","kiosk_id":"test-kiosk","secret":"x","time_zone":"America/Los_Angeles"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, data, "", "punch", "add", "E1", "--at", yesterday+" 16:30", "--kind", "out", "--reason", "forgot to clock out")
	if !strings.Contains(out, "E1 clocked out at 16:30 (America/Los_Angeles) on "+yesterday) {
		t.Errorf("add with the paired zone: %q", out)
	}
	out = mustCLI(t, data, "", "punch", "correct", p.ID, "--kind", "out", "--at", yesterday+" 08:05", "--reason", "tapped the wrong kind")
	if !strings.Contains(out, "in "+yesterday+" 08:00:00 PDT") && !strings.Contains(out, "in "+yesterday+" 08:00:00 PST") {
		t.Errorf("correct: %q, want the old kind and time in the site zone", out)
	}
	var c clockface.Punch
	json.Unmarshal([]byte(mustCLI(t, data, "", "punch", "correct", p.ID, "--kind", "in", "--reason", "it was in after all", "--json")), &c)
	if c.Kind != clockface.PunchIn || !c.At.Equal(want) || !c.Time().Equal(want.Add(5*time.Minute)) {
		t.Errorf("second correction %+v, want kind in at 08:05, original 08:00", c)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"unknown employee", []string{"punch", "add", "E9", "--at", yesterday + " 09:00", "--kind", "in", "--reason", "r"}, "unknown employee"},
		{"bad kind", []string{"punch", "add", "E1", "--at", yesterday + " 09:00", "--kind", "lunch", "--reason", "r"}, `unknown kind "lunch"`},
		{"bad time", []string{"punch", "add", "E1", "--at", "yesterday", "--kind", "in", "--reason", "r"}, "RFC 3339"},
		{"future", []string{"punch", "add", "E1", "--at", time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "--kind", "in", "--reason", "r"}, "ahead of now"},
		{"no reason", []string{"punch", "add", "E1", "--at", yesterday + " 09:00", "--kind", "in", "--reason", " "}, "a reason is required"},
		{"correct bad kind", []string{"punch", "correct", p.ID, "--kind", "nap", "--reason", "r"}, `unknown kind "nap"`},
		{"correct bad time", []string{"punch", "correct", p.ID, "--time", "yesterday", "--reason", "r"}, "RFC 3339"},
		{"correct future", []string{"punch", "correct", p.ID, "--at", time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "--reason", "r"}, "ahead of now"},
		{"correct nothing", []string{"punch", "correct", p.ID, "--reason", "r"}, "nothing to correct"},
		{"correct --at and --time differ", []string{"punch", "correct", p.ID, "--at", yesterday + " 09:00", "--time", yesterday + " 10:00", "--reason", "r"}, "differ"},
	}
	head := repairState(t, data)
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, data, "", tc.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d %q, want an error saying %q", r.code, r.stderr, tc.want)
			}
			if got := repairState(t, data); got != head {
				t.Errorf("ledger changed: %s, was %s", got, head)
			}
		})
	}
}

func TestEmployeePayrollCLI(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "\n", "employee", "add", "E1", "--name", "Ann Lee", "--first", "Ann", "--last", "Lee",
		"--adp-file", "012345", "--paychex-id", "W1", "--gusto-id", "g1", "--qb-name", "Lee, Ann")
	out := mustCLI(t, data, "", "employee", "show", "E1")
	for _, want := range []string{"first name: Ann", "last name:  Lee", "adp file:   012345", "paychex id: W1", "gusto id:   g1", "qb name:    Lee, Ann", "state:      out (never punched here)"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	mustCLI(t, data, "", "employee", "set", "E1", "--last", "Lee-Park", "--gusto-id", "")
	var e clockface.Employee
	json.Unmarshal([]byte(mustCLI(t, data, "", "employee", "show", "E1", "--json")), &e)
	if e.LastName != "Lee-Park" || e.Payroll.GustoID != "" || e.Payroll.ADPFileNumber != "012345" || e.FirstName != "Ann" {
		t.Errorf("after set: %+v", e)
	}
	zip := filepath.Join(t.TempDir(), "e1.zip")
	mustCLI(t, data, "", "dsar", "export", "E1", "--out", zip)
	files := readZipFile(t, zip)
	if p := string(files["profile.json"]); !strings.Contains(p, `"last_name": "Lee-Park"`) || !strings.Contains(p, `"adp_file_number": "012345"`) {
		t.Errorf("DSAR profile lacks the payroll identities:\n%s", p)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"employee", "set", "E9", "--first", "X"}, "unknown employee"},
		{[]string{"employee", "set", "E1"}, "nothing to set"},
		{[]string{"employee", "set", "E1", "--qb-name", "a\tb"}, "control character"},
		{[]string{"employee", "set", "E1", "--name", ""}, "empty name"},
	} {
		if r := runCLI(t, data, "", tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	var again clockface.Employee
	json.Unmarshal([]byte(mustCLI(t, data, "", "employee", "show", "E1", "--json")), &again)
	if again.Name != "Ann Lee" || again.Payroll != e.Payroll || again.LastName != e.LastName {
		t.Errorf("refused sets changed the employee: %+v", again)
	}
}
