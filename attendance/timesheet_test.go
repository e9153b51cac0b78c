package attendance_test

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the zone test never depends on the machine's zoneinfo

	"clockface"
	"clockface/attendance"
)

// Monday 2 March 2026.
var mon = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// at is day d (0 = Monday) at "15:04".
func at(d int, hhmm string) time.Time {
	t, err := time.Parse("15:04:05", hhmm+":00")
	if len(hhmm) == 8 {
		t, err = time.Parse("15:04:05", hhmm)
	}
	if err != nil {
		panic(err)
	}
	return mon.AddDate(0, 0, d).Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
}

type pb struct {
	emp   string
	punch []clockface.Punch
}

func newPB(emp string) *pb { return &pb{emp: emp} }

func (b *pb) add(k clockface.PunchKind, t time.Time) *pb {
	b.punch = append(b.punch, clockface.Punch{ID: fmt.Sprintf("%s-%03d", b.emp, len(b.punch)), EmployeeNumber: b.emp,
		Kind: k, Method: clockface.MethodPIN, At: t})
	return b
}
func (b *pb) in(t time.Time) *pb  { return b.add(clockface.PunchIn, t) }
func (b *pb) out(t time.Time) *pb { return b.add(clockface.PunchOut, t) }
func (b *pb) shift(d int, from, to string) *pb {
	return b.in(at(d, from)).out(at(d, to))
}
func (b *pb) brk(d int, from, to string) *pb {
	return b.add(clockface.BreakStart, at(d, from)).add(clockface.BreakEnd, at(d, to))
}
func (b *pb) last() *clockface.Punch { return &b.punch[len(b.punch)-1] }

func h(hm string) time.Duration {
	d, err := time.ParseDuration(hm)
	if err != nil {
		panic(err)
	}
	return d
}

func TestBuild(t *testing.T) {
	daily := attendance.Rules{DailyOT: 8 * time.Hour, DoubleTime: 12 * time.Hour}
	tests := []struct {
		name   string
		punch  []clockface.Punch
		rules  attendance.Rules
		want   attendance.Hours
		except []attendance.ExceptionKind
	}{
		{"one day with a lunch break", newPB("E1").in(at(0, "09:00")).brk(0, "12:00", "12:30").out(at(0, "17:30")).punch,
			attendance.Rules{}, attendance.Hours{Regular: h("8h")}, nil},
		{"weekly overtime: 5 × 9 h = 40 + 5",
			newPB("E1").shift(0, "08:00", "17:00").shift(1, "08:00", "17:00").shift(2, "08:00", "17:00").shift(3, "08:00", "17:00").shift(4, "08:00", "17:00").punch,
			attendance.Rules{}, attendance.Hours{Regular: h("40h"), Overtime: h("5h")}, nil},
		{"weekly only: 4 × 10 h + 6 h = 40 + 6",
			newPB("E1").shift(0, "08:00", "18:00").shift(1, "08:00", "18:00").shift(2, "08:00", "18:00").shift(3, "08:00", "18:00").shift(4, "08:00", "14:00").punch,
			attendance.Rules{}, attendance.Hours{Regular: h("40h"), Overtime: h("6h")}, nil},
		{"daily 8 h: 4 × (8 + 2) + 6 = 38 + 8",
			newPB("E1").shift(0, "08:00", "18:00").shift(1, "08:00", "18:00").shift(2, "08:00", "18:00").shift(3, "08:00", "18:00").shift(4, "08:00", "14:00").punch,
			daily, attendance.Hours{Regular: h("38h"), Overtime: h("8h")}, nil},
		{"daily then weekly: 6 × 8 h = 40 + 8 (no pyramiding)",
			newPB("E1").shift(0, "08:00", "16:00").shift(1, "08:00", "16:00").shift(2, "08:00", "16:00").shift(3, "08:00", "16:00").shift(4, "08:00", "16:00").shift(5, "08:00", "16:00").punch,
			daily, attendance.Hours{Regular: h("40h"), Overtime: h("8h")}, nil},
		{"double time: 14 h day = 8 + 4 + 2", newPB("E1").shift(0, "07:00", "21:00").punch,
			daily, attendance.Hours{Regular: h("8h"), Overtime: h("4h"), Double: h("2h")}, nil},
		{"two shifts one day add up for daily overtime", newPB("E1").shift(0, "06:00", "11:00").shift(0, "13:00", "18:30").punch,
			daily, attendance.Hours{Regular: h("8h"), Overtime: h("2h30m")}, nil},
		{"rounding 15: 08:07 → 08:00, 16:53 → 17:00", newPB("E1").in(at(0, "08:07:59")).out(at(0, "16:53")).punch,
			attendance.Rules{Rounding: 15 * time.Minute}, attendance.Hours{Regular: h("9h")}, nil},
		{"rounding 15: 08:08 → 08:15 (7.5 min rounds up)", newPB("E1").in(at(0, "08:08")).out(at(0, "17:00")).punch,
			attendance.Rules{Rounding: 15 * time.Minute}, attendance.Hours{Regular: h("8h45m")}, nil},
		{"rounding 6: 08:02 → 08:00, 16:57 → 17:00", newPB("E1").in(at(0, "08:02")).out(at(0, "16:57")).punch,
			attendance.Rules{Rounding: 6 * time.Minute}, attendance.Hours{Regular: h("9h")}, nil},
		{"rounding 5: 08:03 → 08:05, 16:57 → 16:55", newPB("E1").in(at(0, "08:03")).out(at(0, "16:57")).punch,
			attendance.Rules{Rounding: 5 * time.Minute}, attendance.Hours{Regular: h("8h50m")}, nil},
		{"no rounding: seconds dropped", newPB("E1").in(at(0, "08:03:40")).out(at(0, "16:57:10")).punch,
			attendance.Rules{}, attendance.Hours{Regular: h("8h54m")}, nil},
		{"voided out-punch ignored", func() []clockface.Punch {
			b := newPB("E1").in(at(0, "09:00")).out(at(0, "10:00"))
			b.last().Voided = &clockface.Void{By: "E1", Reason: "mistake"}
			return b.out(at(0, "18:00")).punch
		}(), attendance.Rules{}, attendance.Hours{Regular: h("9h")}, nil},
		{"corrected time used", func() []clockface.Punch {
			b := newPB("E1").in(at(0, "09:00")).out(at(0, "17:00"))
			b.last().Corrected = &clockface.Correction{At: at(0, "18:15"), By: "mgr", Reason: "stayed late"}
			return b.punch
		}(), attendance.Rules{}, attendance.Hours{Regular: h("9h15m")}, nil},
		{"missing out-punch: flagged, no hours", newPB("E1").in(at(0, "09:00")).shift(1, "09:00", "17:00").punch,
			attendance.Rules{}, attendance.Hours{Regular: h("8h")}, []attendance.ExceptionKind{attendance.MissingOut}},
		{"missing in-punch: flagged, no hours", newPB("E1").out(at(0, "17:00")).shift(1, "09:00", "17:00").punch,
			attendance.Rules{}, attendance.Hours{Regular: h("8h")}, []attendance.ExceptionKind{attendance.MissingIn}},
		{"overlapping shifts after a correction: flagged, counted", func() []clockface.Punch {
			b := newPB("E1").in(at(0, "09:00")).out(at(0, "17:00"))
			b.last().Corrected = &clockface.Correction{At: at(0, "19:00"), By: "mgr", Reason: "typo"}
			return b.shift(0, "18:00", "22:00").punch
		}(), attendance.Rules{}, attendance.Hours{Regular: h("14h")}, []attendance.ExceptionKind{attendance.Overlap}},
		{"shift over 16 h: flagged, counted", newPB("E1").in(at(0, "06:00")).out(at(1, "00:30")).punch,
			attendance.Rules{}, attendance.Hours{Regular: h("18h30m")}, []attendance.ExceptionKind{attendance.LongShift}},
		{"overnight shift belongs to its start day", newPB("E1").in(at(0, "22:00")).out(at(1, "06:00")).punch,
			daily, attendance.Hours{Regular: h("8h")}, nil},
		{"shift starting before the period is left out", newPB("E1").in(at(-1, "22:00")).out(at(0, "06:00")).shift(0, "10:00", "12:00").punch,
			attendance.Rules{}, attendance.Hours{Regular: h("2h")}, nil},
		{"two weeks, each 42 h, week starting Monday", func() []clockface.Punch {
			b := newPB("E1")
			for d := range 12 {
				if d == 5 || d == 6 {
					continue
				}
				b.shift(d, "08:00", "16:24") // 8h24m × 5 = 42 h
			}
			return b.punch
		}(), attendance.Rules{WeekStart: time.Monday}, attendance.Hours{Regular: h("80h"), Overtime: h("4h")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := attendance.Build(tt.punch, mon, mon.AddDate(0, 0, 14), tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			var got attendance.Hours
			if len(s.Employees) == 1 {
				got = s.Employees[0].Hours
			}
			if got != tt.want {
				t.Errorf("got reg %s ot %s dt %s, want reg %s ot %s dt %s", got.Regular, got.Overtime, got.Double,
					tt.want.Regular, tt.want.Overtime, tt.want.Double)
			}
			var kinds []attendance.ExceptionKind
			for _, e := range s.Exceptions {
				kinds = append(kinds, e.Kind)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tt.except) {
				t.Errorf("got exceptions %v, want %v", kinds, tt.except)
			}
		})
	}
}

func TestDaysAndWeeks(t *testing.T) {
	p := newPB("E1").shift(0, "08:00", "18:00").shift(1, "08:00", "12:00").punch
	p = append(p, newPB("E2").shift(2, "09:00", "10:30").punch...)
	s, err := attendance.Build(p, mon, mon.AddDate(0, 0, 7), attendance.Rules{DailyOT: 8 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Employees) != 2 || s.Employees[0].Number != "E1" || s.Employees[1].Number != "E2" {
		t.Fatalf("got %d employees, want E1 and E2 in order", len(s.Employees))
	}
	e1 := s.Employees[0]
	want := []attendance.Day{
		{Date: mon, Hours: attendance.Hours{Regular: h("8h"), Overtime: h("2h")}},
		{Date: mon.AddDate(0, 0, 1), Hours: attendance.Hours{Regular: h("4h")}},
	}
	if len(e1.Days) != 2 || e1.Days[0] != want[0] || e1.Days[1] != want[1] {
		t.Errorf("got days %+v, want %+v", e1.Days, want)
	}
	if len(e1.Weeks) != 1 || !e1.Weeks[0].Start.Equal(mon.AddDate(0, 0, -1)) || e1.Weeks[0].Total() != h("14h") {
		t.Errorf("got weeks %+v, want one Sunday-started week of 14 h", e1.Weeks)
	}
	if got, want := s.Employees[1].Hours.Regular, h("1h30m"); got != want {
		t.Errorf("E2: got %s, want %s", got, want)
	}
}

func TestLocalDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 20:00–23:00 New York on Monday is 01:00–04:00 UTC on Tuesday.
	p := newPB("E1").in(time.Date(2026, 3, 2, 20, 0, 0, 0, ny)).out(time.Date(2026, 3, 2, 23, 0, 0, 0, ny)).punch
	s, err := attendance.Build(p, time.Date(2026, 3, 2, 0, 0, 0, 0, ny), time.Date(2026, 3, 3, 0, 0, 0, 0, ny), attendance.Rules{Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Employees) != 1 || s.Employees[0].Days[0].Date.Day() != 2 {
		t.Fatalf("got %+v, want the shift on Monday 2 March local", s.Employees)
	}
}

func TestRulesRejected(t *testing.T) {
	for _, r := range []attendance.Rules{
		{Rounding: 7 * time.Minute},
		{DailyOT: 8 * time.Hour, DoubleTime: 8 * time.Hour},
		{DailyOT: -time.Hour},
	} {
		if _, err := attendance.Build(nil, mon, mon.AddDate(0, 0, 1), r); err == nil {
			t.Errorf("rules %+v: got nil error, want one", r)
		}
	}
	if _, err := attendance.Build(nil, mon, mon, attendance.Rules{}); err == nil {
		t.Error("empty period: got nil error, want one")
	}
}
