package main

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"clockface"
)

// cliBinary is the clockface binary TestMain builds once for the CLI tests
// that run it as a process.
var cliBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clockface-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cliBinary = filepath.Join(dir, "clockface")
	out, err := exec.Command("go", "build", "-o", cliBinary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build clockface: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the built binary with stdin, and with --data data and a
// test kiosk id where the command has those flags.
func runCLI(t *testing.T, data, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(cliBinary, cliArgs(args, "--data", data, "--kiosk-id", "test-kiosk")...)
	cmd.Env = append(os.Environ(), "CLOCKFACE_MASTER_KEY_FILE=", "CLOCKFACE_TZ=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

func mustCLI(t *testing.T, data, stdin string, args ...string) string {
	t.Helper()
	r := runCLI(t, data, stdin, args...)
	if r.code != 0 {
		t.Fatalf("clockface %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func TestLedgerCLIEmployeesAndPunches(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "2468\n", "employee", "add", "E1", "--name", "Ann Example", "--badge", "B-1")
	mustCLI(t, data, "\n", "employee", "add", "E2", "--name", "Bo", "--restricted")
	if _, err := os.Stat(filepath.Join(data, "keys", "master.key")); err != nil {
		t.Errorf("master key not created on first use: %v", err)
	}
	if st, err := os.Stat(filepath.Join(data, "ledger.db")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("ledger.db: %v, mode %v; want 0600", err, st.Mode().Perm())
	}

	var es []clockface.Employee
	if err := json.Unmarshal([]byte(mustCLI(t, data, "", "employee", "list", "--json")), &es); err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Number != "E1" || es[0].BadgeID != "B-1" || !es[1].RestrictedToPIN {
		t.Errorf("employees %+v", es)
	}

	var p clockface.Punch
	if err := json.Unmarshal([]byte(mustCLI(t, data, "2468\n", "punch", "E1", "--json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.EmployeeNumber != "E1" || p.Kind != clockface.PunchIn || p.Method != clockface.MethodPIN || p.KioskID != "test-kiosk" {
		t.Errorf("punch %+v", p)
	}
	// Within the debounce window: the same punch again, nothing new.
	var again clockface.Punch
	json.Unmarshal([]byte(mustCLI(t, data, "2468\n", "punch", "E1", "--json")), &again)
	if again.ID != p.ID {
		t.Errorf("second punch %s, want the debounced %s", again.ID, p.ID)
	}
	if out := mustCLI(t, data, "", "employee", "show", "E1"); !strings.Contains(out, "next punch: out") {
		t.Errorf("show: %s", out)
	}

	r := runCLI(t, data, "0000\n", "punch", "E1")
	if r.code == 0 || !strings.Contains(r.stderr, "wrong PIN") {
		t.Errorf("wrong PIN: exit %d, %q", r.code, r.stderr)
	}
	// E2 has no PIN: a PIN punch is refused, not accepted with an empty PIN.
	if r := runCLI(t, data, "\n", "punch", "E2"); r.code == 0 {
		t.Errorf("punch without a PIN set: exit 0")
	}

	fixed := p.At.Add(-10 * 60e9).UTC().Format("2006-01-02T15:04:05Z")
	var c clockface.Punch
	json.Unmarshal([]byte(mustCLI(t, data, "", "punch", "correct", p.ID, "--time", fixed, "--reason", "queue at the door", "--json")), &c)
	if c.Corrected == nil || c.Corrected.Reason != "queue at the door" || !c.At.Equal(p.At) || c.Time().Format("2006-01-02T15:04:05Z") != fixed {
		t.Errorf("corrected punch %+v", c)
	}
	if r := runCLI(t, data, "", "punch", "correct", p.ID, "--time", "yesterday", "--reason", "x"); r.code == 0 || !strings.Contains(r.stderr, "RFC 3339") {
		t.Errorf("bad time: exit %d %q", r.code, r.stderr)
	}

	mustCLI(t, data, "", "employee", "restrict", "E1")
	if out := mustCLI(t, data, "", "employee", "show", "E1"); !strings.Contains(out, "restricted: true") {
		t.Errorf("after restrict: %s", out)
	}
	mustCLI(t, data, "", "employee", "unrestrict", "E1")
	if out := mustCLI(t, data, "", "employee", "show", "E1"); !strings.Contains(out, "restricted: false") {
		t.Errorf("after unrestrict: %s", out)
	}
	mustCLI(t, data, "", "employee", "terminate", "E2")
	if r := runCLI(t, data, "\n", "punch", "E2"); r.code == 0 {
		t.Error("terminated employee punched")
	}
	if out := mustCLI(t, data, "", "audit", "verify"); !strings.Contains(out, "audit chain ok") {
		t.Errorf("audit verify: %s", out)
	}
}

// The PIN never comes from a flag (it would land in shell history and ps).
func TestLedgerCLINoPINFlag(t *testing.T) {
	data := t.TempDir()
	r := runCLI(t, data, "", "employee", "add", "E1", "--name", "A", "--pin", "1234")
	if r.code == 0 || !strings.Contains(r.stderr, "unknown flag") {
		t.Errorf("--pin: exit %d, %q; want unknown flag", r.code, r.stderr)
	}
}

// An unknown employee in any command is a clear error and a nonzero exit.
func TestLedgerCLIUnknownEmployee(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "\n", "employee", "add", "E1", "--name", "A")
	for _, args := range [][]string{
		{"employee", "show", "NOPE"},
		{"employee", "terminate", "NOPE"},
		{"employee", "restrict", "NOPE"},
		{"employee", "unrestrict", "NOPE"},
		{"punch", "NOPE"},
		{"dsar", "export", "NOPE", "--out", filepath.Join(data, "x.zip")},
		{"erase", "NOPE"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, data, "1234\n", args...)
			if r.code == 0 || !strings.Contains(r.stderr, `"NOPE"`) || !strings.Contains(r.stderr, "unknown employee") {
				t.Errorf("exit %d, stderr %q; want nonzero and unknown employee \"NOPE\"", r.code, r.stderr)
			}
		})
	}
	if r := runCLI(t, data, "", "punch", "correct", "no-such-punch", "--time", "2026-01-01T00:00:00Z", "--reason", "x"); r.code == 0 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("unknown punch: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "x.zip")); !os.IsNotExist(err) {
		t.Error("export of an unknown employee wrote a file")
	}
}

func TestLedgerCLIExportEraseRotateAudit(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "1357\n", "employee", "add", "E1", "--name", "A")
	mustCLI(t, data, "1357\n", "punch", "E1")
	out := filepath.Join(data, "e1.zip")
	mustCLI(t, data, "", "dsar", "export", "E1", "--out", out)
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	zr.Close()
	for _, want := range []string{"manifest.json", "profile.json", "punches.json", "consents.json", "audit.json"} {
		if !names[want] {
			t.Errorf("export lacks %s", want)
		}
	}

	keyFile := filepath.Join(data, "keys", "master.key")
	before, _ := os.ReadFile(keyFile)
	if out := mustCLI(t, data, "", "key", "rotate"); !strings.Contains(out, "replaced by") {
		t.Errorf("key rotate: %s", out)
	}
	after, _ := os.ReadFile(keyFile)
	if bytes.Equal(before, after) {
		t.Error("key file unchanged by rotation")
	}
	if out := mustCLI(t, data, "", "purge"); !strings.Contains(out, "purged 0 snapshots") {
		t.Errorf("purge: %s", out)
	}
	if out := mustCLI(t, data, "", "erase", "E1"); !strings.Contains(out, "erased") {
		t.Errorf("erase: %s", out)
	}
	var ps []clockface.Punch
	// Punches survive erasure: the export still lists the punch.
	mustCLI(t, data, "", "dsar", "export", "E1", "--out", out)
	zr, err = zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "punches.json" {
			rc, _ := f.Open()
			json.NewDecoder(rc).Decode(&ps)
			rc.Close()
		}
	}
	zr.Close()
	if len(ps) != 1 {
		t.Errorf("%d punches after erasure, want 1", len(ps))
	}

	mustCLI(t, data, "", "audit", "verify")
	// Edit one audit row behind the ledger's back: verify names it.
	db, err := sql.Open("sqlite3", filepath.Join(data, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit SET actor = 'mallory' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := runCLI(t, data, "", "audit", "verify")
	if r.code == 0 || !strings.Contains(r.stderr, "entry 3") {
		t.Errorf("tampered audit: exit %d, %q; want nonzero naming entry 3", r.code, r.stderr)
	}
}
