package payroll

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"clockface/attendance"
)

// Column layouts, in file order. Tests re-parse the golden files against
// these.
var (
	GenericColumns       = []string{"employee_number", "employee_name", "period_from", "period_to", "regular_hours", "overtime_hours", "doubletime_hours", "total_hours", "exceptions"}
	GenericPerDayColumns = []string{"employee_number", "employee_name", "date", "period_from", "period_to", "regular_hours", "overtime_hours", "doubletime_hours", "total_hours", "exceptions"}
	ADPColumns           = []string{"Co Code", "Batch ID", "File #", "Reg Hours", "O/T Hours", "Hours 3 Code", "Hours 3 Amount"}
	// PaychexColumns is the SPI specification sheet's fixed order; all 16
	// columns are present in every row.
	PaychexColumns = []string{"Client ID", "Worker ID", "Org", "Job Number", "Pay Component", "Rate", "Rate Number",
		"Hours", "Units", "Line Date", "Amount", "Check Seq Number", "Override State", "Override Local",
		"Override Local Jurisdiction", "Labor Assignment"}
	// GustoNameColumns come first in the Gusto file, then one column per
	// mapped earnings category.
	GustoNameColumns = []string{"first_name", "last_name", "gusto_employee_id"}
	// IIF headers: Intuit's timer import (TIMERHDR, then TIMEACT lines).
	IIFHeader  = []string{"!TIMERHDR", "VER", "REL", "COMPANYNAME", "IMPORTEDBEFORE", "FROMTIMER", "COMPANYCREATETIME"}
	IIFTimeAct = []string{"!TIMEACT", "DATE", "JOB", "EMP", "ITEM", "PITEM", "DURATION", "PROJ", "NOTE", "XFERTOPAYROLL", "BILLINGSTATUS"}
)

// paychexHoursMax is the SPI Hours field's range (-999.99 to 999.99).
const paychexHoursMax = 999*60 + 59

func exceptionsCell(in Input, l Line) string {
	c := fmt.Sprint(l.Exceptions)
	if in.Blocked != nil && in.Blocked(l.Number) {
		c += " blocking"
	}
	return c
}

func renderGeneric(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error) {
	from, to := s.From.Format(time.DateOnly), lastDay(s.To).Format(time.DateOnly)
	if !cfg.Generic.PerDay {
		rows := [][]string{GenericColumns}
		for _, l := range s.Lines {
			rows = append(rows, []string{cleanText(l.Number), cleanText(l.Name), from, to, Hours(l.Regular), Hours(l.Overtime),
				Hours(l.Double), Hours(l.Total()), exceptionsCell(in, l)})
		}
		return csvFile(rows), nil, nil
	}
	rows := [][]string{GenericPerDayColumns}
	for i, e := range in.Sheet.Employees {
		l := s.Lines[i]
		days, err := dayLines(e, l)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range days {
			rows = append(rows, []string{cleanText(l.Number), cleanText(l.Name), d.date.Format(time.DateOnly), from, to,
				Hours(d.Regular), Hours(d.Overtime), Hours(d.Double), Hours(d.Total()), ""})
		}
		rows = append(rows, []string{cleanText(l.Number), cleanText(l.Name), "total", from, to, Hours(l.Regular),
			Hours(l.Overtime), Hours(l.Double), Hours(l.Total()), exceptionsCell(in, l)})
	}
	return csvFile(rows), nil, nil
}

type dayLine struct {
	date time.Time
	Line
}

// dayLines is e's worked days in minutes; they must add up to the period
// line, or a day-by-day file would not reconcile with the summary.
func dayLines(e attendance.Employee, l Line) ([]dayLine, error) {
	var out []dayLine
	var sum Line
	for _, d := range e.Days {
		dl := dayLine{date: d.Date, Line: Line{Regular: minutes(d.Hours.Regular), Overtime: minutes(d.Hours.Overtime), Double: minutes(d.Hours.Double)}}
		if dl.Total() == 0 {
			continue
		}
		sum.Regular += dl.Regular
		sum.Overtime += dl.Overtime
		sum.Double += dl.Double
		out = append(out, dl)
	}
	if sum.Regular != l.Regular || sum.Overtime != l.Overtime || sum.Double != l.Double {
		return nil, fmt.Errorf("employee %s: the days add up to %s/%s/%s hours, the period to %s/%s/%s (timesheet inconsistent)",
			l.Number, Hours(sum.Regular), Hours(sum.Overtime), Hours(sum.Double), Hours(l.Regular), Hours(l.Overtime), Hours(l.Double))
	}
	return out, nil
}

// adpBatch is the configured Batch ID or one derived from the export id:
// "CF" and 6 hex digits of its SHA-256.
func adpBatch(cfg *Config, exportID string) string {
	if cfg.ADP.BatchID != "" {
		return cfg.ADP.BatchID
	}
	h := sha256.Sum256([]byte(exportID))
	return "CF" + strings.ToUpper(hex.EncodeToString(h[:3]))
}

// renderADP writes ADP Workforce Now's paydata import (EPI): Co Code,
// Batch ID and File # in the first three columns as ADP requires, then
// Reg Hours, O/T Hours and one Hours 3 Code/Amount pair; a further
// category (beyond double time) gets a row of its own for the same File #.
func renderADP(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error) {
	co, batch := adpCompany(cfg.ADP.CompanyCode), adpBatch(cfg, in.ExportID)
	rows := [][]string{ADPColumns}
	for _, l := range s.Lines {
		file := in.Directory[l.Number].Payroll.ADPFileNumber
		var extra [][2]string
		for _, e := range Earnings[2:] {
			if m := l.Of(e); m != 0 {
				extra = append(extra, [2]string{cfg.ADP.Earnings[e], Hours(m)})
			}
		}
		code, amount := "", ""
		if len(extra) > 0 {
			code, amount = extra[0][0], extra[0][1]
		}
		rows = append(rows, []string{co, batch, file, Hours(l.Regular), Hours(l.Overtime), cleanText(code), amount})
		for _, x := range extra[min(1, len(extra)):] {
			rows = append(rows, []string{co, batch, file, "", "", cleanText(x[0]), x[1]})
		}
	}
	return csvFile(rows), nil, nil
}

// renderPaychex writes Paychex Flex SPI: all 16 columns in the
// specification's order, one row per employee and pay component with
// hours; the columns clockface has no value for stay empty.
func renderPaychex(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error) {
	rows := [][]string{PaychexColumns}
	var left []LeftOut
	for _, l := range s.Lines {
		worker := in.Directory[l.Number].Payroll.PaychexWorkerID
		n := 0
		for _, e := range Earnings {
			m := l.Of(e)
			if m == 0 {
				continue
			}
			if m > paychexHoursMax || m < -paychexHoursMax {
				return nil, nil, fmt.Errorf("employee %s: %s hours %s exceed the SPI Hours field (999.99)", l.Number, e, Hours(m))
			}
			r := make([]string, len(PaychexColumns))
			r[0], r[1], r[4], r[7] = cfg.Paychex.ClientID, worker, cleanText(cfg.Paychex.Earnings[e]), Hours(m)
			rows = append(rows, r)
			n++
		}
		if n == 0 {
			left = append(left, LeftOut{Employee: l.Number, Reason: "no hours in the period (SPI has a row per pay component with hours)"})
		}
	}
	return csvFile(rows), left, nil
}

// renderGusto writes Gusto's CSV upload: first_name and last_name from the
// separate name fields (Gusto's required match), the optional
// gusto_employee_id, then the hours columns. Only Gusto column titles.
func renderGusto(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error) {
	head := append([]string{}, GustoNameColumns...)
	var cats []Earning
	for _, e := range Earnings {
		if c := cfg.Gusto.Earnings[e]; c != "" {
			head = append(head, c)
			cats = append(cats, e)
		}
	}
	rows := [][]string{head}
	for _, l := range s.Lines {
		emp := in.Directory[l.Number]
		r := []string{cleanText(emp.FirstName), cleanText(emp.LastName), emp.Payroll.GustoID}
		for _, e := range cats {
			r = append(r, Hours(l.Of(e)))
		}
		rows = append(rows, r)
	}
	return csvFile(rows), nil, nil
}

// iifCell: IIF is tab-separated, so a field never carries a tab or a line
// break (cleanText makes them spaces), and a double quote, which IIF
// reads as field quoting, becomes an apostrophe.
func iifCell(s string) string { return cleanText(strings.ReplaceAll(s, `"`, "'")) }

// renderIIF writes QuickBooks Desktop's timer import: the TIMERHDR record
// naming the company file, then one TIMEACT per employee, day and payroll
// item, dated MM/DD/YYYY, with DURATION as h:mm. A day's line never
// exceeds 23:59 (the documented limit); more is split into lines of the
// same day, so the day's minutes still add up.
func renderIIF(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error) {
	var b strings.Builder
	row := func(cells ...string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	qb := cfg.QuickBooks
	row(IIFHeader...)
	row("TIMERHDR", "8", "0", iifCell(qb.Company), "N", "Y", qb.CompanyCreateTime)
	row(IIFTimeAct...)
	var left []LeftOut
	for i, e := range in.Sheet.Employees {
		l := s.Lines[i]
		days, err := dayLines(e, l)
		if err != nil {
			return nil, nil, err
		}
		if len(days) == 0 {
			left = append(left, LeftOut{Employee: l.Number, Reason: "no hours in the period"})
			continue
		}
		emp := iifCell(in.Directory[l.Number].Payroll.QuickBooksName)
		for _, d := range days {
			for _, cat := range Earnings {
				m := d.Of(cat)
				for m > 0 {
					part := min(m, dayMinutesMax)
					row("TIMEACT", d.date.Format("01/02/2006"), "", emp, "", iifCell(qb.Earnings[cat]), clock(part), "", "", "Y", "0")
					m -= part
				}
			}
		}
	}
	return []byte(b.String()), left, nil
}
