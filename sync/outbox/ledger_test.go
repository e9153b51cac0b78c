package outbox_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
	"clockface/sync/outbox"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// TestLedgerToHub runs the relay from a real ledger to a real hub, across
// a kiosk restart: punches, a correction and a void arrive once each, the
// ledger's outbox empties, and the hub holds the audit head.
func TestLedgerToHub(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, "kiosk-1", clockface.SystemClock{})
	dir := t.TempDir()
	clk := &stepClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	cfg := ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"), Clock: clk, KioskID: "kiosk-1"}
	l, err := ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []clockface.Employee{{Number: "E1", Name: "Ann Lee"}, {Number: "E2", Name: "=HYPERLINK(\"x\")"}} {
		if _, err := l.AddEmployee(ctx, e, "4321"); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	punch := func(emp string, kind clockface.PunchKind) clockface.Punch {
		t.Helper()
		p, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: emp, Method: clockface.MethodPIN, Kind: kind})
		if err != nil || !created {
			t.Fatalf("punch %s %s: created=%v err=%v", emp, kind, created, err)
		}
		ids = append(ids, p.ID)
		clk.Add(4 * time.Hour)
		return p
	}
	in := punch("E1", clockface.PunchIn)
	punch("E1", clockface.PunchOut)
	wrong := punch("E2", clockface.PunchIn)
	if _, err := l.CorrectPunch(ctx, in.ID, in.At.Add(-10*time.Minute), "mgr", "badge reader down"); err != nil {
		t.Fatal(err)
	}
	if err := l.VoidPunch(ctx, wrong.ID, "E2", "pressed by mistake"); err != nil {
		t.Fatal(err)
	}
	st, err := outbox.New(l, r.client, outbox.Options{KioskID: "kiosk-1"}).RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 5 || st.Accepted != 5 {
		t.Errorf("first pass: got %+v, want 5 events accepted", st)
	}
	// Restart the kiosk: close, reopen, punch again, new relay.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err = ledger.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	punch("E2", clockface.PunchIn)
	punch("E2", clockface.PunchOut)
	st, err = outbox.New(l, r.client, outbox.Options{KioskID: "kiosk-1"}).RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 2 || st.Accepted != 2 {
		t.Errorf("after restart: got %+v, want only the 2 new events", st)
	}
	if n, err := l.OutboxLen(ctx); err != nil || n != 0 {
		t.Errorf("got outbox length %d (%v), want 0", n, err)
	}
	local, err := l.Punches(ctx, time.Time{}, clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	remote, err := r.st.PunchesBetween(ctx, time.Time{}, clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 5 || len(remote) != 5 {
		t.Fatalf("got %d local and %d hub punches, want 5 and 5", len(local), len(remote))
	}
	byID := map[string]clockface.Punch{}
	for _, p := range remote {
		byID[p.ID] = p
	}
	for _, want := range local {
		got, ok := byID[want.ID]
		if !ok {
			t.Errorf("punch %s missing on the hub", want.ID)
			continue
		}
		if !got.Time().Equal(want.Time()) || !got.At.Equal(want.At) || (got.Voided == nil) != (want.Voided == nil) || got.EmployeeNumber != want.EmployeeNumber {
			t.Errorf("punch %s: got %+v, want %+v", want.ID, got, want)
		}
	}
	seq, hash, err := l.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k, err := r.st.Kiosk(ctx, "kiosk-1")
	if err != nil || k.AuditSeq != seq || k.AuditHash != hash {
		t.Errorf("hub audit head %d/%s (%v), want %d/%s", k.AuditSeq, k.AuditHash, err, seq, hash)
	}
	es, err := r.st.Employees(ctx)
	if err != nil || len(es) != 2 || es[1].Name != "=HYPERLINK(\"x\")" {
		t.Errorf("got hub directory %+v (%v), want both employees verbatim", es, err)
	}
}
