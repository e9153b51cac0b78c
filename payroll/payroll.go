// Package payroll turns a timesheet into payroll import files: generic
// CSV, ADP Workforce Now paydata, Paychex, Gusto and QuickBooks Desktop
// IIF. Every format is built from one Summary (hours per employee per
// category), which is printed for reconciliation before the file is
// written; the file's totals equal the summary's.
package payroll

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"clockface/attendance"
	"clockface/internal/atomicfile"
)

// Format is an export format.
type Format string

const (
	Generic Format = "generic"
	ADP     Format = "adp"
	Paychex Format = "paychex"
	Gusto   Format = "gusto"
	IIF     Format = "iif"
)

// Formats lists every format, for help text.
var Formats = []Format{Generic, ADP, Paychex, Gusto, IIF}

// Options are the per-employer settings some formats need.
type Options struct {
	Format Format
	// Company is the ADP Co Code (3 characters), the Paychex Company ID or
	// the QuickBooks company name.
	Company string
	// BatchID is ADP's Batch ID; default "CLOCKFACE".
	BatchID string
	// DoubleTimeCode is ADP's Hours 3 Code for double time; default "DT".
	DoubleTimeCode string
	// QuickBooks payroll item names; defaults "Regular Pay", "Overtime Pay",
	// "Double Time Pay".
	RegularItem, OvertimeItem, DoubleItem string
}

// Line is one employee's hours in centi-hours (hundredths of an hour),
// the unit every payroll file uses. Minutes are kept for formats that
// take hh:mm.
type Line struct {
	Number, Name              string
	Regular, Overtime, Double int64 // centi-hours
	Exceptions                int
}

// Total is all categories.
func (l Line) Total() int64 { return l.Regular + l.Overtime + l.Double }

// Summary is the reconciliation: one line per employee and the totals.
type Summary struct {
	From, To time.Time // [From, To)
	Lines    []Line
	Totals   Line
	sheet    attendance.Sheet
}

// Summarise builds the summary of sheet; names maps employee numbers to
// names (an unknown number is exported under its number).
func Summarise(sheet attendance.Sheet, names map[string]string) Summary {
	s := Summary{From: sheet.From, To: sheet.To, sheet: sheet}
	excs := map[string]int{}
	for _, e := range sheet.Exceptions {
		excs[e.Employee]++
	}
	for _, e := range sheet.Employees {
		name := names[e.Number]
		if name == "" {
			name = e.Number
		}
		l := Line{Number: e.Number, Name: name, Regular: centi(e.Regular), Overtime: centi(e.Overtime),
			Double: centi(e.Double), Exceptions: excs[e.Number]}
		s.Lines = append(s.Lines, l)
		s.Totals.Regular += l.Regular
		s.Totals.Overtime += l.Overtime
		s.Totals.Double += l.Double
	}
	s.Totals.Exceptions = len(sheet.Exceptions)
	return s
}

// centi converts whole minutes to centi-hours, rounding half up.
func centi(d time.Duration) int64 {
	m := int64(d / time.Minute)
	return (m*100 + 30) / 60
}

// Hours renders centi-hours as "8.25".
func Hours(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// WriteText prints the reconciliation table.
func (s Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Reconciliation %s to %s (hours)\n", s.From.Format(time.DateOnly), s.To.AddDate(0, 0, -1).Format(time.DateOnly))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Employee\tName\tRegular\tOvertime\tDouble\tTotal\tExceptions\t")
	for _, l := range s.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", l.Number, oneLine(l.Name), Hours(l.Regular), Hours(l.Overtime), Hours(l.Double), Hours(l.Total()), l.Exceptions)
	}
	t := s.Totals
	fmt.Fprintf(tw, "TOTAL\t%d employees\t%s\t%s\t%s\t%s\t%d\t\n", len(s.Lines), Hours(t.Regular), Hours(t.Overtime), Hours(t.Double), Hours(t.Total()), t.Exceptions)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range s.sheet.Exceptions {
		fmt.Fprintf(w, "exception: %s %s at %s: %s\n", e.Employee, e.Kind, e.At.Format(time.RFC3339), e.Detail)
	}
	return nil
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// SafeCell neutralises a cell a spreadsheet would run as a formula: one
// starting with =, +, -, @, tab or CR gets a leading apostrophe (OWASP's
// advice for CSV injection).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var adpCoCode = regexp.MustCompile(`^[A-Z0-9]{3}$`)
var adpFileNo = regexp.MustCompile(`^[0-9]{1,6}$`)

// FileName is the file name a format requires, or "" if any will do:
// ADP wants PRcccEPI.csv, ccc being the company code.
func FileName(o Options) string {
	if o.Format == ADP {
		return "PR" + o.Company + "EPI.csv"
	}
	return ""
}

// Render returns the file for s in format o.Format.
func Render(s Summary, o Options) ([]byte, error) {
	switch o.Format {
	case Generic:
		return renderGeneric(s)
	case ADP:
		return renderADP(s, o)
	case Paychex:
		return renderPaychex(s, o)
	case Gusto:
		return renderGusto(s)
	case IIF:
		return renderIIF(s, o)
	}
	return nil, fmt.Errorf("unknown format %q (want one of %v)", o.Format, Formats)
}

// Write renders s and writes it atomically to path.
func Write(path string, s Summary, o Options) error {
	data, err := Render(s, o)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data, 0o640); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeCSV(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, r := range rows {
		for i := range r {
			r[i] = SafeCell(r[i])
		}
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func renderGeneric(s Summary) ([]byte, error) {
	rows := [][]string{{"employee_number", "employee_name", "period_from", "period_to", "regular_hours", "overtime_hours", "doubletime_hours", "total_hours", "exceptions"}}
	from, to := s.From.Format(time.DateOnly), s.To.AddDate(0, 0, -1).Format(time.DateOnly)
	for _, l := range s.Lines {
		rows = append(rows, []string{l.Number, l.Name, from, to, Hours(l.Regular), Hours(l.Overtime), Hours(l.Double), Hours(l.Total()), fmt.Sprint(l.Exceptions)})
	}
	return writeCSV(rows)
}

// renderADP writes ADP Workforce Now's paydata import: Co Code, Batch ID
// and File # first, then Reg Hours, O/T Hours and Hours 3 Code/Amount
// (double time).
func renderADP(s Summary, o Options) ([]byte, error) {
	if !adpCoCode.MatchString(o.Company) {
		return nil, fmt.Errorf("adp: company code %q must be 3 letters or digits (--company)", o.Company)
	}
	batch := o.BatchID
	if batch == "" {
		batch = "CLOCKFACE"
	}
	dt := o.DoubleTimeCode
	if dt == "" {
		dt = "DT"
	}
	rows := [][]string{{"Co Code", "Batch ID", "File #", "Reg Hours", "O/T Hours", "Hours 3 Code", "Hours 3 Amount"}}
	for _, l := range s.Lines {
		if !adpFileNo.MatchString(l.Number) {
			return nil, fmt.Errorf("adp: employee number %q is not an ADP File # (1-6 digits)", l.Number)
		}
		code, amount := "", ""
		if l.Double > 0 {
			code, amount = dt, Hours(l.Double)
		}
		rows = append(rows, []string{o.Company, batch, l.Number, Hours(l.Regular), Hours(l.Overtime), code, amount})
	}
	return writeCSV(rows)
}

// renderPaychex writes one row per employee and pay component.
func renderPaychex(s Summary, o Options) ([]byte, error) {
	if o.Company == "" {
		return nil, fmt.Errorf("paychex: company id required (--company)")
	}
	rows := [][]string{{"Company ID", "Worker ID", "Pay Component", "Hours"}}
	for _, l := range s.Lines {
		for _, c := range []struct {
			name string
			h    int64
		}{{"Regular", l.Regular}, {"Overtime", l.Overtime}, {"Doubletime", l.Double}} {
			if c.h > 0 {
				rows = append(rows, []string{o.Company, l.Number, c.name, Hours(c.h)})
			}
		}
	}
	return writeCSV(rows)
}

// renderGusto writes Gusto's hours import: one row per employee.
func renderGusto(s Summary) ([]byte, error) {
	rows := [][]string{{"employee_id", "last_name", "first_name", "regular_hours", "overtime_hours", "double_overtime_hours"}}
	for _, l := range s.Lines {
		first, last := splitName(l.Name)
		rows = append(rows, []string{l.Number, last, first, Hours(l.Regular), Hours(l.Overtime), Hours(l.Double)})
	}
	return writeCSV(rows)
}

func splitName(n string) (first, last string) {
	n = strings.TrimSpace(n)
	if i := strings.LastIndexByte(n, ' '); i > 0 {
		return n[:i], n[i+1:]
	}
	return "", n
}

// renderIIF writes QuickBooks Desktop TIMEACT records: one per employee,
// day and payroll item, durations as h:mm, so the file's minutes add up
// to each day's timesheet.
func renderIIF(s Summary, o Options) ([]byte, error) {
	items := [3]string{o.RegularItem, o.OvertimeItem, o.DoubleItem}
	for i, def := range [3]string{"Regular Pay", "Overtime Pay", "Double Time Pay"} {
		if items[i] == "" {
			items[i] = def
		}
	}
	company := o.Company
	if company == "" {
		company = "clockface"
	}
	var b strings.Builder
	row := func(cells ...string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(iifCell(c))
		}
		b.WriteString("\r\n")
	}
	row("!TIMERHDR", "VER", "REL", "COMPANYNAME", "IMPORTEDBEFORE", "FROMTIMER", "COMPANYCREATETIME")
	row("TIMERHDR", "8", "0", company, "N", "Y", "0")
	row("!TIMEACT", "DATE", "JOB", "EMP", "ITEM", "PITEM", "DURATION", "PROJ", "NOTE", "XFERTOPAYROLL", "BILLINGSTATUS")
	names := map[string]string{}
	for _, l := range s.Lines {
		names[l.Number] = l.Name
	}
	for _, e := range s.sheet.Employees {
		for _, d := range e.Days {
			for i, dur := range [3]time.Duration{d.Regular, d.Overtime, d.Double} {
				if dur <= 0 {
					continue
				}
				m := int64(dur / time.Minute)
				row("TIMEACT", d.Date.Format("01/02/2006"), "", names[e.Number], "", items[i], fmt.Sprintf("%d:%02d", m/60, m%60), "", "", "Y", "0")
			}
		}
	}
	return []byte(b.String()), nil
}

// iifCell makes a cell safe for a tab-separated file and a spreadsheet.
func iifCell(s string) string {
	s = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ", `"`, "'").Replace(s)
	return SafeCell(s)
}
