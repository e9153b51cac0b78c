package attendance_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

// TestExceptions: each problem is flagged with its severity; the hours
// column says what still counts.
func TestExceptions(t *testing.T) {
	day := "2026-03-02"
	tests := []struct {
		name   string
		punch  *pb
		now    time.Time // zero: long after
		want   attendance.Hours
		except []attendance.ExceptionKind
	}{
		// Only an open in-punch, days ago: zero hours, missing_out.
		{"only an open in-punch", punches("E1", la).in(day + " 08:00"), time.Time{}, hrs("0", "0", "0"),
			[]attendance.ExceptionKind{attendance.MissingOut}},
		// Still clocked in 2 h later: zero hours so far, open_shift.
		{"still clocked in", punches("E1", la).in(day + " 08:00"), tm(la, day+" 10:00"), hrs("0", "0", "0"),
			[]attendance.ExceptionKind{attendance.OpenShift}},
		// An out without an in: nothing counts; then 9-17 = 8 h.
		{"missing in", punches("E1", la).out(day+" 07:00").shift("2026-03-03", "09:00", "17:00"), time.Time{}, hrs("8h", "0", "0"),
			[]attendance.ExceptionKind{attendance.MissingIn}},
		// Out 17 h after the in: the in is older than MaxShift, so it closes nothing.
		{"out past the maximum shift", punches("E1", la).in(day + " 08:00").out("2026-03-03 01:30"), time.Time{}, hrs("0", "0", "0"),
			[]attendance.ExceptionKind{attendance.MissingOut, attendance.MissingIn}},
		// 06:00-19:00 = 13 h counts, with a long-shift warning.
		{"long shift", punches("E1", la).shift(day, "06:00", "19:00"), time.Time{}, hrs("13h", "0", "0"),
			[]attendance.ExceptionKind{attendance.LongShift}},
		// 09:00-09:03 = 3 minutes counts, with a short-shift warning.
		{"short shift", punches("E1", la).shift(day, "09:00", "09:03"), time.Time{}, hrs("3m", "0", "0"),
			[]attendance.ExceptionKind{attendance.ShortShift}},
		// An in 2 h after another in (not a double punch): the first has no out, the second contradicts; 10-16 = 6 h.
		{"in while in", punches("E1", la).in(day+" 08:00").shift(day, "10:00", "16:00"), time.Time{}, hrs("6h", "0", "0"),
			[]attendance.ExceptionKind{attendance.MissingOut, attendance.Contradiction}},
		// A break start while out is accepted and flagged; 9-17 = 8 h.
		{"break start while out", punches("E1", la).add(clockface.BreakStart, day+" 08:00").shift(day, "09:00", "17:00"), time.Time{},
			hrs("8h", "0", "0"), []attendance.ExceptionKind{attendance.Contradiction}},
		// A punch after now: blocking; the shift it closes still shows (8 h) for review.
		{"future punch", punches("E1", la).shift(day, "09:00", "17:00"), tm(la, day+" 12:00"), hrs("8h", "0", "0"),
			[]attendance.ExceptionKind{attendance.FuturePunch}},
		// An unknown kind is kept and flagged, never dropped silently; 9-17 = 8 h.
		{"unknown kind", punches("E1", la).add("lunch", day+" 12:00").shift(day, "13:00", "21:00"), time.Time{}, hrs("8h", "0", "0"),
			[]attendance.ExceptionKind{attendance.UnknownKind}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rules(t, "flsa", la)
			if !tt.now.IsZero() {
				r.Now = tt.now
			}
			s := build(t, tt.punch.ps, date(la, "2026-03-01"), date(la, "2026-03-08"), r)
			if len(s.Employees) != 1 {
				t.Fatalf("got %d employees, want E1 in the sheet", len(s.Employees))
			}
			if got := s.Employees[0].Hours; got != tt.want {
				t.Errorf("got %s, want %s", show(got), show(tt.want))
			}
			if got := kinds(s.Exceptions); !slices.Equal(got, tt.except) {
				t.Errorf("got exceptions %v, want %v", s.Exceptions, tt.except)
			}
			for _, e := range s.Exceptions {
				if e.Severity != e.Kind.Severity() || e.At.Location() != la || e.Employee != "E1" || e.PunchID == "" || e.Detail == "" {
					t.Errorf("exception %+v: want its kind's severity, At in LA, employee, punch and detail", e)
				}
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	blocking := []attendance.ExceptionKind{attendance.MissingIn, attendance.MissingOut, attendance.OpenShift, attendance.Overlap,
		attendance.FuturePunch, attendance.Contradiction, attendance.BadBreak, attendance.UnknownKind}
	warning := []attendance.ExceptionKind{attendance.LongShift, attendance.ShortShift, attendance.DoublePunch, attendance.ShortMeal}
	for _, k := range blocking {
		if got := k.Severity(); got != attendance.Blocking {
			t.Errorf("%s: got %s, want blocking", k, got)
		}
	}
	for _, k := range warning {
		if got := k.Severity(); got != attendance.Warning {
			t.Errorf("%s: got %s, want warning", k, got)
		}
	}
	ps := punches("E1", la).in("2026-03-02 08:00").ps
	ps = append(ps, punches("E2", la).shift("2026-03-02", "06:00", "19:00").ps...)
	s := build(t, ps, date(la, "2026-03-01"), date(la, "2026-03-08"), rules(t, "flsa", la))
	if got := s.Blocking(); len(got) != 1 || got[0].Employee != "E1" || got[0].Kind != attendance.MissingOut {
		t.Errorf("got blocking %v, want only E1's missing_out", got)
	}
	if len(s.Exceptions) != 2 {
		t.Errorf("got %v, want E1's missing_out and E2's long_shift", s.Exceptions)
	}
	if got := s.Exceptions[0].String(); !strings.Contains(got, "Mon 2 Mar 2026 08:00 PST") {
		t.Errorf("got %q, want the time in the site's zone", got)
	}
}

// TestEveryoneInTheSheet: an employee whose only punch in the period is an
// open in-punch is in the sheet with zero hours; one whose punches are all
// outside it is not.
func TestEveryoneInTheSheet(t *testing.T) {
	ps := punches("E1", la).shift("2026-03-02", "09:00", "17:00").ps
	ps = append(ps, punches("E2", la).in("2026-03-04 09:00").ps...)
	ps = append(ps, punches("E3", la).shift("2026-03-10", "09:00", "17:00").ps...)
	s := build(t, ps, date(la, "2026-03-01"), date(la, "2026-03-08"), rules(t, "flsa", la))
	var got []string
	for _, e := range s.Employees {
		got = append(got, fmt.Sprintf("%s=%s", e.Number, e.Total()))
	}
	if want := []string{"E1=8h0m0s", "E2=0s"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if e, ok := s.Employee("E2"); !ok || len(e.Shifts) != 0 {
		t.Errorf("Employee(E2): got %+v %v, want it with no shifts", e, ok)
	}
}

// TestEarlierExceptionInTheWeek: a missing out-punch on Monday 30 March
// decides April's overtime (same workweek), so April's sheet lists it.
func TestEarlierExceptionInTheWeek(t *testing.T) {
	ps := punches("E1", la).in("2026-03-30 08:00").shift("2026-04-01", "08:00", "16:00").ps
	s := build(t, ps, date(la, "2026-04-01"), date(la, "2026-04-16"), rules(t, "flsa", la))
	if got := kinds(s.Blocking()); !slices.Equal(got, []attendance.ExceptionKind{attendance.MissingOut}) {
		t.Errorf("got %v, want Monday's missing_out", s.Exceptions)
	}
}
