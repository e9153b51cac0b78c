package attendance_test

import (
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

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
