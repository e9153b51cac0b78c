package kiosk

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"clockface/ledger"
)

// The running kiosk purges at every tick, not only when the ledger opens:
// each purge leaves a retention.purge audit entry.
func TestPurgeOnTicks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	led, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"), KioskID: "k1"})
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
	go func() { purgeOn(ctx, led, ticks, slog.New(slog.NewTextHandler(io.Discard, nil))); close(stopped) }()
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
