package payroll_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/payroll"
)

var mon = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

var hostile = []string{
	`=cmd|' /C calc'!A0`, `+1+1`, `-2+3`, `@SUM(A1:A9)`, "\tTabbed", "\rReturn",
}

func shift(emp string, day int, from, to string, n *int) []clockface.Punch {
	parse := func(s string) time.Time {
		t, _ := time.Parse("15:04", s)
		return mon.AddDate(0, 0, day).Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
	}
	*n += 2
	return []clockface.Punch{
		{ID: fmt.Sprintf("p%04d", *n), EmployeeNumber: emp, Kind: clockface.PunchIn, Method: clockface.MethodPIN, At: parse(from)},
		{ID: fmt.Sprintf("p%04d", *n+1), EmployeeNumber: emp, Kind: clockface.PunchOut, Method: clockface.MethodPIN, At: parse(to)},
	}
}

// fixture: 100001 works 5 × 9 h (40 + 5), 100002 one 14 h day
// (8 + 4 + 2), 100003 7 h 20 min (7.33), 100004 an unpaired in-punch.
func fixture(t *testing.T, name2 string) payroll.Summary {
	t.Helper()
	var ps []clockface.Punch
	n := 0
	for d := range 5 {
		ps = append(ps, shift("100001", d, "08:00", "17:00", &n)...)
	}
	ps = append(ps, shift("100002", 0, "07:00", "21:00", &n)...)
	ps = append(ps, shift("100003", 2, "09:00", "16:20", &n)...)
	ps = append(ps, clockface.Punch{ID: "p9999", EmployeeNumber: "100004", Kind: clockface.PunchIn, Method: clockface.MethodPIN, At: mon.Add(9 * time.Hour)})
	sheet, err := attendance.Build(ps, mon, mon.AddDate(0, 0, 7), attendance.Rules{DailyOT: 8 * time.Hour, DoubleTime: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return payroll.Summarise(sheet, map[string]string{"100001": "Ann Lee", "100002": name2, "100003": "Bo"})
}

func TestSummaryHandComputed(t *testing.T) {
	s := fixture(t, "Cy Dee")
	want := []payroll.Line{
		{Number: "100001", Name: "Ann Lee", Regular: 4000, Overtime: 500},
		{Number: "100002", Name: "Cy Dee", Regular: 800, Overtime: 400, Double: 200},
		{Number: "100003", Name: "Bo", Regular: 733},
	}
	if len(s.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(s.Lines), len(want))
	}
	for i := range want {
		if s.Lines[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, s.Lines[i], want[i])
		}
	}
	if got, want := s.Totals, (payroll.Line{Regular: 5533, Overtime: 900, Double: 200, Exceptions: 1}); got != want {
		t.Errorf("got totals %+v, want %+v", got, want)
	}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"55.33", "9.00", "2.00", "66.33", "missing_out"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary text lacks %q:\n%s", want, b.String())
		}
	}
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("file is not valid CSV: %v", err)
	}
	return rows
}

func cents(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("hours %q: %v", s, err)
	}
	return int64(f*100 + 0.5)
}

// fileTotals parses a rendered file back into per-employee lines.
func fileTotals(t *testing.T, f payroll.Format, data []byte) map[string]payroll.Line {
	t.Helper()
	got := map[string]payroll.Line{}
	switch f {
	case payroll.Generic:
		for _, r := range readCSV(t, data)[1:] {
			got[r[0]] = payroll.Line{Regular: cents(t, r[4]), Overtime: cents(t, r[5]), Double: cents(t, r[6])}
			if cents(t, r[7]) != cents(t, r[4])+cents(t, r[5])+cents(t, r[6]) {
				t.Errorf("row %v: total is not the sum", r)
			}
		}
	case payroll.ADP:
		rows := readCSV(t, data)
		if strings.Join(rows[0][:3], ",") != "Co Code,Batch ID,File #" {
			t.Errorf("got ADP header %v, want Co Code, Batch ID, File # first", rows[0])
		}
		for _, r := range rows[1:] {
			l := payroll.Line{Regular: cents(t, r[3]), Overtime: cents(t, r[4])}
			if r[5] == "DT" {
				l.Double = cents(t, r[6])
			}
			got[r[2]] = l
		}
	case payroll.Paychex:
		for _, r := range readCSV(t, data)[1:] {
			l := got[r[1]]
			switch r[2] {
			case "Regular":
				l.Regular += cents(t, r[3])
			case "Overtime":
				l.Overtime += cents(t, r[3])
			case "Doubletime":
				l.Double += cents(t, r[3])
			default:
				t.Errorf("unknown pay component %q", r[2])
			}
			got[r[1]] = l
		}
	case payroll.Gusto:
		for _, r := range readCSV(t, data)[1:] {
			got[r[0]] = payroll.Line{Regular: cents(t, r[3]), Overtime: cents(t, r[4]), Double: cents(t, r[5])}
		}
	case payroll.IIF:
		mins := map[string][3]int64{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\r\n") {
			c := strings.Split(line, "\t")
			if c[0] != "TIMEACT" {
				continue
			}
			if len(c) != 11 {
				t.Fatalf("TIMEACT row has %d cells, want 11: %q", len(c), line)
			}
			var h, m int64
			if _, err := fmt.Sscanf(c[6], "%d:%d", &h, &m); err != nil {
				t.Fatalf("duration %q: %v", c[6], err)
			}
			v := mins[c[3]]
			v[map[string]int{"Regular Pay": 0, "Overtime Pay": 1, "Double Time Pay": 2}[c[5]]] += h*60 + m
			mins[c[3]] = v
		}
		for emp, v := range mins {
			c := func(m int64) int64 { return (m*100 + 30) / 60 }
			got[emp] = payroll.Line{Regular: c(v[0]), Overtime: c(v[1]), Double: c(v[2])}
		}
	}
	return got
}

// TestFilesReconcile: for every format the file's hours, per employee and
// in total, equal the printed summary.
func TestFilesReconcile(t *testing.T) {
	s := fixture(t, "Cy Dee")
	o := payroll.Options{Company: "AB1"}
	for _, f := range payroll.Formats {
		t.Run(string(f), func(t *testing.T) {
			o.Format = f
			data, err := payroll.Render(s, o)
			if err != nil {
				t.Fatal(err)
			}
			got := fileTotals(t, f, data)
			var sum payroll.Line
			for _, l := range s.Lines {
				key := l.Number
				if f == payroll.IIF {
					key = l.Name
				}
				g := got[key]
				if g.Regular != l.Regular || g.Overtime != l.Overtime || g.Double != l.Double {
					t.Errorf("employee %s: file has %+v, summary %+v", l.Number, g, l)
				}
				sum.Regular += g.Regular
				sum.Overtime += g.Overtime
				sum.Double += g.Double
			}
			if len(got) != len(s.Lines) {
				t.Errorf("file has %d employees, summary %d", len(got), len(s.Lines))
			}
			if sum.Regular != s.Totals.Regular || sum.Overtime != s.Totals.Overtime || sum.Double != s.Totals.Double {
				t.Errorf("file totals %+v, summary totals %+v", sum, s.Totals)
			}
		})
	}
}

// TestFormulaInjection: hostile employee names come out inert in every
// format, and still readable.
func TestFormulaInjection(t *testing.T) {
	for _, name := range hostile {
		s := fixture(t, name)
		for _, f := range payroll.Formats {
			data, err := payroll.Render(s, payroll.Options{Format: f, Company: "AB1"})
			if err != nil {
				t.Fatal(err)
			}
			var cells []string
			if f == payroll.IIF {
				for _, line := range strings.Split(string(data), "\r\n") {
					cells = append(cells, strings.Split(line, "\t")...)
				}
			} else {
				for _, r := range readCSV(t, data) {
					cells = append(cells, r...)
				}
			}
			found := false
			for _, c := range cells {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s, name %q: cell %q would run as a formula", f, name, c)
				}
				if strings.Contains(c, strings.TrimLeft(name, "\t\r")) || (f == payroll.Gusto && strings.Contains(name, c) && len(c) > 2) {
					found = true
				}
			}
			if !found && f != payroll.ADP && f != payroll.Paychex {
				t.Errorf("%s: name %q lost from the file", f, name)
			}
		}
	}
	if got, want := payroll.SafeCell("=1+1"), "'=1+1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := payroll.SafeCell("Ann"), "Ann"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestADPRules(t *testing.T) {
	s := fixture(t, "Cy Dee")
	if got, want := payroll.FileName(payroll.Options{Format: payroll.ADP, Company: "AB1"}), "PRAB1EPI.csv"; got != want {
		t.Errorf("got file name %q, want %q", got, want)
	}
	if _, err := payroll.Render(s, payroll.Options{Format: payroll.ADP, Company: "ab"}); err == nil {
		t.Error("bad company code: got nil error, want one")
	}
	var ps []clockface.Punch
	n := 0
	ps = append(ps, shift("E-7", 0, "09:00", "10:00", &n)...)
	sheet, _ := attendance.Build(ps, mon, mon.AddDate(0, 0, 7), attendance.Rules{})
	if _, err := payroll.Render(payroll.Summarise(sheet, nil), payroll.Options{Format: payroll.ADP, Company: "AB1"}); err == nil || !strings.Contains(err.Error(), "File #") {
		t.Errorf("non-numeric File #: got %v, want an error naming File #", err)
	}
	if _, err := payroll.Render(s, payroll.Options{Format: "xls"}); err == nil {
		t.Error("unknown format: got nil error, want one")
	}
}

func TestWriteIsAtomicAndComplete(t *testing.T) {
	s := fixture(t, "Cy Dee")
	dir := t.TempDir()
	path := filepath.Join(dir, "PRAB1EPI.csv")
	o := payroll.Options{Format: payroll.ADP, Company: "AB1"}
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := payroll.Write(path, s, o); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := payroll.Render(s, o)
	if !bytes.Equal(got, want) {
		t.Errorf("file differs from the rendering")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("got %d files, want 1 (no temp left)", len(entries))
	}
	// A failed render leaves the old file alone.
	if err := payroll.Write(path, s, payroll.Options{Format: payroll.ADP, Company: "bad"}); err == nil {
		t.Fatal("got nil error, want one")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, want) {
		t.Error("failed write changed the file")
	}
}
