package outbox_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

// TestDownstreamPass: a relay pass applies the hub's status change to the
// ledger, calls OnApplied once, reports its cursor to the hub, and a
// second pass applies nothing and calls nothing.
func TestDownstreamPass(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, "kiosk-1", clockface.SystemClock{})
	dir := t.TempDir()
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"),
		Clock: clockface.SystemClock{}, KioskID: "kiosk-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "E1", Name: "Ann Lee"}, "4321"); err != nil {
		t.Fatal(err)
	}
	relay := outbox.New(l, r.client, outbox.Options{KioskID: "kiosk-1"})
	calls := 0
	relay.OnApplied(func() { calls++ })
	if _, err := relay.RunOnce(ctx); err != nil { // the directory reaches the hub
		t.Fatal(err)
	}
	c, err := r.st.ChangeEmployeeStatus(ctx, "E1", wire.ActionRestrict, "look-alike", "hr@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := relay.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.StatusChanges != 1 || st.Downstreams != 2 || calls != 1 {
		t.Errorf("got %+v and %d calls, want 1 change in 2 answers (the second reports the cursor) and 1 call", st, calls)
	}
	if e, _ := l.Employee(ctx, "E1"); !e.RestrictedToPIN {
		t.Error("E1 is not restricted on the kiosk")
	}
	s, err := r.st.EmployeeStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := s["E1"]; got.Pending != 0 || got.AppliedBy != "kiosk-1" || got.Last.Seq != c.Seq {
		t.Errorf("hub's view: got %+v, want applied by kiosk-1", got)
	}
	st, err = relay.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.StatusChanges != 0 || st.Downstreams != 1 || calls != 1 {
		t.Errorf("second pass: got %+v and %d calls, want nothing applied in 1 answer", st, calls)
	}
}
