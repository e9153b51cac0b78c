package payrun

import (
	"time"

	"clockface/attendance"
)

// Record is a recorded payroll export: who wrote which file for which
// period and format, when, its SHA-256, and each employee's hours as
// exported (for the diff a re-export prints). The file's bytes are kept
// beside it, so the same file can be downloaded again.
type Record struct {
	ID string
	attendance.ExportRecord
	FileName string  // base name the file was written under
	Totals   []Total // per employee, as paid in the file
}

// Total is one employee's exported hours, with each workday.
type Total struct {
	Number     string           `json:"number"`
	Hours      attendance.Hours `json:"hours"`
	Days       []attendance.Day `json:"days,omitempty"`
	Exceptions int              `json:"exceptions,omitempty"`
}

// Totals are a sheet's per-employee totals, for an export record.
func Totals(sh attendance.Sheet) []Total {
	excs := map[string]int{}
	for _, e := range sh.Exceptions {
		excs[e.Employee]++
	}
	out := make([]Total, 0, len(sh.Employees))
	for _, e := range sh.Employees {
		out = append(out, Total{Number: e.Number, Hours: e.Hours, Days: e.Days, Exceptions: excs[e.Number]})
		delete(excs, e.Number)
	}
	// Exceptions of people with no hours in the sheet, in the sheet's
	// order.
	for _, e := range sh.Exceptions {
		if c, ok := excs[e.Employee]; ok {
			out = append(out, Total{Number: e.Employee, Exceptions: c})
			delete(excs, e.Employee)
		}
	}
	return out
}

// Sheet rebuilds the recorded totals as a sheet in the site's zone loc,
// for attendance.Diff against a new one: employees, hours, days and
// exception counts only.
func (r Record) Sheet(loc *time.Location) attendance.Sheet {
	sh := attendance.Sheet{From: r.Period.From.In(loc), To: r.Period.To.In(loc)}
	for _, t := range r.Totals {
		if t.Hours != (attendance.Hours{}) || len(t.Days) > 0 {
			days := make([]attendance.Day, len(t.Days))
			for i, d := range t.Days {
				days[i] = attendance.Day{Date: d.Date.In(loc), Hours: d.Hours}
			}
			sh.Employees = append(sh.Employees, attendance.Employee{Number: t.Number, Hours: t.Hours, Days: days})
		}
		for range t.Exceptions {
			sh.Exceptions = append(sh.Exceptions, attendance.Exception{Employee: t.Number})
		}
	}
	return sh
}
