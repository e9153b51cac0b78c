package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings/dlib"
	"clockface/enroll"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
)

// enrolT0 is when the enrolment tests run.
var enrolT0 = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// runEnrolCLI runs the CLI with args against a data folder and returns
// stdout, stderr and the error.
func runEnrolCLI(t *testing.T, data string, args ...string) (string, string, error) {
	t.Helper()
	return runEnrolCLIStdin(t, data, "", args...)
}

// runEnrolCLIStdin is runEnrolCLI with stdin.
func runEnrolCLIStdin(t *testing.T, data, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &cli.App{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, Clock: clocktest.New(enrolT0)}
	root := rootCmd(a)
	root.SetArgs(cliArgs(args, "--data", data, "--master-key", filepath.Join(data, "keys", "master.key"), "--models", testmedia.Models(t), "--kiosk-id", "cli-test"))
	root.SetOut(&stderr)
	root.SetErr(&stderr)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestEnrollCLI(t *testing.T) {
	data := t.TempDir()
	franck := testmedia.Franck(t)

	out, errOut, err := runEnrolCLI(t, data, "--json", "enroll", "E1", "--signature", "Franck", "--locale", "es", franck[0], franck[1], franck[2], franck[3], franck[4], franck[5])
	if err != nil {
		t.Fatalf("enroll: %v\n%s", err, errOut)
	}
	var sum enroll.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if got, want := sum.Samples, enroll.DefaultSamples; got != want {
		t.Errorf("samples: got %d, want %d", got, want)
	}
	if sum.Consent == nil || sum.Consent.TextSHA256 != sum.Notice.SHA256 || sum.Consent.Locale != "es" || sum.Consent.KioskID != "cli-test" {
		t.Errorf("consent: got %+v, want the Spanish notice %s signed at kiosk cli-test", sum.Consent, sum.Notice.SHA256)
	}
	// The notice was shown, and a rejected still was explained in Spanish.
	for _, want := range []string{"Verificación facial", sum.Notice.SHA256, "franck_02683.jpg: no se mueva", "(5/5)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not show %q", want)
		}
	}

	// The same face under another number: exit status 3, naming E1.
	_, _, err = runEnrolCLI(t, data, "enroll", "E2", "--signature", "Someone Else", franck[6], franck[7], franck[8], franck[9], franck[10], franck[0])
	var ec cli.ExitCoder
	if !errors.Is(err, enroll.ErrDuplicate) || !errors.As(err, &ec) || ec.ExitCode() != 3 || !strings.Contains(err.Error(), "E1") {
		t.Fatalf("duplicate: got %v, want exit 3 naming E1", err)
	}

	// identify without --gallery matches against the ledger: franck's
	// stills not used for enrolment come out as E1.
	out, errOut, err = runEnrolCLI(t, data, "--json", "identify", franck[7], franck[9])
	if err != nil {
		t.Fatalf("identify: %v\n%s", err, errOut)
	}
	var ids []struct {
		Identity string `json:"identity"`
		Decision string `json:"decision"`
	}
	if err := json.Unmarshal([]byte(out), &ids); err != nil {
		t.Fatalf("identify --json: %v\n%s", err, out)
	}
	if len(ids) != 2 {
		t.Fatalf("identify: got %d results, want 2", len(ids))
	}
	for i, id := range ids {
		if id.Identity != "E1" || id.Decision != "accept" {
			t.Errorf("identify %d: got %s (%s), want E1 (accept)", i, id.Identity, id.Decision)
		}
	}

	// Withdrawal deletes the template at once: identify finds nobody, and
	// a second withdrawal says there is no consent.
	if _, errOut, err := runEnrolCLI(t, data, "withdraw", "E1"); err != nil {
		t.Fatalf("withdraw: %v\n%s", err, errOut)
	}
	if _, _, err := runEnrolCLI(t, data, "identify", franck[7]); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("identify after withdrawal: got %v, want nobody enrolled", err)
	}
	if _, _, err := runEnrolCLI(t, data, "withdraw", "E1"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Fatalf("second withdrawal: got %v, want ErrNoConsent", err)
	}

	// Declining adds a PIN-only employee.
	out, _, err = runEnrolCLIStdin(t, data, "4711\n", "--json", "enroll", "E3", "--decline", "--name", "Pat Pin")
	if err != nil {
		t.Fatal(err)
	}
	var declined enroll.Summary
	if err := json.Unmarshal([]byte(out), &declined); err != nil || !declined.Declined || declined.Consent != nil || declined.Samples != 0 {
		t.Fatalf("decline: got %+v (%v), want declined without consent", declined, err)
	}

	a := &cli.App{DataDir: data, KeyFile: filepath.Join(data, "keys", "master.key"), KioskID: "cli-test", Clock: clocktest.New(enrolT0)}
	l, err := a.OpenLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e3, err := l.Employee(context.Background(), "E3")
	if err != nil || e3.HasFace {
		t.Fatalf("E3: got %+v, %v; want a PIN-only employee", e3, err)
	}
	if err := l.CheckPIN(context.Background(), "E3", "4711"); err != nil {
		t.Fatalf("E3's PIN from stdin: %v", err)
	}
	if _, err := l.LiveConsent(context.Background(), "E3"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Fatalf("E3 consent: got %v, want ErrNoConsent", err)
	}
	e1, err := l.Employee(context.Background(), "E1")
	if err != nil || e1.HasFace {
		t.Fatalf("E1: got %+v, %v; want no face after withdrawal", e1, err)
	}
	if _, err := l.Template(context.Background(), "E1", dlib.Model()); !errors.Is(err, clockface.ErrNotFound) {
		t.Fatalf("E1 template after withdrawal: got %v, want ErrNotFound", err)
	}
}

func TestIdentifyWithoutLedger(t *testing.T) {
	data := t.TempDir()
	_, _, err := runEnrolCLI(t, data, "identify", testmedia.Franck(t)[0])
	if err == nil || !strings.Contains(err.Error(), "no ledger") {
		t.Fatalf("got %v, want an error saying there is no ledger", err)
	}
	if _, err := os.Stat(filepath.Join(data, "ledger.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("identify created a ledger: %v", err)
	}
}
