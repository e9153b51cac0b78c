package outbox_test

import (
	"context"
	"testing"
	"time"

	"clockface/internal/clocktest"
	"clockface/sync/outbox"
)

// LastSuccess is what the kiosk's online chip shows: when the last pass
// that reached the real hub ended, and whether the latest one did.
func TestLastSuccessFollowsThePasses(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 11, 23, 8, 31, 0, 0, time.UTC))
	r := newRig(t, "k1", clock)
	src := newMemSource("k1", 3, clock.Now())
	fs := &flakySender{next: r.client}
	fs.n.Store(1) // the hub is down for the first send
	relay := outbox.New(src, fs, outbox.Options{KioskID: "k1", Clock: clock})
	ctx := context.Background()

	if at, online := relay.LastSuccess(); !at.IsZero() || online {
		t.Errorf("before any pass: got %v, %v; want zero, offline", at, online)
	}
	if _, err := relay.RunOnce(ctx); err == nil {
		t.Fatal("the first pass reached a hub that is down")
	}
	if at, online := relay.LastSuccess(); !at.IsZero() || online {
		t.Errorf("after a failed pass: got %v, %v; want zero, offline", at, online)
	}
	synced := clock.Add(time.Minute)
	if _, err := relay.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if at, online := relay.LastSuccess(); !at.Equal(synced) || !online {
		t.Errorf("after a good pass: got %v, %v; want %v, online", at, online, synced)
	}
	fs.n.Store(1)
	src.add("k1", 1, clock.Now())
	clock.Add(time.Minute)
	if _, err := relay.RunOnce(ctx); err == nil {
		t.Fatal("the pass reached a hub that is down")
	}
	if at, online := relay.LastSuccess(); !at.Equal(synced) || online {
		t.Errorf("hub down again: got %v, %v; want %v (kept), offline", at, online, synced)
	}
}
