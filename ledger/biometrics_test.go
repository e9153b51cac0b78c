package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/ledger"
	"clockface/vault"
)

// Privacy promise 1: the database itself refuses a template without a live
// consent of the same employee.
func TestDatabaseRefusesTemplateWithoutConsent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	a := addEmployee(t, l, "A", "")
	b := addEmployee(t, l, "B", "")
	cb := consent(t, l, "B")
	withdrawn := addEmployee(t, l, "W", "")
	cw := consent(t, l, "W")
	if err := l.WithdrawConsent(ctx, "W", "admin"); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO templates (employee_id, consent_id, model_name, model_version, dim, ciphertext, created_at) VALUES (?, ?, 'dlib', 'x', 4, x'00', 0)`
	tests := []struct {
		name      string
		emp       int64
		consentID int64
	}{
		{"no consent at all", a.ID, 0},
		{"another employee's consent", a.ID, cb.ID},
		{"withdrawn consent", withdrawn.ID, cw.ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.DB().Exec(insert, tc.emp, tc.consentID)
			if err == nil || !strings.Contains(err.Error(), "no live consent") {
				t.Fatalf("raw insert: got %v, want 'no live consent'", err)
			}
		})
	}
	// The same raw insert with the live consent is accepted: the trigger
	// refuses for the reason tested and not for another.
	if _, err := l.DB().Exec(insert, b.ID, cb.ID); err != nil {
		t.Fatalf("raw insert with live consent: %v", err)
	}
	// Moving a template onto a consent that is not live is refused too.
	if _, err := l.DB().Exec(`UPDATE templates SET consent_id = ? WHERE employee_id = ?`, cw.ID, b.ID); err == nil {
		t.Error("update onto a withdrawn consent succeeded")
	}
}

// Privacy promise 1: a consent names the kiosk it was signed on. Go refuses
// one without a kiosk id, and so does the database for a raw insert or
// update.
func TestConsentNeedsKioskID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	a := addEmployee(t, l, "A", "")
	addEmployee(t, l, "B", "")

	_, err := l.RecordConsent(ctx, clockface.Consent{
		EmployeeNumber: "A", TextVersion: "v1", Locale: "en", TextSHA256: sha(consentText("v1")),
		Signature: "Name A", RetentionPolicy: "r1", KioskID: " ",
	})
	if err == nil || !strings.Contains(err.Error(), "no kiosk id") {
		t.Fatalf("RecordConsent with a blank kiosk id: got %v, want 'no kiosk id'", err)
	}
	if cs, err := l.Consents(ctx, "A"); err != nil || len(cs) != 0 {
		t.Fatalf("consents after the refusal: got %d, %v, want none", len(cs), err)
	}
	// Without a kiosk id of its own, the consent takes the ledger's.
	if got, want := consent(t, l, "B").KioskID, "kiosk-1"; got != want {
		t.Errorf("default kiosk id %q, want %q", got, want)
	}

	insert := `INSERT INTO consents (employee_id, text_version, locale, text_sha256, signature, signed_at, kiosk_id, retention_policy)
		VALUES (?, 'v1', 'en', ?, 'Name A', 0, ?, 'r1')`
	for _, kiosk := range []string{"", "  "} {
		_, err := l.DB().Exec(insert, a.ID, sha(consentText("v1")), kiosk)
		if err == nil || !strings.Contains(err.Error(), "consent needs a kiosk id") {
			t.Errorf("raw insert with kiosk id %q: got %v, want 'consent needs a kiosk id'", kiosk, err)
		}
	}
	// The same insert with a kiosk id is accepted: the database refuses for
	// the reason tested and not for another.
	if _, err := l.DB().Exec(insert, a.ID, sha(consentText("v1")), "kiosk-9"); err != nil {
		t.Fatalf("raw insert with a kiosk id: %v", err)
	}
	if _, err := l.DB().Exec(`UPDATE consents SET kiosk_id = '' WHERE employee_id = ?`, a.ID); err == nil || !strings.Contains(err.Error(), "consent needs a kiosk id") {
		t.Errorf("raw update to an empty kiosk id: got %v, want 'consent needs a kiosk id'", err)
	}
}

// A consent written before schema version 2 with an empty kiosk id stays
// readable and can still be withdrawn after the upgrade.
func TestLegacyConsentWithoutKioskIDCanBeWithdrawn(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	a := addEmployee(t, l, "A", "")
	l.Close()

	// Back to schema version 1 with a consent that has no kiosk id.
	db := ledger.OpenDB(e.path)
	for _, q := range append(undoV3,
		`DROP TRIGGER consents_need_kiosk_insert`,
		`DROP TRIGGER consents_need_kiosk_update`,
		`DELETE FROM goose_db_version WHERE version_id >= 2`,
		`PRAGMA user_version = 1`,
	) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO consents (employee_id, text_version, locale, text_sha256, signature, signed_at, kiosk_id, retention_policy)
		VALUES (?, 'v1', 'en', ?, 'Name A', 0, '', 'r1')`, a.ID, sha(consentText("v1"))); err != nil {
		t.Fatal(err)
	}
	db.Close()

	l = e.open(t)
	var v int
	if err := l.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if got, want := v, ledger.SchemaVersion(); got != want {
		t.Errorf("schema version %d, want %d", got, want)
	}
	if err := l.SaveTemplate(ctx, template("A", 1), "admin"); err != nil {
		t.Fatalf("save template on the legacy consent: %v", err)
	}
	if err := l.WithdrawConsent(ctx, "A", "admin"); err != nil {
		t.Fatalf("withdraw the legacy consent: %v", err)
	}
	if _, err := l.LiveConsent(ctx, "A"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Errorf("live consent after withdrawal: got %v, want ErrNoConsent", err)
	}
}

func TestSaveTemplateNeedsConsent(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "")
	err := l.SaveTemplate(ctx, template("A", 1), "admin")
	if !errors.Is(err, clockface.ErrNoConsent) {
		t.Fatalf("got %v, want ErrNoConsent", err)
	}
	if _, err := l.Template(ctx, "A", testModel); !errors.Is(err, clockface.ErrNotFound) {
		t.Errorf("template after refused save: got %v, want ErrNotFound", err)
	}
	if err := l.SaveTemplate(ctx, template("nobody", 1), "admin"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("unknown employee: got %v, want ErrUnknownEmployee", err)
	}
}

// Withdrawal deletes templates in the same transaction (promise 5).
func TestWithdrawConsentDeletesTemplates(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	enrolImg, err := l.SaveSnapshot(ctx, "A", []byte("enrolment frame"), ledger.SnapshotEnrol)
	if err != nil {
		t.Fatal(err)
	}
	punchImg, err := l.SaveSnapshot(ctx, "A", []byte("punch frame"), ledger.SnapshotPunch)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.WithdrawConsent(ctx, "A", "A"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Snapshot(ctx, enrolImg, "tester"); !errors.Is(err, clockface.ErrNotFound) {
		t.Errorf("enrolment image after withdrawal: got %v, want ErrNotFound", err)
	}
	// Punch images follow the 90-day rule instead.
	if _, err := l.Snapshot(ctx, punchImg, "tester"); err != nil {
		t.Errorf("punch image after withdrawal: %v", err)
	}
	var n int
	if err := l.DB().QueryRow(`SELECT count(*) FROM templates`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d templates after withdrawal, want 0", n)
	}
	if _, err := l.LiveConsent(ctx, "A"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Errorf("live consent after withdrawal: got %v, want ErrNoConsent", err)
	}
	emp, err := l.Employee(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if emp.HasFace {
		t.Error("HasFace after withdrawal")
	}
	// The trigger alone also keeps the promise: a raw UPDATE withdrawing a
	// consent deletes its templates.
	addEmployee(t, l, "B", "")
	enrol(t, l, "B", 2)
	if _, err := l.DB().Exec(`UPDATE consents SET withdrawn_at = 1 WHERE withdrawn_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if err := l.DB().QueryRow(`SELECT count(*) FROM templates`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d templates after raw withdrawal, want 0", n)
	}
}

func TestTemplateRoundTripEncrypted(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	got, err := l.Template(ctx, "A", testModel)
	if err != nil {
		t.Fatal(err)
	}
	if want := template("A", 1); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	plain, _ := template("A", 1).MarshalBinary()
	var ct []byte
	if err := l.DB().QueryRow(`SELECT ciphertext FROM templates`).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, plain[len(plain)-32:]) {
		t.Error("stored template contains plaintext sample bytes")
	}
	// Replacing is atomic and leaves one row.
	if err := l.SaveTemplate(ctx, template("A", 9), "admin"); err != nil {
		t.Fatal(err)
	}
	got, err = l.Template(ctx, "A", testModel)
	if err != nil {
		t.Fatal(err)
	}
	if want := template("A", 9); !reflect.DeepEqual(got, want) {
		t.Errorf("after replace got %+v, want %+v", got, want)
	}
}

// Promise 4: flipped, truncated and swapped ciphertexts are refused.
func TestTemplateTamperingDetected(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		spoil string
	}{
		{"bit flip", `UPDATE templates SET ciphertext = CAST(substr(ciphertext, 1, 40) || (CASE WHEN substr(ciphertext, 41, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(ciphertext, 42) AS BLOB) WHERE employee_id = (SELECT id FROM employees WHERE number = 'A')`},
		{"truncation", `UPDATE templates SET ciphertext = substr(ciphertext, 1, length(ciphertext) - 20) WHERE employee_id = (SELECT id FROM employees WHERE number = 'A')`},
		{"swapped rows", `UPDATE templates SET ciphertext = (SELECT ciphertext FROM templates t JOIN employees e ON e.id = t.employee_id WHERE e.number = 'B') WHERE employee_id = (SELECT id FROM employees WHERE number = 'A')`},
		{"swapped keys", `UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys k JOIN employees e ON e.id = k.employee_id WHERE e.number = 'B') WHERE employee_id = (SELECT id FROM employees WHERE number = 'A')`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newEnv(t).open(t)
			addEmployee(t, l, "A", "")
			addEmployee(t, l, "B", "")
			enrol(t, l, "A", 1)
			enrol(t, l, "B", 2)
			if _, err := l.DB().Exec(tc.spoil); err != nil {
				t.Fatal(err)
			}
			_, err := l.Template(ctx, "A", testModel)
			if !errors.Is(err, vault.ErrTampered) {
				t.Errorf("Template: got %v, want ErrTampered", err)
			}
			if _, err := l.Templates(ctx, testModel); !errors.Is(err, vault.ErrTampered) {
				t.Errorf("Templates: got %v, want ErrTampered", err)
			}
			if _, err := l.Template(ctx, "B", testModel); err != nil {
				t.Errorf("B's template spoiled too: %v", err)
			}
		})
	}
}

// Promise 11: face matching skips restricted, terminated and unenrolled
// employees.
func TestTemplatesOnlyFaceAllowed(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	for i, n := range []string{"active", "restricted", "terminated", "pinonly"} {
		addEmployee(t, l, n, "")
		if n != "pinonly" {
			enrol(t, l, n, float32(i))
		}
	}
	if err := l.Restrict(ctx, "restricted", true, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := l.Terminate(ctx, "terminated", "admin"); err != nil {
		t.Fatal(err)
	}
	ts, err := l.Templates(ctx, testModel)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tm := range ts {
		got = append(got, tm.Owner)
	}
	if want := []string{"active"}; !reflect.DeepEqual(got, want) {
		t.Errorf("templates of %v, want %v", got, want)
	}
	other := embeddings.Model{Name: "onnx", Version: "v", Dim: 4}
	if ts, err := l.Templates(ctx, other); err != nil || len(ts) != 0 {
		t.Errorf("templates of another model: %d, %v; want none", len(ts), err)
	}
	if err := l.Restrict(ctx, "restricted", false, "admin"); err != nil {
		t.Fatal(err)
	}
	if ts, _ := l.Templates(ctx, testModel); len(ts) != 2 {
		t.Errorf("after unrestrict: %d templates, want 2", len(ts))
	}
}

// A wrong master key is a clear error and nothing is deleted: not even the
// retention purge runs.
func TestWrongMasterKeyRefusedNothingDeleted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	if _, err := l.SaveSnapshot(ctx, "A", []byte("jpeg-bytes"), ledger.SnapshotPunch); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// 100 days on, the snapshot is due for purging; a wrong key must not
	// let that (or anything) happen.
	e.clock.Add(100 * 24 * time.Hour)

	wrong := mustKey(t)
	cfg := e.config()
	cfg.KeyFile, cfg.Key = "", wrong
	_, err := ledger.Open(ctx, cfg)
	if !errors.Is(err, ledger.ErrWrongMasterKey) {
		t.Fatalf("open with another key: got %v, want ErrWrongMasterKey", err)
	}
	if !strings.Contains(err.Error(), wrong.ID()) {
		t.Errorf("error %q does not name the key", err)
	}
	// A wrong key file, too.
	other := e.key + ".other"
	if err := wrong.WriteFile(other); err != nil {
		t.Fatal(err)
	}
	cfg = e.config()
	cfg.KeyFile = other
	if _, err := ledger.Open(ctx, cfg); !errors.Is(err, ledger.ErrWrongMasterKey) {
		t.Fatalf("open with another key file: got %v, want ErrWrongMasterKey", err)
	}
	// A missing key file is an error, not a new key.
	cfg.KeyFile = e.dir + "/missing.key"
	if _, err := ledger.Open(ctx, cfg); err == nil {
		t.Fatal("open with a missing key file succeeded")
	}
	if _, err := os.Stat(cfg.KeyFile); !os.IsNotExist(err) {
		t.Error("a key file was created for an existing database")
	}

	l = e.open(t, func(c *ledger.Config) { c.NoPurgeAtOpen = true })
	if _, err := l.Template(ctx, "A", testModel); err != nil {
		t.Errorf("template after refused opens: %v", err)
	}
	var n int
	l.DB().QueryRow(`SELECT count(*) FROM snapshots`).Scan(&n)
	if n != 1 {
		t.Errorf("%d snapshots after refused opens, want 1", n)
	}
}

// Master-key rotation killed between any two steps leaves every template
// readable on the next open.
func TestRotateKeyCrashSafe(t *testing.T) {
	ctx := context.Background()
	steps := []string{"next-written", "half-rewrapped", "committed", ""}
	for _, step := range steps {
		name := step
		if name == "" {
			name = "completed"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			l := e.open(t)
			for i := 0; i < 6; i++ {
				n := "E" + itoa(i)
				addEmployee(t, l, n, "")
				enrol(t, l, n, float32(i))
			}
			oldID := l.MasterKeyID()
			ledger.SetTestHook(l, func(s string) bool { return s == step })
			_, err := l.RotateKey(ctx, "admin")
			if step != "" && !errors.Is(err, ledger.ErrHook) {
				t.Fatalf("rotate: got %v, want the hook to stop it", err)
			}
			if step == "" && err != nil {
				t.Fatal(err)
			}
			l.Close()

			l = e.open(t)
			for i := 0; i < 6; i++ {
				n := "E" + itoa(i)
				got, err := l.Template(ctx, n, testModel)
				if err != nil {
					t.Fatalf("template %s: %v", n, err)
				}
				if want := template(n, float32(i)); !reflect.DeepEqual(got, want) {
					t.Fatalf("template %s changed", n)
				}
			}
			if _, err := os.Stat(e.key + ".next"); !os.IsNotExist(err) {
				t.Errorf("%s.next left behind (%v)", e.key, err)
			}
			k, err := vault.LoadKeyFile(e.key)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := k.ID(), l.MasterKeyID(); got != want {
				t.Errorf("key file holds %s, ledger uses %s", got, want)
			}
			rotated := step == "committed" || step == ""
			if got := l.MasterKeyID() != oldID; got != rotated {
				t.Errorf("rotated = %v, want %v", got, rotated)
			}
			if err := l.VerifyAudit(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// Rotating the key while the kiosk reads templates, saves snapshots and
// punches neither deadlocks nor fails any of them.
func TestRotateKeyConcurrentUse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t, func(c *ledger.Config) { c.Debounce = -1 })
	for i := 0; i < 20; i++ {
		n := "E" + itoa(i)
		addEmployee(t, l, n, "")
		enrol(t, l, n, float32(i))
	}
	stop := make(chan struct{})
	errs := make(chan error, 3)
	work := func(f func(i int) error) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				errs <- nil
				return
			default:
			}
			if err := f(i); err != nil {
				errs <- err
				return
			}
		}
	}
	go work(func(int) error {
		ts, err := l.Templates(ctx, testModel)
		if err == nil && len(ts) != 20 {
			err = fmt.Errorf("%d templates", len(ts))
		}
		return err
	})
	go work(func(i int) error {
		_, err := l.SaveSnapshot(ctx, "E"+itoa(i%20), []byte("frame"), ledger.SnapshotPunch)
		return err
	})
	go work(func(i int) error {
		_, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "E" + itoa(i%20), Method: clockface.MethodPIN})
		return err
	})
	for i := 0; i < 5; i++ {
		if _, err := l.RotateKey(ctx, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	l.Close()
	l = e.open(t)
	ts, err := l.Templates(ctx, testModel)
	if err != nil || len(ts) != 20 {
		t.Fatalf("after rotations: %d templates, %v", len(ts), err)
	}
	ids, err := l.Snapshots(ctx, "E0")
	if err != nil || len(ids) == 0 {
		t.Fatalf("snapshots of E0: %d, %v", len(ids), err)
	}
	if _, err := l.Snapshot(ctx, ids[len(ids)-1].ID, "tester"); err != nil {
		t.Errorf("latest snapshot: %v", err)
	}
}

// Bad input is a clear error and loses nothing.
func TestBadInputLosesNothing(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "1234")
	enrol(t, l, "A", 1)
	tests := []struct {
		name    string
		do      func() error
		wantErr string
	}{
		{"duplicate employee", func() error {
			_, err := l.AddEmployee(ctx, clockface.Employee{Number: "A", Name: "Impostor"}, "9999")
			return err
		}, "already exists"},
		{"empty name", func() error {
			_, err := l.AddEmployee(ctx, clockface.Employee{Number: "Z"}, "")
			return err
		}, "empty name"},
		{"short PIN", func() error { return l.SetPIN(ctx, "A", "12", "admin") }, "PIN must be"},
		{"template without samples", func() error {
			return l.SaveTemplate(ctx, embeddings.Template{Owner: "A", Model: testModel}, "admin")
		}, "no samples"},
		{"second live consent", func() error {
			_, err := l.RecordConsent(ctx, clockface.Consent{EmployeeNumber: "A", TextVersion: "v2", TextSHA256: sha([]byte("x")), Signature: "A", RetentionPolicy: "r1"})
			return err
		}, "withdraw it first"},
		{"consent without hash", func() error {
			_, err := l.RecordConsent(ctx, clockface.Consent{EmployeeNumber: "A", TextVersion: "v2", TextSHA256: "abc", Signature: "A", RetentionPolicy: "r1"})
			return err
		}, "64 hex"},
		{"snapshot with a bad purpose", func() error { _, err := l.SaveSnapshot(ctx, "A", []byte("x"), "marketing"); return err }, "purpose"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
			e, err := l.Employee(ctx, "A")
			if err != nil || e.Name != "Name A" || !e.HasFace {
				t.Errorf("employee A after refused input: %+v, %v", e, err)
			}
			if got, err := l.Template(ctx, "A", testModel); err != nil || !reflect.DeepEqual(got, template("A", 1)) {
				t.Errorf("template after refused input: %v", err)
			}
			if err := l.CheckPIN(ctx, "A", "1234"); err != nil {
				t.Errorf("PIN after refused input: %v", err)
			}
			if c, err := l.LiveConsent(ctx, "A"); err != nil || c.TextVersion != "v1" {
				t.Errorf("consent after refused input: %+v, %v", c, err)
			}
		})
	}
}

// Snapshots are bound to their row: a ciphertext copied onto another
// snapshot row of the same employee does not open.
func TestSnapshotSwapDetected(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "")
	first, _ := l.SaveSnapshot(ctx, "A", []byte("first"), ledger.SnapshotPunch)
	second, _ := l.SaveSnapshot(ctx, "A", []byte("second"), ledger.SnapshotPunch)
	if _, err := l.DB().Exec(`UPDATE snapshots SET ciphertext = (SELECT ciphertext FROM snapshots WHERE id = ?) WHERE id = ?`, first, second); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Snapshot(ctx, second, "tester"); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("swapped snapshot: got %v, want ErrTampered", err)
	}
	if b, err := l.Snapshot(ctx, first, "tester"); err != nil || string(b) != "first" {
		t.Errorf("first snapshot: %q, %v", b, err)
	}
}
