package attendance_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

// workforce makes n employees' punches for days workdays from Mon 2 Mar
// 2026 in Los Angeles (weekends off): in 08:00, a 30-minute meal, out
// 16:30, varied by a few minutes per employee, each at one of two kiosks.
func workforce(n, days int) []clockface.Punch {
	ps := make([]clockface.Punch, 0, n*days*4)
	start := date(la, "2026-03-02")
	for e := range n {
		emp := fmt.Sprintf("%06d", e)
		k := []string{"front", "back"}[e%2]
		jitter := time.Duration(e%7) * time.Minute
		for d, worked := 0, 0; worked < days; d++ {
			day := start.AddDate(0, 0, d)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			worked++
			for i, p := range []struct {
				k  clockface.PunchKind
				at time.Duration
			}{{clockface.PunchIn, 8 * time.Hour}, {clockface.BreakStart, 12 * time.Hour}, {clockface.BreakEnd, 12*time.Hour + 30*time.Minute}, {clockface.PunchOut, 16*time.Hour + 30*time.Minute}} {
				ps = append(ps, clockface.Punch{ID: fmt.Sprintf("%s-%03d-%d", emp, d, i), EmployeeNumber: emp, Kind: p.k,
					Method: clockface.MethodFace, At: day.Add(p.at + jitter).UTC(), KioskID: k})
			}
		}
	}
	return ps
}

func benchBuild(b *testing.B, ps []clockface.Punch, from, to time.Time) {
	r, err := attendance.RuleSet("california")
	if err != nil {
		b.Fatal(err)
	}
	r.Location, r.Now = la, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	n := 0
	for b.Loop() {
		n++
		s, err := attendance.Build(ps, from, to, r)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Employees) == 0 || len(s.Exceptions) != 0 {
			b.Fatalf("got %d employees and %d exceptions", len(s.Employees), len(s.Exceptions))
		}
	}
	b.ReportMetric(float64(len(ps)), "punches")
	// CPU time per Build (all threads, GC included): on a shared machine
	// the wall-clock ns/op also counts time spent waiting for a core.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(n)/1e9, "cpu-s/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMonth10kEmployees: March 2026's timesheets for 10,000 employees
// (22 workdays × 4 punches = 880,000 punches). Target ≤ 1 s.
func BenchmarkMonth10kEmployees(b *testing.B) {
	benchBuild(b, workforce(10_000, 22), date(la, "2026-03-01"), date(la, "2026-04-01"))
}

// BenchmarkMillionPunches: Build over 1,000,000 punches (5,000 employees ×
// 50 workdays × 4). Target ≤ 5 s.
func BenchmarkMillionPunches(b *testing.B) {
	benchBuild(b, workforce(5_000, 50), date(la, "2026-03-01"), date(la, "2026-05-17"))
}
