package payroll_test

import (
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/payroll"
)

// The fixture is one week in a site zone of UTC-8, written out by hand
// (attendance has its own tests; these test the files):
//
//	100001 Ann Lee     Mon-Fri 9 h: 8 regular + 1 overtime a day = 40 + 5
//	100002 Cy Dee      Mon 14 h: 8 regular, 4 overtime, 2 double
//	100003 Bo Chen     Mon 8 h, Tue 4 h 20 min, Wed 20 min weekly overtime:
//	                   12 h 20 min + 20 min = 12 h 40 min = 12.67 (not 12.33 + 0.33 = 12.66)
//	100004 Di Open     an open in-punch only: no hours, a missing_out
//	100005 Ed Long     Mon 26 h 30 min regular (weekly-only rules), a long shift:
//	                   QuickBooks gets 23:59 + 2:31 that day
var (
	zone   = time.FixedZone("UTC-8", -8*3600)
	monday = time.Date(2026, 3, 2, 0, 0, 0, 0, zone)
)

func day(i int) time.Time { return monday.AddDate(0, 0, i) }

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

func emp(number string, days ...attendance.Day) attendance.Employee {
	e := attendance.Employee{Number: number, Days: days}
	for _, d := range days {
		e.Hours.Regular += d.Hours.Regular
		e.Hours.Overtime += d.Hours.Overtime
		e.Hours.Double += d.Hours.Double
	}
	return e
}

func dayHours(i int, reg, ot, dbl time.Duration) attendance.Day {
	return attendance.Day{Date: day(i), Hours: attendance.Hours{Regular: reg, Overtime: ot, Double: dbl}}
}

func fixtureSheet() attendance.Sheet {
	var ann []attendance.Day
	for i := range 5 {
		ann = append(ann, dayHours(i, hm(8, 0), hm(1, 0), 0))
	}
	return attendance.Sheet{
		From: monday, To: monday.AddDate(0, 0, 7),
		Employees: []attendance.Employee{
			emp("100001", ann...),
			emp("100002", dayHours(0, hm(8, 0), hm(4, 0), hm(2, 0))),
			emp("100003", dayHours(0, hm(8, 0), 0, 0), dayHours(1, hm(4, 20), 0, 0), dayHours(2, 0, hm(0, 20), 0)),
			emp("100004"),
			emp("100005", dayHours(0, hm(26, 30), 0, 0)),
		},
		Exceptions: []attendance.Exception{
			{Employee: "100004", Kind: "missing_out", At: day(0).Add(hm(9, 0)).UTC(), PunchID: "p-0004", Detail: "in-punch never closed"},
			{Employee: "100005", Kind: "shift_over_16h", At: day(0).Add(hm(6, 0)).UTC(), PunchID: "p-0005", Detail: "26h30m shift"},
		},
	}
}

func person(number, first, last, adp, paychex, gusto, qb string) clockface.Employee {
	return clockface.Employee{Number: number, Name: first + " " + last, FirstName: first, LastName: last,
		Payroll: clockface.PayrollIDs{ADPFileNumber: adp, PaychexWorkerID: paychex, GustoID: gusto, QuickBooksName: qb}}
}

func fixtureDirectory() map[string]clockface.Employee {
	return map[string]clockface.Employee{
		"100001": person("100001", "Ann", "Lee", "1001", "W1001", "5G9934", "Lee, Ann"),
		"100002": person("100002", "Cy", "Dee", "1002", "W1002", "", "Dee, Cy"),
		"100003": person("100003", "Bo", "Chen", "1003", "W1003", "", "Chen, Bo"),
		"100004": person("100004", "Di", "Open", "1004", "W1004", "", "Open, Di"),
		"100005": person("100005", "Ed", "Long", "1005", "W1005", "", "Long, Ed"),
	}
}

func fixtureInput() payroll.Input {
	return payroll.Input{Sheet: fixtureSheet(), Directory: fixtureDirectory(), ExportID: "export-2026-03-02-0001"}
}

// fixtureConfig is a complete config for format f: every company value
// set, ADP's double-time code given.
func fixtureConfig(f payroll.Format) payroll.Config {
	c := payroll.DefaultConfig()
	c.Format = f
	c.ADP.CompanyCode = "AB"
	c.ADP.Earnings[payroll.EarnDouble] = "D"
	c.Paychex.ClientID = "00012345"
	c.QuickBooks.Company = "Harbor Bakery LLC"
	c.QuickBooks.CompanyCreateTime = "1764547200"
	return c
}
