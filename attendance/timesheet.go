package attendance

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"clockface"
)

// Hours splits worked time by pay category.
type Hours struct {
	Regular, Overtime, Double time.Duration
}

// Total is all hours.
func (h Hours) Total() time.Duration { return h.Regular + h.Overtime + h.Double }

func (h *Hours) add(o Hours) {
	h.Regular += o.Regular
	h.Overtime += o.Overtime
	h.Double += o.Double
}

func (h Hours) sub(o Hours) Hours {
	return Hours{Regular: h.Regular - o.Regular, Overtime: h.Overtime - o.Overtime, Double: h.Double - o.Double}
}

// Day is one workday's hours inside the period.
type Day struct {
	Date time.Time // local midnight of the workday's date
	Hours
}

// Week is one workweek that touches the period.
type Week struct {
	Start time.Time // local midnight of the workweek's first day
	Hours           // the part that falls inside the period
	// Whole is the entire workweek, computed once in full, including the
	// days in the neighbouring period(s).
	Whole Hours
}

// Employee is one person's timesheet for the period.
type Employee struct {
	Number string
	Shifts []Shift // shifts starting in the period, in time order
	Days   []Day
	Weeks  []Week
	Hours  // period totals
}

// Sheet is the period's timesheets, employees sorted by number.
type Sheet struct {
	From, To time.Time // [From, To)
	// Rules are the rules it was computed with, defaults filled in.
	Rules      Rules
	Employees  []Employee
	Exceptions []Exception // by employee, then time
}

// Blocking lists the exceptions that stop an export.
func (s Sheet) Blocking() []Exception {
	var out []Exception
	for _, e := range s.Exceptions {
		if e.Blocking() {
			out = append(out, e)
		}
	}
	return out
}

// Employee returns the timesheet of number, if it is in the sheet.
func (s Sheet) Employee(number string) (Employee, bool) {
	i, ok := slices.BinarySearchFunc(s.Employees, number, func(e Employee, n string) int { return cmp.Compare(e.Number, n) })
	if !ok {
		return Employee{}, false
	}
	return s.Employees[i], true
}

// Build computes the timesheets for the period [from, to). Give it every
// punch Window(from, to, r) names: whole workweeks, so that overtime is
// computed over each workweek in full whatever the pay period. Voided
// punches are ignored. Each employee's punches are paired in effective time
// order across every kiosk.
//
// Every employee with a punch or a shift in the period is in the sheet,
// with zero hours if nothing pairs. The exceptions are those from the start
// of the first workweek touching the period to its end: the earlier days
// of that week decide this period's overtime.
func Build(punches []clockface.Punch, from, to time.Time, r Rules) (Sheet, error) {
	if err := r.check(); err != nil {
		return Sheet{}, err
	}
	if r.Now.IsZero() {
		return Sheet{}, fmt.Errorf("rules: Now is required (the caller's clock reading, to flag punches in the future)")
	}
	if err := checkPeriod(from, to, r.Location); err != nil {
		return Sheet{}, err
	}
	from, to = from.In(r.Location), to.In(r.Location)
	firstWeek := r.weekOf(r.workday(from))
	lastWeek := r.weekOf(r.workday(to.Add(-time.Nanosecond)))
	excFrom := r.dayStart(firstWeek)

	numbers, groups, err := group(punches)
	if err != nil {
		return Sheet{}, err
	}

	s := Sheet{From: from, To: to, Rules: r}
	inPeriod := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	s.Employees = make([]Employee, 0, len(numbers))
	for g, n := range numbers {
		ps := groups[g]
		sortPunches(ps)
		m := newMachine(n, &r)
		ins := 0
		for _, p := range ps {
			if p.Kind == clockface.PunchIn {
				ins++
			}
		}
		m.shifts = make([]Shift, 0, ins)
		present := false
		for _, p := range ps {
			m.step(p)
			present = present || inPeriod(p.Time())
		}
		m.finish()
		m.overlaps()
		for _, e := range m.excs {
			if !e.At.Before(excFrom) && e.At.Before(to) {
				s.Exceptions = append(s.Exceptions, e)
			}
		}
		emp := Employee{Number: n}
		weeks := categorise(m.shifts, firstWeek, lastWeek, &r)
		// Shifts are in time order, so the period's are one run of them.
		lo := slices.IndexFunc(m.shifts, func(sh Shift) bool { return !sh.In.Before(from) })
		if lo < 0 {
			lo = len(m.shifts)
		}
		hi := lo
		for hi < len(m.shifts) && m.shifts[hi].In.Before(to) {
			hi++
		}
		if hi > lo {
			emp.Shifts = m.shifts[lo:hi:hi]
		}
		for i := range emp.Shifts {
			sh := &emp.Shifts[i]
			if k := len(emp.Days); k == 0 || !emp.Days[k-1].Date.Equal(sh.Day) {
				emp.Days = append(emp.Days, Day{Date: sh.Day})
			}
			emp.Days[len(emp.Days)-1].add(sh.Hours)
			ws := sh.Week
			if k := len(emp.Weeks); k == 0 || !emp.Weeks[k-1].Start.Equal(ws) {
				emp.Weeks = append(emp.Weeks, Week{Start: ws, Whole: weekTotal(weeks, ws)})
			}
			emp.Weeks[len(emp.Weeks)-1].add(sh.Hours)
			emp.Hours.add(sh.Hours)
		}
		if present || len(emp.Shifts) > 0 {
			s.Employees = append(s.Employees, emp)
		}
	}
	slices.SortStableFunc(s.Exceptions, func(a, b Exception) int {
		if c := cmp.Compare(a.Employee, b.Employee); c != 0 {
			return c
		}
		return a.At.Compare(b.At)
	})
	return s, nil
}

// group splits the punches that count (not voided) by employee, without
// copying them: the employee numbers sorted, and each one's punches.
func group(punches []clockface.Punch) ([]string, [][]*clockface.Punch, error) {
	index := map[string]int32{}
	var numbers []string
	var count []int
	which := make([]int32, len(punches))
	for i := range punches {
		p := &punches[i]
		if p.Voided != nil {
			which[i] = -1
			continue
		}
		if p.EmployeeNumber == "" {
			return nil, nil, fmt.Errorf("punch %s has no employee number", p.ID)
		}
		k, ok := index[p.EmployeeNumber]
		if !ok {
			k = int32(len(numbers))
			index[p.EmployeeNumber] = k
			numbers, count = append(numbers, p.EmployeeNumber), append(count, 0)
		}
		which[i] = k
		count[k]++
	}
	order := make([]int32, len(numbers))
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(numbers[a], numbers[b]) })
	sorted := make([]string, len(numbers))
	groups := make([][]*clockface.Punch, len(numbers))
	rank := make([]int32, len(numbers))
	all := make([]*clockface.Punch, 0, len(punches))
	for r, k := range order {
		sorted[r], rank[k] = numbers[k], int32(r)
		groups[r] = all[len(all) : len(all) : len(all)+count[k]]
		all = all[:len(all)+count[k]]
	}
	for i := range punches {
		if k := which[i]; k >= 0 {
			r := rank[k]
			groups[r] = append(groups[r], &punches[i])
		}
	}
	return sorted, groups, nil
}

// weekHours is one workweek's whole total.
type weekHours struct {
	start time.Time
	Hours
}

func weekTotal(weeks []weekHours, start time.Time) Hours {
	for _, w := range weeks {
		if w.start.Equal(start) {
			return w.Hours
		}
	}
	return Hours{}
}

// categorise sets each shift's Hours, workweek by workweek in time order,
// for the workweeks from first to last (dates of their first days), and
// returns each workweek's whole total. Shifts outside them are left zero.
//
// Within a workday, the first DailyOT of worked time is regular, up to
// DoubleTime overtime, beyond it double time; on the seventh consecutive
// workday (SeventhDay) up to DailyOT is overtime and beyond it double time.
// Then regular time past WeeklyOT in the workweek, in time order, becomes
// overtime. Each minute lands in one category only (no pyramiding).
func categorise(shifts []Shift, first, last time.Time, r *Rules) []weekHours {
	var weeks []weekHours
	var (
		week    time.Time
		day     [7]time.Duration
		weekReg time.Duration
	)
	for i := range shifts {
		sh := &shifts[i]
		ws := sh.Week
		if ws.Before(first) || ws.After(last) {
			continue
		}
		if !ws.Equal(week) {
			week, day, weekReg = ws, [7]time.Duration{}, 0
			weeks = append(weeks, weekHours{start: ws})
		}
		idx := int(math.Round(sh.Day.Sub(ws).Hours() / 24))
		before, w := day[idx], sh.Worked
		seventh := r.SeventhDay && idx == 6
		for j := 0; seventh && j < 6; j++ {
			seventh = day[j] > 0
		}
		var h Hours
		if seventh {
			h.Overtime = band(before, w, 0, r.DailyOT)
			h.Double = band(before, w, r.DailyOT, math.MaxInt64)
		} else {
			regEnd, dtStart := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			if r.DailyOT > 0 {
				regEnd = r.DailyOT
			}
			if r.DoubleTime > 0 {
				dtStart = r.DoubleTime
			}
			h.Regular = band(before, w, 0, min(regEnd, dtStart))
			h.Overtime = band(before, w, regEnd, dtStart)
			h.Double = band(before, w, dtStart, math.MaxInt64)
		}
		if room := max(r.WeeklyOT-weekReg, 0); h.Regular > room {
			h.Overtime += h.Regular - room
			h.Regular = room
		}
		weekReg += h.Regular
		day[idx] += w
		sh.Hours = h
		weeks[len(weeks)-1].add(h)
	}
	return weeks
}

// band is how much of [start, start+w) lies within [lo, hi).
func band(start, w, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return 0
	}
	a, b := max(start, lo), min(start+w, hi)
	return max(b-a, 0)
}
