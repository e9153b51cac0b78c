package ledger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/embeddings"
	"clockface/ledger"
)

// BenchmarkPunch measures one PIN punch (transaction with the outbox event,
// committed with synchronous=FULL, i.e. an fsync of the WAL) and reports
// its p50 and p99 latency.
func BenchmarkPunch(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	l := e.open(b, func(c *ledger.Config) { c.Debounce = -1; c.Clock = clockface.SystemClock{} })
	const employees = 50
	for i := 0; i < employees; i++ {
		addEmployee(b, l, fmt.Sprintf("E%d", i), "")
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: fmt.Sprintf("E%d", i%employees), Method: clockface.MethodPIN}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		i++
	}
	reportPercentiles(b, lat)
}

// BenchmarkPunchParallel punches from 4 goroutines at once; SQLite
// serialises the writers, so this is the throughput under contention.
func BenchmarkPunchParallel(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	l := e.open(b, func(c *ledger.Config) { c.Debounce = -1; c.Clock = clockface.SystemClock{} })
	const employees = 50
	for i := 0; i < employees; i++ {
		addEmployee(b, l, fmt.Sprintf("E%d", i), "")
	}
	var n atomic.Int64
	b.SetParallelism(2) // 2 × GOMAXPROCS(2) = 4 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: fmt.Sprintf("E%d", i%employees), Method: clockface.MethodPIN}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "punches/s")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(float64(len(lat))/sum.Seconds(), "punches/s")
}

// BenchmarkPurge100kSnapshots purges 100,000 expired 4 KiB snapshots (with
// secure_delete zeroing every freed page) while a kiosk goroutine punches,
// and reports the punch's worst wait.
func BenchmarkPurge100kSnapshots(b *testing.B) {
	ctx := context.Background()
	const n, size = 100_000, 4096
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		l := e.open(b, func(c *ledger.Config) { c.NoPurgeAtOpen = true })
		emp := addEmployee(b, l, "A", "")
		old := e.clock.Now().UnixNano()
		if _, err := l.DB().Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
			INSERT INTO snapshots (uid, employee_id, purpose, captured_at, ciphertext)
			SELECT 'bench-' || i, ?, 'punch', ?, randomblob(?) FROM s`, n, emp.ID, old, size); err != nil {
			b.Fatal(err)
		}
		if err := l.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
		e.clock.Add(91 * day)
		// A kiosk keeps punching during the purge: record its worst wait.
		stop := make(chan struct{})
		waits := make(chan time.Duration, 1)
		go func() {
			var worst time.Duration
			for {
				select {
				case <-stop:
					waits <- worst
					return
				default:
				}
				t0 := time.Now()
				if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err != nil {
					b.Error(err)
				}
				worst = max(worst, time.Since(t0))
				time.Sleep(5 * time.Millisecond)
			}
		}()
		b.StartTimer()
		r, err := l.Purge(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		close(stop)
		worst = max(worst, <-waits)
		if err := l.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
		if r.Snapshots != n {
			b.Fatalf("purged %d, want %d", r.Snapshots, n)
		}
		l.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Milliseconds()), "max-punch-wait-ms")
}

// BenchmarkExportDSAR10kPunches exports an employee with 10,000 punches
// (and their audit entries and one snapshot) to a zip.
func BenchmarkExportDSAR10kPunches(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	l := e.open(b)
	emp := addEmployee(b, l, "A", "")
	addEmployee(b, l, "B", "")
	tx, err := l.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	base := e.clock.Now()
	for i := 0; i < 10_000; i++ {
		at := base.Add(time.Duration(i) * 4 * time.Hour).UnixNano()
		kind := []string{"in", "out"}[i%2]
		if _, err := tx.Exec(`INSERT INTO punches (id, employee_id, kind, method, at, kiosk_id, distance, margin, liveness, effective_at)
			VALUES (?, ?, ?, 'face', ?, 'k', 0.31, 0.2, 'pass', ?)`, uuid.NewString(), emp.ID, kind, at, at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := l.SaveSnapshot(ctx, "A", make([]byte, 20<<10), ledger.SnapshotPunch); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(e.dir, "a.zip")
	for b.Loop() {
		if err := l.ExportDSAR(ctx, "A", out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen10kEmployees opens a ledger of 10,000 enrolled employees
// (5 samples of 128-d each) and decrypts every template for the gallery:
// quick_check, migrations, key check, purge, then Templates.
func BenchmarkOpen10kEmployees(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	m := embeddings.Model{Name: "dlib", Version: "bench", Dim: 128}
	l := e.open(b)
	if err := ledger.BulkEnrol(ctx, l, 10_000, m, 5); err != nil {
		b.Fatal(err)
	}
	l.Close()
	for b.Loop() {
		l, err := ledger.Open(ctx, e.config())
		if err != nil {
			b.Fatal(err)
		}
		ts, err := l.Templates(ctx, m)
		if err != nil {
			b.Fatal(err)
		}
		if len(ts) != 10_000 {
			b.Fatalf("%d templates, want 10000", len(ts))
		}
		l.Close()
	}
}

// BenchmarkCheckPIN is one PIN verification: the argon2id hash (19 MiB,
// 2 passes, 1 lane) plus the attempts bookkeeping.
func BenchmarkCheckPIN(b *testing.B) {
	ctx := context.Background()
	l := newEnv(b).open(b)
	addEmployee(b, l, "A", "2468")
	for b.Loop() {
		if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
			b.Fatal(err)
		}
	}
}
