package main

import (
	"context"
	"io"
	"testing"
	"time"

	"clockface"
)

// The running kiosk purges at every tick, not only when the ledger opens:
// each purge leaves a retention.purge audit entry.
func TestPurgeOnTicks(t *testing.T) {
	a := &app{dataDir: t.TempDir(), kioskID: "k1", clock: clockface.SystemClock{}, stderr: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	led, err := a.openLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	purges := func() int {
		entries, err := led.AuditEntries(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "retention.purge" {
				n++
			}
		}
		return n
	}
	before := purges()

	ticks := make(chan time.Time)
	stopped := make(chan struct{})
	go func() { a.purgeOn(ctx, led, ticks); close(stopped) }()
	// The loop is sequential: once the third tick is taken, the purges of
	// the first two have finished.
	for range 3 {
		ticks <- time.Now()
	}
	cancel()
	<-stopped

	if got, want := purges()-before, 2; got < want {
		t.Errorf("purges after 3 ticks: got %d, want at least %d", got, want)
	}
}
