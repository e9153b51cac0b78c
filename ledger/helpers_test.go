package ledger_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/internal/clocktest"
	"clockface/ledger"
	"clockface/vault"
)

// t0 is where every test clock starts.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func newClock() *clocktest.Clock { return clocktest.New(t0) }

type env struct {
	dir   string
	path  string
	key   string
	clock *clocktest.Clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	return &env{
		dir:   dir,
		path:  filepath.Join(dir, "ledger.db"),
		key:   filepath.Join(dir, "keys", "master.key"),
		clock: newClock(),
	}
}

func (e *env) config() ledger.Config {
	return ledger.Config{Path: e.path, KeyFile: e.key, Clock: e.clock, KioskID: "kiosk-1"}
}

func (e *env) open(t testing.TB, mods ...func(*ledger.Config)) *ledger.Ledger {
	t.Helper()
	cfg := e.config()
	for _, m := range mods {
		m(&cfg)
	}
	l, err := ledger.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var testModel = embeddings.Model{Name: "dlib", Version: "test1", Dim: 4}

func addEmployee(t testing.TB, l *ledger.Ledger, number, pin string) clockface.Employee {
	t.Helper()
	e, err := l.AddEmployee(context.Background(), clockface.Employee{Number: number, Name: "Name " + number}, pin)
	if err != nil {
		t.Fatalf("add employee %s: %v", number, err)
	}
	return e
}

func consentText(version string) []byte { return []byte("Consent text " + version) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func consent(t testing.TB, l *ledger.Ledger, number string) clockface.Consent {
	t.Helper()
	c, err := l.RecordConsent(context.Background(), clockface.Consent{
		EmployeeNumber: number, TextVersion: "v1", Locale: "en", TextSHA256: sha(consentText("v1")),
		Signature: "Name " + number, RetentionPolicy: "r1",
	})
	if err != nil {
		t.Fatalf("consent %s: %v", number, err)
	}
	return c
}

func template(number string, seed float32) embeddings.Template {
	return embeddings.Template{
		Owner: number, Model: testModel,
		Samples: []embeddings.Embedding{{seed, seed + 1, seed + 2, seed + 3}, {seed + 4, seed + 5, seed + 6, seed + 7}},
	}
}

func enrol(t testing.TB, l *ledger.Ledger, number string, seed float32) {
	t.Helper()
	consent(t, l, number)
	if err := l.SaveTemplate(context.Background(), template(number, seed), "admin"); err != nil {
		t.Fatalf("save template %s: %v", number, err)
	}
}

func mustKey(t testing.TB) *vault.MasterKey {
	t.Helper()
	k, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// undoV3 takes a ledger's schema back from version 3 far enough for
// migration 3 to run again (tests that rebuild an older ledger by hand):
// the added employee columns go; the punches rebuild copies what it finds.
var undoV3 = []string{
	`ALTER TABLE employees DROP COLUMN first_name`,
	`ALTER TABLE employees DROP COLUMN last_name`,
	`ALTER TABLE employees DROP COLUMN adp_file_number`,
	`ALTER TABLE employees DROP COLUMN paychex_worker_id`,
	`ALTER TABLE employees DROP COLUMN gusto_id`,
	`ALTER TABLE employees DROP COLUMN quickbooks_name`,
}
