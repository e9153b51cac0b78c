package attendance_test

import (
	"fmt"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

var la = mustZone("America/Los_Angeles")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // attendance embeds tzdata, so this never depends on the machine
	}
	return loc
}

// tm parses "2006-01-02 15:04" in loc.
func tm(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// date is local midnight of "2006-01-02" in loc.
func date(loc *time.Location, s string) time.Time { return tm(loc, s+" 00:00") }

// pb builds one employee's punches.
type pb struct {
	emp, kiosk string
	loc        *time.Location
	ps         []clockface.Punch
}

func punches(emp string, loc *time.Location) *pb { return &pb{emp: emp, loc: loc, kiosk: "front"} }

func (b *pb) at(kiosk string) *pb { b.kiosk = kiosk; return b }

func (b *pb) add(k clockface.PunchKind, when string) *pb {
	b.ps = append(b.ps, clockface.Punch{ID: fmt.Sprintf("%s-%03d", b.emp, len(b.ps)), EmployeeNumber: b.emp,
		Kind: k, Method: clockface.MethodPIN, At: tm(b.loc, when).UTC(), KioskID: b.kiosk})
	return b
}
func (b *pb) in(when string) *pb  { return b.add(clockface.PunchIn, when) }
func (b *pb) out(when string) *pb { return b.add(clockface.PunchOut, when) }

// shift is an in and an out on day at "15:04" times; to before from means
// the next day.
func (b *pb) shift(day, from, to string) *pb {
	b.in(day + " " + from)
	end := tm(b.loc, day+" "+to)
	if !end.After(tm(b.loc, day+" "+from)) {
		end = end.AddDate(0, 0, 1)
	}
	return b.out(end.In(b.loc).Format("2006-01-02 15:04"))
}
func (b *pb) brk(day, from, to string) *pb {
	return b.add(clockface.BreakStart, day+" "+from).add(clockface.BreakEnd, day+" "+to)
}
func (b *pb) last() *clockface.Punch { return &b.ps[len(b.ps)-1] }

func h(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func hrs(reg, ot, dt string) attendance.Hours {
	return attendance.Hours{Regular: h(reg), Overtime: h(ot), Double: h(dt)}
}

func show(x attendance.Hours) string {
	return fmt.Sprintf("%s/%s/%s", x.Regular, x.Overtime, x.Double)
}

// rules is a named rule set in loc, with Now long after every test punch.
func rules(t *testing.T, name string, loc *time.Location) attendance.Rules {
	t.Helper()
	r, err := attendance.RuleSet(name)
	if err != nil {
		t.Fatal(err)
	}
	r.Location = loc
	r.Now = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return r
}

// build loads exactly what Window names, as a caller would, then builds.
func build(t *testing.T, ps []clockface.Punch, from, to time.Time, r attendance.Rules) attendance.Sheet {
	t.Helper()
	lf, lt, err := attendance.Window(from, to, r)
	if err != nil {
		t.Fatal(err)
	}
	var load []clockface.Punch
	for _, p := range ps {
		if !p.Time().Before(lf) && p.Time().Before(lt) {
			load = append(load, p)
		}
	}
	s, err := attendance.Build(load, from, to, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kinds(es []attendance.Exception) []attendance.ExceptionKind {
	var out []attendance.ExceptionKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}
