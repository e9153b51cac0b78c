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

// week builds shifts on consecutive days from 2026-03-01 (a Sunday): one
// "from-to" per day, "" for a day off.
func week(b *pb, spans ...string) *pb {
	for i, s := range spans {
		if s == "" {
			continue
		}
		day := date(b.loc, "2026-03-01").AddDate(0, 0, i).Format(time.DateOnly)
		ft := strings.Split(s, "-")
		b.shift(day, ft[0], ft[1])
	}
	return b
}

// TestBuild: one employee, one period, hand-worked hours in each name.
func TestBuild(t *testing.T) {
	utc := time.UTC
	wk := func(spans ...string) []clockface.Punch { return week(punches("E1", utc), spans...).ps }
	from, to := date(utc, "2026-03-01"), date(utc, "2026-03-08")
	tests := []struct {
		name   string
		rules  string
		punch  []clockface.Punch
		want   attendance.Hours
		except []attendance.ExceptionKind
	}{
		// Mon-Fri 08:00-16:00 = 5 × 8 = 40 regular.
		{"40 h week", "flsa", wk("", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00"),
			hrs("40h", "0", "0"), nil},
		// Mon-Fri 08:00-17:00 = 5 × 9 = 45: 40 regular, Friday's last 5 h overtime.
		{"45 h week", "flsa", wk("", "08:00-17:00", "08:00-17:00", "08:00-17:00", "08:00-17:00", "08:00-17:00"),
			hrs("40h", "5h", "0"), nil},
		// FLSA has no daily overtime: 4 × 10 + 6 = 46 = 40 + 6.
		{"flsa: weekly only", "flsa", wk("", "08:00-18:00", "08:00-18:00", "08:00-18:00", "08:00-18:00", "08:00-14:00"),
			hrs("40h", "6h", "0"), nil},
		// California: 4 days of 8 + 2 daily overtime, then 6: 38 regular + 8 overtime.
		{"california: daily overtime", "california", wk("", "08:00-18:00", "08:00-18:00", "08:00-18:00", "08:00-18:00", "08:00-14:00"),
			hrs("38h", "8h", "0"), nil},
		// One 14 h day: 8 regular, 8-12 overtime (4), past 12 double (2).
		{"california: double time", "california", wk("", "07:00-21:00"), hrs("8h", "4h", "2h"), []attendance.ExceptionKind{attendance.LongShift}},
		// Mon-Sat 6 × 8 = 48: no daily overtime; the 41st to 48th regular hours (Saturday) are weekly overtime.
		{"california: daily then weekly, no pyramiding", "california", wk("", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00"),
			hrs("40h", "8h", "0"), nil},
		// Sun-Fri 6 × 6 = 36 regular; Saturday is the seventh consecutive day: its first 8 h overtime, the last 2 double.
		{"california: seventh day", "california", wk("08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-18:00"),
			hrs("36h", "8h", "2h"), nil},
		// Sun-Fri 6 × 8 = 48: 40 regular + 8 weekly overtime (Friday); Saturday 8 h on the seventh day: 8 overtime.
		{"california: seventh day after a 48 h week", "california", wk("08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00"),
			hrs("40h", "16h", "0"), nil},
		// Friday off, so Saturday is not a seventh consecutive day: 5 × 6 + 8 = 38 regular, 2 daily overtime.
		{"california: a day off breaks the seventh-day run", "california", wk("08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-14:00", "08:00-14:00", "", "08:00-18:00"),
			hrs("38h", "2h", "0"), nil},
		// An overnight shift belongs to the day it starts: 22:00-06:00 = 8 h, no daily overtime.
		{"overnight shift", "california", wk("", "22:00-06:00"), hrs("8h", "0", "0"), nil},
		// Two shifts in a day add up for daily overtime: 5 + 5.5 = 10.5 = 8 + 2.5.
		{"california: two shifts one day", "california", func() []clockface.Punch {
			return punches("E1", utc).shift("2026-03-02", "06:00", "11:00").shift("2026-03-02", "13:00", "18:30").ps
		}(), hrs("8h", "2h30m", "0"), nil},
		// A voided out-punch is ignored: 09:00-18:00 = 9 h.
		{"voided punch", "flsa", func() []clockface.Punch {
			b := punches("E1", utc).in("2026-03-02 09:00").out("2026-03-02 10:00")
			b.last().Voided = &clockface.Void{By: "E1", Reason: "mistake"}
			return b.out("2026-03-02 18:00").ps
		}(), hrs("9h", "0", "0"), nil},
		// A corrected out-punch counts at its corrected time: 09:00-18:15 = 9.25 h.
		{"corrected punch", "flsa", func() []clockface.Punch {
			b := punches("E1", utc).shift("2026-03-02", "09:00", "17:00")
			b.last().Corrected = &clockface.Correction{At: tm(utc, "2026-03-02 18:15"), By: "mgr", Reason: "stayed late"}
			return b.ps
		}(), hrs("9h15m", "0", "0"), nil},
		// A correction that moves a punch past the next one re-pairs by effective time:
		// in 09:00, out corrected from 12:00 to 08:30 → the out comes first (missing_in), the in stays open.
		{"correction reorders punches", "flsa", func() []clockface.Punch {
			b := punches("E1", utc).shift("2026-03-02", "09:00", "12:00")
			b.last().Corrected = &clockface.Correction{At: tm(utc, "2026-03-02 08:30"), By: "mgr", Reason: "typo"}
			return b.ps
		}(), hrs("0", "0", "0"), []attendance.ExceptionKind{attendance.MissingIn, attendance.MissingOut}},
		// A shift before the period is left out; the one inside counts: 2 h.
		{"shift before the period", "flsa", func() []clockface.Punch {
			return punches("E1", utc).shift("2026-02-28", "22:00", "06:00").shift("2026-03-02", "10:00", "12:00").ps
		}(), hrs("2h", "0", "0"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := build(t, tt.punch, from, to, rules(t, tt.rules, utc))
			var got attendance.Hours
			if len(s.Employees) == 1 {
				got = s.Employees[0].Hours
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", show(got), show(tt.want))
			}
			if fmt.Sprint(kinds(s.Exceptions)) != fmt.Sprint(tt.except) {
				t.Errorf("got exceptions %v, want %v", s.Exceptions, tt.except)
			}
		})
	}
}

// TestStraddlingWeek is issue 11's case: the workweek of Sunday 29 March
// 2026 straddles the semi-monthly periods 16-31 March and 1-15 April.
//
//	Mon 16 Mar 8 h (another week)             March: 8 regular
//	Mon 30 Mar 8, Tue 31 Mar 8                March: 16 regular (week so far 16)
//	Wed 1 Apr 10 (26), Thu 2 Apr 10 (36)      April: 20 regular
//	Fri 3 Apr 10: 4 to reach 40, 6 past it    April: 4 regular, 6 overtime
//	Sat 4 Apr 8                               April: 8 overtime
//
// March pays 24 regular; April 24 regular and 14 overtime. The week's 54 h
// are 40 + 14, paid once across the two files.
func TestStraddlingWeek(t *testing.T) {
	for _, name := range []string{"flsa", "california"} {
		t.Run(name, func(t *testing.T) {
			ps := punches("E1", la).shift("2026-03-16", "08:00", "16:00").
				shift("2026-03-30", "08:00", "16:00").shift("2026-03-31", "08:00", "16:00").
				shift("2026-04-01", "08:00", "18:00").shift("2026-04-02", "08:00", "18:00").shift("2026-04-03", "08:00", "18:00").
				shift("2026-04-04", "08:00", "16:00").ps
			r := rules(t, name, la)
			march := build(t, ps, date(la, "2026-03-16"), date(la, "2026-04-01"), r)
			april := build(t, ps, date(la, "2026-04-01"), date(la, "2026-04-16"), r)
			// California: Wed-Fri are 10 h days: 8 + 2 daily overtime each (6 h), which
			// never count toward the 40; regular so far 16 + 3 × 8 = 40, so Saturday's 8 are
			// weekly overtime. April: 24 regular + 14 overtime either way.
			want := map[string][2]attendance.Hours{
				"march": {hrs("24h", "0", "0"), hrs("16h", "0", "0")},
				"april": {hrs("24h", "14h", "0"), hrs("24h", "14h", "0")},
			}
			for label, s := range map[string]attendance.Sheet{"march": march, "april": april} {
				if len(s.Employees) != 1 {
					t.Fatalf("%s: got %d employees, want 1", label, len(s.Employees))
				}
				e := s.Employees[0]
				if e.Hours != want[label][0] {
					t.Errorf("%s: got %s, want %s", label, show(e.Hours), show(want[label][0]))
				}
				w := e.Weeks[len(e.Weeks)-1]
				if label == "april" {
					w = e.Weeks[0]
				}
				if w.Hours != want[label][1] || w.Whole != hrs("40h", "14h", "0") {
					t.Errorf("%s: straddling week got %s of %s, want %s of 40h/14h/0s", label, show(w.Hours), show(w.Whole), show(want[label][1]))
				}
				if len(s.Exceptions) != 0 {
					t.Errorf("%s: got exceptions %v, want none", label, s.Exceptions)
				}
			}
			if got := march.Employees[0].Overtime + april.Employees[0].Overtime; got != 14*time.Hour {
				t.Errorf("overtime across both periods: got %s, want 14h", got)
			}
		})
	}
}

// TestForgottenClockOut: Mon in 08:00 with no out, then Tue-Fri
// 08:00-16:00 → 4 × 8 = 32 regular and missing_out on Monday, under both
// rule sets (the old toggling paid 40 + 32 overtime).
func TestForgottenClockOut(t *testing.T) {
	for _, name := range []string{"flsa", "california"} {
		t.Run(name, func(t *testing.T) {
			b := punches("E1", la).in("2026-03-02 08:00")
			week(b, "", "", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00")
			s := build(t, b.ps, date(la, "2026-03-01"), date(la, "2026-03-08"), rules(t, name, la))
			if got, want := s.Employees[0].Hours, hrs("32h", "0", "0"); got != want {
				t.Errorf("got %s, want %s", show(got), show(want))
			}
			if len(s.Employees[0].Shifts) != 4 {
				t.Errorf("got %d shifts, want 4", len(s.Employees[0].Shifts))
			}
			if len(s.Exceptions) != 1 || s.Exceptions[0].Kind != attendance.MissingOut || s.Exceptions[0].PunchID != "E1-000" || !s.Exceptions[0].Blocking() {
				t.Fatalf("got exceptions %v, want one blocking missing_out on Monday's punch E1-000", s.Exceptions)
			}
			if d := s.Exceptions[0].Detail; !strings.Contains(d, "Mon 2 Mar 2026 08:00 PST") {
				t.Errorf("detail %q: want Monday's time in the site's zone", d)
			}
		})
	}
}

// TestDoublePunch: in 08:00, in again 08:02, out 16:00, then a normal Tue:
// 8 + 8 = 16 regular; the repeat is a warning and pairs nothing.
func TestDoublePunch(t *testing.T) {
	b := punches("E1", la).in("2026-03-02 08:00").in("2026-03-02 08:02").out("2026-03-02 16:00").shift("2026-03-03", "08:00", "16:00")
	s := build(t, b.ps, date(la, "2026-03-01"), date(la, "2026-03-08"), rules(t, "california", la))
	if got, want := s.Employees[0].Hours, hrs("16h", "0", "0"); got != want {
		t.Errorf("got %s, want %s", show(got), show(want))
	}
	if got := kinds(s.Exceptions); !slices.Equal(got, []attendance.ExceptionKind{attendance.DoublePunch}) || s.Exceptions[0].PunchID != "E1-001" {
		t.Errorf("got exceptions %v, want duplicate_punch on E1-001", s.Exceptions)
	}
	if len(s.Blocking()) != 0 {
		t.Errorf("got blocking %v, want none", s.Blocking())
	}
}

// TestAcrossKiosks: in at the front kiosk, out at the back, two days
// running, handed over kiosk by kiosk (all front punches first): paired by
// time, 8 + 8 = 16 regular, no exceptions.
func TestAcrossKiosks(t *testing.T) {
	b := punches("E1", la).in("2026-03-02 08:00").in("2026-03-03 08:00")
	b.at("back").out("2026-03-02 16:00").out("2026-03-03 16:00")
	ps := b.ps // front in, front in, back out, back out: the order they arrive in
	s := build(t, ps, date(la, "2026-03-01"), date(la, "2026-03-08"), rules(t, "flsa", la))
	e := s.Employees[0]
	if e.Hours != hrs("16h", "0", "0") || len(s.Exceptions) != 0 {
		t.Fatalf("got %s and exceptions %v, want 16h regular and none", show(e.Hours), s.Exceptions)
	}
	for _, sh := range e.Shifts {
		if sh.InKiosk != "front" || sh.OutKiosk != "back" || sh.Worked != 8*time.Hour {
			t.Errorf("got shift %+v, want 8 h front → back", sh)
		}
	}
}

// TestBreaks: rest breaks under 20 minutes are paid, meal breaks of 30
// minutes or more are not; in between is deducted with a warning.
func TestBreaks(t *testing.T) {
	day := func(extra func(b *pb)) []clockface.Punch {
		b := punches("E1", la).in("2026-03-02 08:00")
		extra(b)
		return b.out("2026-03-02 16:40").ps
	}
	tests := []struct {
		name     string
		punch    []clockface.Punch
		autoMeal time.Duration
		want     time.Duration
		except   []attendance.ExceptionKind
	}{
		// 8:40 span, the 10-minute rest break paid, the 30-minute meal not: 8 h 10 m (8.17).
		{"rest and meal", day(func(b *pb) { b.brk("2026-03-02", "10:00", "10:10").brk("2026-03-02", "12:00", "12:30") }), 0, h("8h10m"), nil},
		// Two 15-minute rest breaks, both paid: 8:40.
		{"two rest breaks", day(func(b *pb) { b.brk("2026-03-02", "10:00", "10:15").brk("2026-03-02", "14:00", "14:15") }), 0, h("8h40m"), nil},
		// A 19-minute break is still rest: 8:40.
		{"19 minutes is rest", day(func(b *pb) { b.brk("2026-03-02", "10:00", "10:19") }), 0, h("8h40m"), nil},
		// A 25-minute break is between the limits: deducted, 8:15, with a warning.
		{"25 minutes: unpaid, flagged", day(func(b *pb) { b.brk("2026-03-02", "12:00", "12:25") }), 0, h("8h15m"),
			[]attendance.ExceptionKind{attendance.ShortMeal}},
		// A 45-minute meal: 7:55.
		{"long meal", day(func(b *pb) { b.brk("2026-03-02", "12:00", "12:45") }), 0, h("7h55m"), nil},
		// No breaks and no automatic deduction: 8:40.
		{"no breaks, no auto meal", day(func(*pb) {}), 0, h("8h40m"), nil},
		// Automatic meal after 6 h: 8:40 − 0:30 = 8:10.
		{"auto meal", day(func(*pb) {}), 6 * time.Hour, h("8h10m"), nil},
		// A meal taken means no automatic one on top: 8:40 − 0:30 = 8:10.
		{"auto meal not doubled", day(func(b *pb) { b.brk("2026-03-02", "12:00", "12:30") }), 6 * time.Hour, h("8h10m"), nil},
		// A break never ended is not deducted (8:40) and blocks until someone fixes it.
		{"break never ended", day(func(b *pb) { b.add(clockface.BreakStart, "2026-03-02 12:00") }), 0, h("8h40m"),
			[]attendance.ExceptionKind{attendance.BadBreak}},
		// A break end without a start changes nothing: 8:40, flagged.
		{"break end without start", day(func(b *pb) { b.add(clockface.BreakEnd, "2026-03-02 12:00") }), 0, h("8h40m"),
			[]attendance.ExceptionKind{attendance.BadBreak}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rules(t, "flsa", la)
			r.AutoMealAfter = tt.autoMeal
			s := build(t, tt.punch, date(la, "2026-03-01"), date(la, "2026-03-08"), r)
			if got := s.Employees[0].Total(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if fmt.Sprint(kinds(s.Exceptions)) != fmt.Sprint(tt.except) {
				t.Errorf("got exceptions %v, want %v", s.Exceptions, tt.except)
			}
		})
	}
}

// TestLosAngelesWeek: a week in Los Angeles (PDT, UTC−7), computed with
// Location LA whatever the machine's zone. Sat 14 Mar 17:00-23:00 belongs
// to the previous workweek (in UTC it would be Sunday 15th). Mon 16 - Sat
// 21 Mar 17:00-01:00 are six 8 h overnight shifts, each on its LA start
// day: 48 h = 40 + 8 under FLSA.
func TestLosAngelesWeek(t *testing.T) {
	b := punches("E1", la).shift("2026-03-14", "17:00", "23:00")
	for d := 16; d <= 21; d++ {
		b.shift(fmt.Sprintf("2026-03-%02d", d), "17:00", "01:00")
	}
	s := build(t, b.ps, date(la, "2026-03-15"), date(la, "2026-03-22"), rules(t, "flsa", la))
	e := s.Employees[0]
	if e.Hours != hrs("40h", "8h", "0") {
		t.Errorf("got %s, want 40h/8h/0s", show(e.Hours))
	}
	if len(e.Days) != 6 {
		t.Fatalf("got %d days, want 6", len(e.Days))
	}
	for i, d := range e.Days {
		if want := date(la, "2026-03-16").AddDate(0, 0, i); !d.Date.Equal(want) || d.Date.Location() != la {
			t.Errorf("day %d: got %s, want %s in Los Angeles", i, d.Date, want)
		}
	}
	if len(e.Weeks) != 1 || !e.Weeks[0].Start.Equal(date(la, "2026-03-15")) {
		t.Errorf("got weeks %+v, want one starting Sun 15 Mar LA", e.Weeks)
	}
}

// TestDSTNights: an overnight 22:00-06:00 shift in Los Angeles is 7 h on
// the night the clocks go forward (8 Mar 2026) and 9 h when they go back
// (1 Nov 2026); under California the 9 h night has 1 h daily overtime.
func TestDSTNights(t *testing.T) {
	tests := []struct {
		name, day, rules string
		want             attendance.Hours
	}{
		{"spring forward", "2026-03-07", "flsa", hrs("7h", "0", "0")},
		{"fall back", "2026-10-31", "flsa", hrs("9h", "0", "0")},
		{"fall back, california", "2026-10-31", "california", hrs("8h", "1h", "0")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := punches("E1", la).in(tt.day + " 22:00")
			b.out(date(la, tt.day).AddDate(0, 0, 1).Format(time.DateOnly) + " 06:00")
			s := build(t, b.ps, date(la, tt.day), date(la, tt.day).AddDate(0, 0, 2), rules(t, tt.rules, la))
			if got := s.Employees[0].Hours; got != tt.want {
				t.Errorf("got %s, want %s", show(got), show(tt.want))
			}
		})
	}
}

// TestRounding: punches round in the site's zone; halves round up.
func TestRounding(t *testing.T) {
	tests := []struct {
		name, in, out string
		rounding      time.Duration
		want          time.Duration
	}{
		{"15: 08:07 → 08:00, 16:53 → 17:00", "08:07", "16:53", 15 * time.Minute, h("9h")},
		{"15: 08:08 → 08:15", "08:08", "17:00", 15 * time.Minute, h("8h45m")},
		{"6: 08:02 → 08:00, 16:57 → 17:00", "08:02", "16:57", 6 * time.Minute, h("9h")},
		{"5: 08:03 → 08:05, 16:57 → 16:55", "08:03", "16:57", 5 * time.Minute, h("8h50m")},
		{"none", "08:03", "16:57", 0, h("8h54m")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rules(t, "flsa", la)
			r.Rounding = tt.rounding
			b := punches("E1", la).shift("2026-03-02", tt.in, tt.out)
			s := build(t, b.ps, date(la, "2026-03-01"), date(la, "2026-03-08"), r)
			if got := s.Employees[0].Total(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
