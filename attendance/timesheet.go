// Package attendance turns punches into shifts, daily and weekly totals,
// overtime and exceptions for one pay period. It is pure computation: no
// I/O, no clock.
//
// Conventions, chosen for payroll and stated once here:
//   - Voided punches are ignored; a corrected punch counts at its
//     corrected time.
//   - Punches are paired in the order they were recorded (original time,
//     then id), and hours use the effective times. So a correction that
//     makes two shifts overlap is visible as an exception rather than
//     silently re-paired.
//   - Times are truncated to the minute, then rounded to the nearest
//     increment (5, 6 or 15 minutes; halves round up) in the local time
//     zone. All totals are whole minutes, so every export reconciles
//     exactly.
//   - A shift belongs to the local day (and week) it starts in, and to the
//     period if it starts in [From, To).
//   - Breaks (break_start → break_end) are unpaid and deducted.
//   - An unpaired in-punch (missing out) or out-punch (missing in) is an
//     exception and adds no hours; overlapping shifts and shifts longer
//     than 16 h are exceptions but their hours count, for a person to
//     review before payroll.
//   - Overtime: daily first (over DailyOT, then double time over
//     DoubleTime, if enabled), then weekly: regular hours beyond WeeklyOT
//     in a week become overtime. Hours already overtime never count toward
//     the weekly 40 (no pyramiding).
package attendance

import (
	"fmt"
	"sort"
	"time"

	"clockface"
)

// Rules configure a computation. Zero values take the defaults.
type Rules struct {
	Location   *time.Location // day boundaries; nil → UTC
	WeekStart  time.Weekday   // first day of the work week (zero: Sunday)
	WeeklyOT   time.Duration  // 0 → 40 h
	DailyOT    time.Duration  // 0 → no daily overtime (8 h is common)
	DoubleTime time.Duration  // 0 → no double time (12 h is common)
	Rounding   time.Duration  // 0 (none), 5, 6 or 15 minutes
	MaxShift   time.Duration  // longer shifts are flagged; 0 → 16 h
}

func (r *Rules) defaults() error {
	if r.Location == nil {
		r.Location = time.UTC
	}
	if r.WeeklyOT == 0 {
		r.WeeklyOT = 40 * time.Hour
	}
	if r.MaxShift == 0 {
		r.MaxShift = 16 * time.Hour
	}
	switch r.Rounding {
	case 0, 5 * time.Minute, 6 * time.Minute, 15 * time.Minute:
	default:
		return fmt.Errorf("rounding %s: want none, 5, 6 or 15 minutes", r.Rounding)
	}
	if r.DailyOT < 0 || r.DoubleTime < 0 || r.WeeklyOT < 0 {
		return fmt.Errorf("negative overtime threshold")
	}
	if r.DailyOT > 0 && r.DoubleTime > 0 && r.DoubleTime <= r.DailyOT {
		return fmt.Errorf("double time after %s must exceed daily overtime after %s", r.DoubleTime, r.DailyOT)
	}
	return nil
}

// ExceptionKind names a problem a person should review.
type ExceptionKind string

const (
	MissingOut  ExceptionKind = "missing_out"
	MissingIn   ExceptionKind = "missing_in"
	Overlap     ExceptionKind = "overlapping_shifts"
	LongShift   ExceptionKind = "shift_over_16h"
	BadBreak    ExceptionKind = "unpaired_break"
	OutBeforeIn ExceptionKind = "out_before_in"
)

// Exception is one flagged problem.
type Exception struct {
	Employee string
	Kind     ExceptionKind
	At       time.Time
	PunchID  string
	Detail   string
}

// Shift is an in-punch paired with its out-punch.
type Shift struct {
	In, Out           time.Time // effective, rounded
	InPunch, OutPunch string
	Breaks            time.Duration
	Worked            time.Duration // Out − In − Breaks
	Day               time.Time     // local midnight of In
}

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

// Day is one local day's hours.
type Day struct {
	Date time.Time // local midnight
	Hours
}

// Week is one work week's hours (only the days inside the period).
type Week struct {
	Start time.Time // local midnight of the week's first day
	Hours
}

// Employee is one person's timesheet.
type Employee struct {
	Number string
	Shifts []Shift
	Days   []Day
	Weeks  []Week
	Hours  // period totals
}

// Sheet is the period's timesheets, employees sorted by number.
type Sheet struct {
	From, To   time.Time
	Employees  []Employee
	Exceptions []Exception
}

// Build computes the timesheets for [from, to). Give it punches from a
// little before and after the period (a day either side) so shifts that
// cross its edges pair correctly.
func Build(punches []clockface.Punch, from, to time.Time, r Rules) (Sheet, error) {
	if err := r.defaults(); err != nil {
		return Sheet{}, err
	}
	if !to.After(from) {
		return Sheet{}, fmt.Errorf("period %s to %s is empty", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	by := map[string][]clockface.Punch{}
	for _, p := range punches {
		if p.Voided != nil {
			continue
		}
		by[p.EmployeeNumber] = append(by[p.EmployeeNumber], p)
	}
	numbers := make([]string, 0, len(by))
	for n := range by {
		numbers = append(numbers, n)
	}
	sort.Strings(numbers)
	s := Sheet{From: from, To: to}
	inPeriod := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, n := range numbers {
		shifts, excs := pair(n, by[n], r)
		var kept []Shift
		for _, sh := range shifts {
			if inPeriod(sh.In) {
				kept = append(kept, sh)
			}
		}
		for _, e := range excs {
			if inPeriod(e.At) {
				s.Exceptions = append(s.Exceptions, e)
			}
		}
		if len(kept) == 0 {
			continue
		}
		emp := Employee{Number: n, Shifts: kept}
		emp.Days, emp.Weeks = categorise(kept, r)
		for _, d := range emp.Days {
			emp.Hours.add(d.Hours)
		}
		s.Employees = append(s.Employees, emp)
	}
	return s, nil
}

// effective is a punch's time, truncated to the minute and rounded.
func effective(p clockface.Punch, r Rules) time.Time {
	t := p.Time().Truncate(time.Minute)
	if r.Rounding == 0 {
		return t
	}
	_, off := t.In(r.Location).Zone()
	shift := time.Duration(off) * time.Second
	return t.Add(shift).Round(r.Rounding).Add(-shift)
}

func pair(number string, ps []clockface.Punch, r Rules) ([]Shift, []Exception) {
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].At.Equal(ps[j].At) {
			return ps[i].At.Before(ps[j].At)
		}
		return ps[i].ID < ps[j].ID
	})
	var (
		shifts     []Shift
		excs       []Exception
		open       *Shift
		breakStart *time.Time
	)
	flag := func(kind ExceptionKind, p clockface.Punch, detail string) {
		excs = append(excs, Exception{Employee: number, Kind: kind, At: p.Time(), PunchID: p.ID, Detail: detail})
	}
	var openPunch clockface.Punch
	for _, p := range ps {
		t := effective(p, r)
		switch p.Kind {
		case clockface.PunchIn:
			if open != nil {
				flag(MissingOut, openPunch, "in-punch without an out-punch before the next in-punch")
			}
			open, openPunch, breakStart = &Shift{In: t, InPunch: p.ID}, p, nil
		case clockface.BreakStart:
			if open == nil || breakStart != nil {
				flag(BadBreak, p, "break start outside a shift or during a break")
				continue
			}
			breakStart = &t
		case clockface.BreakEnd:
			if open == nil || breakStart == nil {
				flag(BadBreak, p, "break end without a break start")
				continue
			}
			if t.After(*breakStart) {
				open.Breaks += t.Sub(*breakStart)
			}
			breakStart = nil
		case clockface.PunchOut:
			if open == nil {
				flag(MissingIn, p, "out-punch without an in-punch")
				continue
			}
			if breakStart != nil {
				flag(BadBreak, p, "break not ended before the out-punch; ended at the out-punch")
				if t.After(*breakStart) {
					open.Breaks += t.Sub(*breakStart)
				}
			}
			sh := *open
			sh.Out, sh.OutPunch = t, p.ID
			open, breakStart = nil, nil
			span := sh.Out.Sub(sh.In)
			if span < 0 {
				flag(OutBeforeIn, p, "out-punch earlier than its in-punch; no hours counted")
				continue
			}
			sh.Worked = max(span-sh.Breaks, 0)
			li := sh.In.In(r.Location)
			sh.Day = time.Date(li.Year(), li.Month(), li.Day(), 0, 0, 0, 0, r.Location)
			if span > r.MaxShift {
				excs = append(excs, Exception{Employee: number, Kind: LongShift, At: sh.In, PunchID: sh.InPunch,
					Detail: fmt.Sprintf("shift of %s", span)})
			}
			shifts = append(shifts, sh)
		}
	}
	if open != nil {
		flag(MissingOut, openPunch, "in-punch without an out-punch")
	}
	byIn := append([]Shift(nil), shifts...)
	sort.SliceStable(byIn, func(i, j int) bool { return byIn[i].In.Before(byIn[j].In) })
	for i := 1; i < len(byIn); i++ {
		if byIn[i].In.Before(byIn[i-1].Out) {
			excs = append(excs, Exception{Employee: number, Kind: Overlap, At: byIn[i].In, PunchID: byIn[i].InPunch,
				Detail: fmt.Sprintf("starts %s before the previous shift ends", byIn[i-1].Out.Sub(byIn[i].In))})
		}
	}
	return shifts, excs
}

// categorise totals shifts per day, applies daily then weekly overtime and
// returns days and weeks in order.
func categorise(shifts []Shift, r Rules) ([]Day, []Week) {
	worked := map[time.Time]time.Duration{}
	for _, sh := range shifts {
		worked[sh.Day] += sh.Worked
	}
	dates := make([]time.Time, 0, len(worked))
	for d := range worked {
		dates = append(dates, d)
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	var days []Day
	var weeks []Week
	for _, d := range dates {
		w := worked[d]
		h := Hours{Regular: w}
		if r.DoubleTime > 0 && w > r.DoubleTime {
			h.Double = w - r.DoubleTime
			h.Regular = r.DoubleTime
		}
		if r.DailyOT > 0 && h.Regular > r.DailyOT {
			h.Overtime = h.Regular - r.DailyOT
			h.Regular = r.DailyOT
		}
		ws := weekStart(d, r)
		if len(weeks) == 0 || !weeks[len(weeks)-1].Start.Equal(ws) {
			weeks = append(weeks, Week{Start: ws})
		}
		wk := &weeks[len(weeks)-1]
		if room := r.WeeklyOT - wk.Regular; h.Regular > room {
			excess := h.Regular - max(room, 0)
			h.Regular -= excess
			h.Overtime += excess
		}
		wk.add(h)
		days = append(days, Day{Date: d, Hours: h})
	}
	return days, weeks
}

func weekStart(day time.Time, r Rules) time.Time {
	back := (int(day.Weekday()) - int(r.WeekStart) + 7) % 7
	return day.AddDate(0, 0, -back)
}
