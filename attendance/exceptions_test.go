package attendance_test

import (
	"errors"
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

// TestState: the employee's state as last known, across kiosks.
func TestState(t *testing.T) {
	day := "2026-03-02"
	tests := []struct {
		name  string
		punch *pb
		at    string
		want  clockface.PunchKind
		since string
		next  []clockface.PunchKind
	}{
		{"never punched", punches("E1", la), "12:00", clockface.PunchOut, "", []clockface.PunchKind{clockface.PunchIn}},
		{"in", punches("E1", la).in(day + " 08:00"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"on break", punches("E1", la).in(day+" 08:00").add(clockface.BreakStart, day+" 10:00"), "10:05", clockface.BreakStart, "10:00",
			[]clockface.PunchKind{clockface.BreakEnd, clockface.PunchOut}},
		{"back from break", punches("E1", la).in(day+" 08:00").brk(day, "10:00", "10:10"), "11:00", clockface.PunchIn, "10:10",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"out at the other kiosk", punches("E1", la).in(day + " 08:00").at("back").out(day + " 16:00"), "17:00", clockface.PunchOut, "16:00",
			[]clockface.PunchKind{clockface.PunchIn}},
		{"a later punch is not yet known", punches("E1", la).in(day + " 08:00").out(day + " 16:00"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"double punch keeps the first", punches("E1", la).in(day + " 08:00").in(day + " 08:02"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"a forgotten out goes stale", punches("E1", la).in("2026-03-01 08:00"), "12:00", clockface.PunchOut, "",
			[]clockface.PunchKind{clockface.PunchIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := attendance.State(tt.punch.ps, tm(la, day+" "+tt.at), 0)
			if st.Kind != tt.want {
				t.Errorf("got %s, want %s", st.Kind, tt.want)
			}
			if tt.since != "" && !st.Since.Equal(tm(la, day+" "+tt.since)) {
				t.Errorf("got since %s, want %s", st.Since.In(la), tt.since)
			}
			if got := attendance.NextKinds(st); !slices.Equal(got, tt.next) {
				t.Errorf("got next kinds %v, want %v", got, tt.next)
			}
		})
	}
	ps := punches("E1", la).in(day + " 08:00").ps
	ps = append(ps, punches("E2", la).shift(day, "06:00", "09:00").ps...)
	all := attendance.States(ps, tm(la, day+" 10:00"), 0)
	if all["E1"].Kind != clockface.PunchIn || all["E2"].Kind != clockface.PunchOut || len(all) != 2 {
		t.Errorf("got %+v, want E1 in and E2 out", all)
	}
}

// TestLockedPeriod: 1-15 March is locked. A correction inside it is
// refused; the caller may instead carry the difference into 16-31 March.
func TestLockedPeriod(t *testing.T) {
	march1 := attendance.Period{From: date(la, "2026-03-01"), To: date(la, "2026-03-16")}
	march2 := attendance.Period{From: date(la, "2026-03-16"), To: date(la, "2026-04-01")}
	lock := attendance.Lock{Period: march1, By: "payroll@example.com", At: tm(la, "2026-03-16 09:00")}
	locks := []attendance.Lock{lock}

	err := attendance.CheckEditable(locks, tm(la, "2026-03-10 08:00"))
	var le *attendance.LockedError
	if !errors.As(err, &le) || !errors.Is(err, attendance.ErrLocked) || le.Lock != lock {
		t.Fatalf("inside the lock: got %v, want a *LockedError for %s", err, march1)
	}
	for _, at := range []string{"2026-03-16 00:00", "2026-02-28 23:59"} {
		if err := attendance.CheckEditable(locks, tm(la, at)); err != nil {
			t.Errorf("%s: got %v, want nil", at, err)
		}
	}
	next, err := attendance.NextOpen(locks, []attendance.Period{march1, march2}, march1.To)
	if err != nil || next != march2 {
		t.Errorf("NextOpen: got %v %v, want %s", next, err, march2)
	}
	if _, err := attendance.NextOpen([]attendance.Lock{lock, {Period: march2}}, []attendance.Period{march1, march2}, march1.To); err == nil {
		t.Error("NextOpen with every candidate locked: got nil error, want one")
	}

	// As exported: Tue 10 Mar 08:00-16:00 = 8 h. The out is corrected to 17:30: 9.5 h.
	b := punches("E1", la).shift("2026-03-10", "08:00", "16:00")
	r := rules(t, "flsa", la)
	old := build(t, b.ps, march1.From, march1.To, r)
	b.last().Corrected = &clockface.Correction{At: tm(la, "2026-03-10 17:30"), By: "mgr", Reason: "stayed late"}
	fixed := build(t, b.ps, march1.From, march1.To, r)
	adj, err := attendance.Adjust(old, fixed, march2, "mgr", "stayed late on 10 Mar", tm(la, "2026-03-20 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(adj) != 1 || adj[0].Delta != hrs("1h30m", "0", "0") || adj[0].Into != march2 || adj[0].Locked != march1 {
		t.Errorf("got adjustments %+v, want +1h30m regular from %s into %s", adj, march1, march2)
	}
	if _, err := attendance.Adjust(old, fixed, march2, "mgr", " ", time.Time{}); err == nil {
		t.Error("adjustment without a reason: got nil error, want one")
	}
	if _, err := attendance.Adjust(old, fixed, march1, "mgr", "x", time.Time{}); err == nil {
		t.Error("adjustment into the locked period itself: got nil error, want one")
	}
}

// TestDiff: a re-export after a change says what changed, per employee.
func TestDiff(t *testing.T) {
	from, to := date(la, "2026-03-01"), date(la, "2026-03-08")
	r := rules(t, "flsa", la)
	b := punches("E1", la).shift("2026-03-02", "08:00", "16:00")
	ps := append(b.ps, punches("E2", la).shift("2026-03-02", "08:00", "12:00").ps...)
	old := build(t, ps, from, to, r)
	ps[1].Corrected = &clockface.Correction{At: tm(la, "2026-03-02 17:00"), By: "mgr", Reason: "late"}
	ps = append(ps, punches("E3", la).in("2026-03-03 09:00").ps...)
	new := build(t, ps, from, to, r)
	got := attendance.Diff(old, new)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"E1: regular 8h → 9h (+1h); Mon 2 Mar 8h → 9h",
		"E3: added; exceptions 0 → 1",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if d := attendance.Diff(old, old); len(d) != 0 {
		t.Errorf("same sheet: got %v, want no changes", d)
	}
}

// TestBadInput: clear errors, nothing computed.
func TestBadInput(t *testing.T) {
	good := rules(t, "flsa", la)
	from, to := date(la, "2026-03-01"), date(la, "2026-03-08")
	mod := func(f func(*attendance.Rules)) attendance.Rules { r := good; f(&r); return r }
	tests := []struct {
		name     string
		from, to time.Time
		rules    attendance.Rules
		want     string
	}{
		{"no zone", from, to, mod(func(r *attendance.Rules) { r.Location = nil }), "no time zone"},
		{"machine zone", from, to, mod(func(r *attendance.Rules) { r.Location = time.Local }), "machine's zone"},
		{"no now", from, to, mod(func(r *attendance.Rules) { r.Now = time.Time{} }), "Now is required"},
		{"reversed", to, from, good, "reversed"},
		{"empty", from, from, good, "empty"},
		{"zero", time.Time{}, to, good, "required"},
		{"rounding", from, to, mod(func(r *attendance.Rules) { r.Rounding = 7 * time.Minute }), "rounding"},
		{"double before daily", from, to, mod(func(r *attendance.Rules) { r.DailyOT, r.DoubleTime = 8*time.Hour, 8*time.Hour }), "double time"},
		{"negative", from, to, mod(func(r *attendance.Rules) { r.DailyOT = -time.Hour }), "negative"},
		{"seventh day alone", from, to, mod(func(r *attendance.Rules) { r.SeventhDay = true }), "seventh-day"},
		{"day start hour", from, to, mod(func(r *attendance.Rules) { r.DayStartHour = 24 }), "start hour"},
		{"week start", from, to, mod(func(r *attendance.Rules) { r.WeekStart = 7 }), "week start"},
		{"breaks overlap", from, to, mod(func(r *attendance.Rules) { r.PaidBreakMax = time.Hour }), "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := attendance.Build(nil, tt.from, tt.to, tt.rules)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
	if _, _, err := attendance.Window(to, from, good); err == nil || !strings.Contains(err.Error(), "reversed") {
		t.Errorf("Window reversed: got %v, want an error", err)
	}
	if _, _, err := attendance.Window(from, to, mod(func(r *attendance.Rules) { r.Location = nil })); err == nil {
		t.Error("Window without a zone: got nil error, want one")
	}
	_, err := attendance.RuleSet("texas")
	if err == nil || !strings.Contains(err.Error(), "california, flsa") {
		t.Errorf("unknown rule set: got %v, want the known names listed", err)
	}
	if _, err := attendance.Build([]clockface.Punch{{ID: "p1", Kind: clockface.PunchIn, At: from}}, from, to, good); err == nil {
		t.Error("punch without an employee: got nil error, want one")
	}
	if _, err := attendance.NewPeriod(to, from); err == nil {
		t.Error("NewPeriod reversed: got nil error, want one")
	}
}

// TestWindow: the load range covers whole workweeks plus the maximum
// shift either side, in the site's zone, with the configured week start
// and workday start hour.
func TestWindow(t *testing.T) {
	r := rules(t, "flsa", la)
	// 16-31 Mar 2026: weeks start Sun 15 Mar and Sun 29 Mar (the last ends Sun 5 Apr).
	f, to, err := attendance.Window(date(la, "2026-03-16"), date(la, "2026-04-01"), r)
	if err != nil {
		t.Fatal(err)
	}
	if want := date(la, "2026-03-15").Add(-16 * time.Hour); !f.Equal(want) {
		t.Errorf("from: got %s, want %s", f.In(la), want)
	}
	if want := date(la, "2026-04-05").Add(16 * time.Hour); !to.Equal(want) {
		t.Errorf("to: got %s, want %s", to.In(la), want)
	}
	r.WeekStart, r.DayStartHour = time.Monday, 6
	f, _, err = attendance.Window(date(la, "2026-03-16"), date(la, "2026-04-01"), r)
	// Midnight Mon 16 Mar is in Sunday 15th's workday (it starts at 06:00), whose
	// week began Mon 9 Mar 06:00.
	if want := tm(la, "2026-03-09 06:00").Add(-16 * time.Hour); err != nil || !f.Equal(want) {
		t.Errorf("Monday weeks from 06:00: got %s %v, want %s", f.In(la), err, want)
	}
}

// TestWorkdayStartHour: with workdays starting at 06:00, a 02:00-05:00
// shift on Tuesday belongs to Monday's workday; under California Monday's
// 7 + 3 = 10 h are 8 regular + 2 overtime.
func TestWorkdayStartHour(t *testing.T) {
	r := rules(t, "california", la)
	r.DayStartHour = 6
	ps := punches("E1", la).shift("2026-03-02", "14:00", "21:00").shift("2026-03-03", "02:00", "05:00").ps
	s := build(t, ps, date(la, "2026-03-01"), date(la, "2026-03-08"), r)
	e := s.Employees[0]
	if len(e.Days) != 1 || !e.Days[0].Date.Equal(date(la, "2026-03-02")) || e.Days[0].Hours != hrs("8h", "2h", "0") {
		t.Errorf("got days %+v, want Mon 2 Mar 8h/2h/0s", e.Days)
	}
}

func TestRuleSets(t *testing.T) {
	ca, err := attendance.RuleSet("California")
	if err != nil {
		t.Fatal(err)
	}
	if ca.DailyOT != 8*time.Hour || ca.DoubleTime != 12*time.Hour || ca.WeeklyOT != 40*time.Hour || !ca.SeventhDay || ca.MaxShift != 16*time.Hour {
		t.Errorf("california: got %+v", ca)
	}
	fl, err := attendance.RuleSet("flsa")
	if err != nil {
		t.Fatal(err)
	}
	if fl.DailyOT != 0 || fl.DoubleTime != 0 || fl.WeeklyOT != 40*time.Hour || fl.SeventhDay || fl.Location != nil {
		t.Errorf("flsa: got %+v", fl)
	}
}
