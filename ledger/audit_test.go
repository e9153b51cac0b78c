package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
)

// auditLedger makes a ledger with n audit entries beyond what Open writes.
func auditLedger(t *testing.T, n int) (*ledger.Ledger, int64) {
	t.Helper()
	e := newEnv(t)
	l := e.open(t)
	for i := 0; i < n; i++ {
		if err := l.Audit(context.Background(), "tester", "test.entry", "S"+itoa(i), map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(time.Second)
	}
	seq, _, err := l.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.VerifyAudit(context.Background()); err != nil {
		t.Fatalf("fresh chain: %v", err)
	}
	return l, seq
}

// Promise 13: editing, deleting or reordering any audit row is detected, and
// the error names the first broken entry.
func TestVerifyAuditDetectsTampering(t *testing.T) {
	ctx := context.Background()
	_, total := auditLedger(t, 5)
	type mutation struct {
		name    string
		sql     func(seq int64) string
		wantSeq func(seq, total int64) int64
	}
	same := func(seq, _ int64) int64 { return seq }
	muts := []mutation{
		{"edit detail", func(s int64) string { return fmt.Sprintf(`UPDATE audit SET detail = '{"i":99}' WHERE seq = %d`, s) }, same},
		{"edit actor", func(s int64) string { return fmt.Sprintf(`UPDATE audit SET actor = 'mallory' WHERE seq = %d`, s) }, same},
		{"edit time", func(s int64) string { return fmt.Sprintf(`UPDATE audit SET at = at + 1 WHERE seq = %d`, s) }, same},
		{"edit hash", func(s int64) string {
			return fmt.Sprintf(`UPDATE audit SET hash = '%064d' WHERE seq = %d`, 0, s)
		}, same},
		{"delete", func(s int64) string { return fmt.Sprintf(`DELETE FROM audit WHERE seq = %d`, s) }, same},
		{"renumber", func(s int64) string { return fmt.Sprintf(`UPDATE audit SET seq = seq + 1000 WHERE seq = %d`, s) }, same},
	}
	for seq := int64(1); seq <= total; seq++ {
		for _, m := range muts {
			t.Run(fmt.Sprintf("%s %d", m.name, seq), func(t *testing.T) {
				l, _ := auditLedger(t, 5)
				if _, err := l.DB().Exec(m.sql(seq)); err != nil {
					t.Fatal(err)
				}
				err := l.VerifyAudit(ctx)
				var be *ledger.BrokenLinkError
				if !errors.As(err, &be) {
					t.Fatalf("got %v, want BrokenLinkError", err)
				}
				if got, want := be.Seq, m.wantSeq(seq, total); got != want {
					t.Errorf("broken link named at %d, want %d (%v)", got, want, err)
				}
			})
		}
		if seq == total {
			continue
		}
		// Reorder: swap the contents of two neighbouring rows.
		t.Run(fmt.Sprintf("swap %d and %d", seq, seq+1), func(t *testing.T) {
			l, _ := auditLedger(t, 5)
			_, err := l.DB().Exec(fmt.Sprintf(`UPDATE audit SET seq = -seq WHERE seq IN (%d, %d);
				UPDATE audit SET seq = CASE seq WHEN -%d THEN %d ELSE %d END WHERE seq < 0`, seq, seq+1, seq, seq+1, seq))
			if err != nil {
				t.Fatal(err)
			}
			err = l.VerifyAudit(ctx)
			var be *ledger.BrokenLinkError
			if !errors.As(err, &be) || be.Seq != seq {
				t.Errorf("got %v, want a broken link at %d", err, seq)
			}
		})
	}
}

// Every admin action writes an audit entry.
func TestAdminActionsAudited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "1234")
	enrol(t, l, "A", 1)
	steps := []func() error{
		func() error { return l.Restrict(ctx, "A", true, "admin") },
		func() error { return l.Restrict(ctx, "A", false, "admin") },
		func() error { return l.SetPIN(ctx, "A", "4321", "admin") },
		func() error { return l.DeleteTemplates(ctx, "A", "admin", "employer request") },
		func() error { return l.WithdrawConsent(ctx, "A", "A") },
		func() error {
			p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
			if err != nil {
				return err
			}
			_, err = l.CorrectPunch(ctx, p.ID, p.At.Add(-time.Minute), "admin", "late badge")
			return err
		},
		func() error { return l.ExportDSAR(ctx, "A", e.dir+"/a.zip") },
		func() error { return l.Erase(ctx, "A", "admin") },
		func() error { _, err := l.Purge(ctx); return err },
		func() error { _, err := l.RotateKey(ctx, "admin"); return err },
		func() error { return l.Terminate(ctx, "A", "admin") },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	entries, err := l.AuditEntries(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range entries {
		got = append(got, a.Action)
	}
	want := []string{
		"retention.purge", // at open
		"employee.add", "consent.record", "template.save",
		"employee.restrict", "employee.unrestrict", "employee.pin", "template.delete", "consent.withdraw",
		"punch.correct", "dsar.export", "employee.erase", "retention.purge", "key.rotate", "employee.terminate",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit actions\n got %v\nwant %v", got, want)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// Promise 13: a row edited with its own hash recomputed passes the content
// check; the next entry's previous-hash no longer matches it, and the break
// is named there. Editing the last entry this way is caught by the head.
func TestVerifyAuditChecksPreviousHash(t *testing.T) {
	ctx := context.Background()
	_, total := auditLedger(t, 5)
	for seq := int64(1); seq <= total; seq++ {
		t.Run(fmt.Sprint(seq), func(t *testing.T) {
			l, _ := auditLedger(t, 5)
			forge(t, l, seq)
			err := l.VerifyAudit(ctx)
			var be *ledger.BrokenLinkError
			if !errors.As(err, &be) {
				t.Fatalf("got %v, want BrokenLinkError", err)
			}
			want, reason := seq+1, "previous-hash"
			if seq == total {
				reason = "recorded head"
			}
			if got := be.Seq; got != want || !strings.Contains(be.Reason, reason) {
				t.Errorf("broken link named at %d (%q), want %d (%q)", got, be.Reason, want, reason)
			}
		})
	}
	// Rewriting every entry from the edited one on, and the head, passes:
	// the chain is unkeyed. The hub's record of the heads it has seen is
	// what catches such a rewrite (sync/hub).
	t.Run("full rewrite", func(t *testing.T) {
		l, total := auditLedger(t, 5)
		for seq := int64(2); seq <= total; seq++ {
			forge(t, l, seq)
		}
		seq, h, err := l.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.DB().Exec(`UPDATE meta SET value = ? WHERE key = 'audit_head'`, fmt.Sprintf("%d:%s", seq, h)); err != nil {
			t.Fatal(err)
		}
		if err := l.VerifyAudit(ctx); err != nil {
			t.Errorf("full rewrite: got %v, want nil (the local check cannot see it)", err)
		}
	})
}

// forge edits the detail of audit entry seq and recomputes its hash from
// its stored fields, so the entry is consistent in itself.
func forge(t *testing.T, l *ledger.Ledger, seq int64) {
	t.Helper()
	var (
		at                                 int64
		actor, action, subject, detail, ph string
	)
	err := l.DB().QueryRow(`SELECT at, actor, action, subject, detail FROM audit WHERE seq = ?`, seq).Scan(&at, &actor, &action, &subject, &detail)
	if err != nil {
		t.Fatal(err)
	}
	// The previous hash is the (possibly forged) hash of the entry before.
	ph = "0000000000000000000000000000000000000000000000000000000000000000"
	if seq > 1 {
		if err := l.DB().QueryRow(`SELECT hash FROM audit WHERE seq = ?`, seq-1).Scan(&ph); err != nil {
			t.Fatal(err)
		}
	}
	detail = `{"forged":true}`
	h := ledger.EntryHash(seq, at, actor, action, subject, detail, ph)
	if _, err := l.DB().Exec(`UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?`, detail, ph, h, seq); err != nil {
		t.Fatal(err)
	}
}

// Promise 12: a person's read of an image or of the templates is audited,
// naming them; a read without an actor is refused. Machine reads for
// matching (Template per verification, Templates) write nothing.
func TestBiometricReadsAudited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	id, err := l.SaveSnapshot(ctx, "A", []byte("jpeg of A"), ledger.SnapshotPunch)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		es, err := l.AuditEntries(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	last := func() ledger.AuditEntry {
		t.Helper()
		es, err := l.AuditEntries(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return es[len(es)-1]
	}

	n := count()
	if b, err := l.Snapshot(ctx, id, ""); err == nil || b != nil {
		t.Errorf("snapshot without an actor: got %q, %v, want an error and no bytes", b, err)
	}
	if got, want := count(), n; got != want {
		t.Errorf("refused read wrote %d audit entries, want 0", got-want)
	}
	b, err := l.Snapshot(ctx, id, "hr:alice")
	if err != nil || string(b) != "jpeg of A" {
		t.Fatalf("snapshot: got %q, %v", b, err)
	}
	a := last()
	var d struct {
		SnapshotID int64  `json:"snapshot_id"`
		Purpose    string `json:"purpose"`
	}
	if err := json.Unmarshal(a.Detail, &d); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(a.Actor, " ", a.Action, " ", a.Subject, " ", d.SnapshotID, " ", d.Purpose),
		fmt.Sprint("hr:alice snapshot.view A ", id, " punch"); got != want {
		t.Errorf("audit entry: got %q, want %q", got, want)
	}

	n = count()
	if _, err := l.TemplatesAs(ctx, "", testModel); err == nil {
		t.Error("TemplatesAs without an actor: got nil, want an error")
	}
	ts, err := l.TemplatesAs(ctx, "cli:bob", testModel)
	if err != nil || len(ts) != 1 {
		t.Fatalf("TemplatesAs: got %d, %v", len(ts), err)
	}
	if got, want := count(), n+1; got != want {
		t.Fatalf("TemplatesAs wrote %d audit entries, want 1 for the whole load", got-n)
	}
	a = last()
	if got, want := a.Actor+" "+a.Action+" "+string(a.Detail), `cli:bob templates.read {"model":"`+testModel.String()+`","templates":1}`; got != want {
		t.Errorf("audit entry: got %q, want %q", got, want)
	}

	n = count()
	if _, err := l.Templates(ctx, testModel); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Template(ctx, "A", testModel); err != nil {
		t.Fatal(err)
	}
	if got, want := count(), n; got != want {
		t.Errorf("machine reads wrote %d audit entries, want 0", got-want)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// TestVerifyAuditDuringWrites: verification reads one snapshot, so entries
// appended while it runs, by this handle and by a second one on the same
// file, never look like a broken chain.
func TestVerifyAuditDuringWrites(t *testing.T) {
	const writes = 150 // per writer
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	other := e.open(t)
	addEmployee(t, l, "A", "")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, w := range []*ledger.Ledger{l, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < writes; n++ {
				if err := w.Audit(ctx, "writer", "test.write", "A", map[string]int{"writer": i, "n": n}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	verifications, broken := 0, 0
	var first error
loop:
	for {
		select {
		case <-done:
			break loop
		default:
		}
		if err := l.VerifyAudit(ctx); err != nil {
			broken++
			if first == nil {
				first = err
			}
		}
		verifications++
	}
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	t.Logf("%d verifications during %d writes", verifications, 2*writes)
	if broken > 0 {
		t.Errorf("%d of %d verifications during writes failed, first: %v", broken, verifications, first)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
