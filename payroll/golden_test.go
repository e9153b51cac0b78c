package payroll_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"clockface/payroll"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// amounts is a file read back: per employee key (whatever the format
// identifies people by), per category, centi-hours (CSV formats) or
// minutes (IIF).
type amounts map[string]map[payroll.Earning]int64

func (a amounts) add(key string, e payroll.Earning, v int64) {
	if a[key] == nil {
		a[key] = map[payroll.Earning]int64{}
	}
	a[key][e] += v
}

var (
	hoursRe  = regexp.MustCompile(`^[0-9]{1,4}\.[0-9]{2}$`)
	dateRe   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	alnumRe  = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	adpCoRe  = regexp.MustCompile(`^[A-Z0-9]{2}[A-Z0-9_]$`)
	digitsRe = regexp.MustCompile(`^[0-9]{1,6}$`)
	iifDur   = regexp.MustCompile(`^([0-9]{1,2}):([0-5][0-9])$`)
)

func centi(t *testing.T, s string) int64 {
	t.Helper()
	if !hoursRe.MatchString(s) {
		t.Errorf("hours %q: want decimal hours with 2 places", s)
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f
}

func header(t *testing.T, got []cell, want []string) {
	t.Helper()
	if !slices.Equal(texts(got), want) {
		t.Fatalf("got header %q, want %q", texts(got), want)
	}
}

func width(t *testing.T, rows [][]cell, n int) {
	t.Helper()
	for i, r := range rows {
		if len(r) != n {
			t.Errorf("row %d has %d columns, want %d: %q", i, len(r), n, texts(r))
		}
	}
}

// validateGeneric: the header, 9 (or 10 per-day) columns, dates, hours
// with 2 decimals, total within rounding of the parts.
func validateGeneric(t *testing.T, data []byte, perDay bool) amounts {
	rows := parseCSV(t, data)
	checkCSVCells(t, rows)
	cols := payroll.GenericColumns
	if perDay {
		cols = payroll.GenericPerDayColumns
	}
	header(t, rows[0], cols)
	width(t, rows, len(cols))
	got := amounts{}
	off := 0
	if perDay {
		off = 1
	}
	for _, r := range rows[1:] {
		c := texts(r)
		if perDay && c[2] != "total" && !dateRe.MatchString(c[2]) {
			t.Errorf("date %q: want YYYY-MM-DD or total", c[2])
		}
		if !dateRe.MatchString(c[2+off]) || !dateRe.MatchString(c[3+off]) {
			t.Errorf("period %q..%q: want YYYY-MM-DD", c[2+off], c[3+off])
		}
		reg, ot, dbl, tot := centi(t, c[4+off]), centi(t, c[5+off]), centi(t, c[6+off]), centi(t, c[7+off])
		if d := tot - (reg + ot + dbl); d < -2 || d > 2 {
			t.Errorf("row %q: total %d is not the parts' %d within rounding", c, tot, reg+ot+dbl)
		}
		if perDay && c[2] != "total" {
			continue
		}
		got.add(c[0], payroll.EarnRegular, reg)
		got.add(c[0], payroll.EarnOvertime, ot)
		got.add(c[0], payroll.EarnDouble, dbl)
	}
	return got
}

// validateADP: Co Code, Batch ID, File # first; a 3-character Co Code
// (padded); one Batch ID of 1-8 alphanumerics; File # of 1-6 digits; the
// file name PR<Co Code>EPI.csv.
func validateADP(t *testing.T, name string, data []byte, double string) amounts {
	rows := parseCSV(t, data)
	checkCSVCells(t, rows)
	header(t, rows[0], payroll.ADPColumns)
	width(t, rows, len(payroll.ADPColumns))
	got := amounts{}
	batches := map[string]bool{}
	for _, r := range rows[1:] {
		c := texts(r)
		if !adpCoRe.MatchString(c[0]) {
			t.Errorf("Co Code %q: want 3 characters", c[0])
		}
		if name != "PR"+c[0]+"EPI.csv" {
			t.Errorf("file %s holds Co Code %s: want it named PR%sEPI.csv", name, c[0], c[0])
		}
		if !alnumRe.MatchString(c[1]) || len(c[1]) > 8 {
			t.Errorf("Batch ID %q: want 1-8 letters or digits", c[1])
		}
		batches[c[1]] = true
		if !digitsRe.MatchString(c[2]) {
			t.Errorf("File # %q: want 1-6 digits", c[2])
		}
		if c[3] != "" || c[4] != "" {
			got.add(c[2], payroll.EarnRegular, centi(t, c[3]))
			got.add(c[2], payroll.EarnOvertime, centi(t, c[4]))
		}
		switch {
		case c[5] == "" && c[6] == "":
		case c[5] == double:
			got.add(c[2], payroll.EarnDouble, centi(t, c[6]))
		default:
			t.Errorf("Hours 3 %q %q: want code %q with an amount", c[5], c[6], double)
		}
	}
	if len(batches) != 1 {
		t.Errorf("got batch ids %v, want one per file", batches)
	}
	return got
}

// validatePaychex: the 16 SPI columns in order in every row; Client ID
// <= 8 and Worker ID <= 10 alphanumerics; Pay Component 1-20 characters;
// Hours within 999.99; nothing in the columns clockface does not fill.
func validatePaychex(t *testing.T, data []byte, components map[string]payroll.Earning) amounts {
	rows := parseCSV(t, data)
	checkCSVCells(t, rows)
	header(t, rows[0], payroll.PaychexColumns)
	width(t, rows, 16)
	got := amounts{}
	for _, r := range rows[1:] {
		c := texts(r)
		if !alnumRe.MatchString(c[0]) || len(c[0]) > 8 {
			t.Errorf("Client ID %q: want 1-8 letters or digits", c[0])
		}
		if !alnumRe.MatchString(c[1]) || len(c[1]) > 10 {
			t.Errorf("Worker ID %q: want 1-10 letters or digits", c[1])
		}
		e, ok := components[c[4]]
		if !ok || len(c[4]) > 20 {
			t.Errorf("Pay Component %q: want one of the mapped names (<= 20 characters)", c[4])
		}
		h := centi(t, c[7])
		if h > 99999 {
			t.Errorf("Hours %q above 999.99", c[7])
		}
		for i, v := range c {
			if i != 0 && i != 1 && i != 4 && i != 7 && v != "" {
				t.Errorf("column %s holds %q, want it empty", payroll.PaychexColumns[i], v)
			}
		}
		got.add(c[1], e, h)
	}
	return got
}

// validateGusto: first_name, last_name, gusto_employee_id, then only
// Gusto hours column titles; every row has both names or a Gusto id.
func validateGusto(t *testing.T, data []byte, columns map[string]payroll.Earning) amounts {
	rows := parseCSV(t, data)
	checkCSVCells(t, rows)
	head := texts(rows[0])
	if !slices.Equal(head[:3], payroll.GustoNameColumns) {
		t.Fatalf("got header %q, want %q first", head, payroll.GustoNameColumns)
	}
	for _, h := range head[3:] {
		if _, ok := columns[h]; !ok {
			t.Errorf("column title %q is not a Gusto hours column", h)
		}
	}
	width(t, rows, len(head))
	got := amounts{}
	for _, r := range rows[1:] {
		c := texts(r)
		if (c[0] == "" || c[1] == "") && c[2] == "" {
			t.Errorf("row %q: neither both names nor a Gusto employee id", c)
		}
		if c[2] != "" && (!alnumRe.MatchString(c[2]) || len(c[2]) != 6) {
			t.Errorf("gusto_employee_id %q: want 6 letters or digits", c[2])
		}
		for i, h := range head[3:] {
			got.add(c[0]+" "+c[1], columns[h], centi(t, c[3+i]))
		}
	}
	return got
}

// validateIIF: !TIMERHDR, TIMERHDR with a company name and a positive
// COMPANYCREATETIME, !TIMEACT, then TIMEACT lines of 11 fields dated
// MM/DD/YYYY with DURATION h:mm at most 23:59 and a mapped payroll item.
func validateIIF(t *testing.T, data []byte, items map[string]payroll.Earning) amounts {
	lines := parseIIF(t, data)
	checkIIFCells(t, lines)
	if len(lines) < 3 {
		t.Fatalf("got %d lines, want the two headers at least", len(lines))
	}
	if !slices.Equal(lines[0], payroll.IIFHeader) {
		t.Errorf("got %q, want %q", lines[0], payroll.IIFHeader)
	}
	h := lines[1]
	if len(h) != 7 || h[0] != "TIMERHDR" || h[3] == "" {
		t.Errorf("TIMERHDR %q: want 7 fields and a company name", h)
	} else if n, err := strconv.ParseInt(h[6], 10, 64); err != nil || n <= 0 {
		t.Errorf("COMPANYCREATETIME %q: want a positive whole number", h[6])
	}
	if !slices.Equal(lines[2], payroll.IIFTimeAct) {
		t.Errorf("got %q, want %q", lines[2], payroll.IIFTimeAct)
	}
	got := amounts{}
	for _, l := range lines[3:] {
		if len(l) != 11 || l[0] != "TIMEACT" {
			t.Errorf("line %q: want a TIMEACT of 11 fields", l)
			continue
		}
		if _, err := time.Parse("01/02/2006", l[1]); err != nil || len(l[1]) != 10 {
			t.Errorf("DATE %q: want MM/DD/YYYY", l[1])
		}
		if l[3] == "" {
			t.Errorf("line %q: no EMP", l)
		}
		e, ok := items[l[5]]
		if !ok {
			t.Errorf("PITEM %q: not a mapped payroll item", l[5])
		}
		m := iifDur.FindStringSubmatch(l[6])
		if m == nil {
			t.Errorf("DURATION %q: want h:mm", l[6])
			continue
		}
		hh, _ := strconv.Atoi(m[1])
		mm, _ := strconv.Atoi(m[2])
		if hh > 23 {
			t.Errorf("DURATION %q: above 23:59", l[6])
		}
		got.add(l[3], e, int64(hh*60+mm))
	}
	return got
}

func invert(m payroll.Mapping) map[string]payroll.Earning {
	out := map[string]payroll.Earning{}
	for e, v := range m {
		out[v] = e
	}
	return out
}

// validate re-parses data as format f under config c and returns what it
// pays per employee key.
func validate(t *testing.T, name string, data []byte, c payroll.Config) amounts {
	t.Helper()
	switch c.Format {
	case payroll.Generic:
		return validateGeneric(t, data, c.Generic.PerDay)
	case payroll.ADP:
		return validateADP(t, name, data, c.ADP.Earnings[payroll.EarnDouble])
	case payroll.Paychex:
		return validatePaychex(t, data, invert(c.Paychex.Earnings))
	case payroll.Gusto:
		return validateGusto(t, data, invert(c.Gusto.Earnings))
	case payroll.IIF:
		return validateIIF(t, data, invert(c.QuickBooks.Earnings))
	}
	t.Fatalf("no validator for %s", c.Format)
	return nil
}

type goldenCase struct {
	file string
	cfg  payroll.Config
}

func goldenCases() []goldenCase {
	perDay := fixtureConfig(payroll.Generic)
	perDay.Generic.PerDay = true
	return []goldenCase{
		{"generic.csv", fixtureConfig(payroll.Generic)},
		{"generic-per-day.csv", perDay},
		{"PRAB_EPI.csv", fixtureConfig(payroll.ADP)},
		{"paychex-spi.csv", fixtureConfig(payroll.Paychex)},
		{"gusto.csv", fixtureConfig(payroll.Gusto)},
		{"quickbooks.iif", fixtureConfig(payroll.IIF)},
	}
}

// TestGoldenFiles: each format's file equals its golden sample in
// testdata/ (go test -run TestGoldenFiles -update rewrites them), passes
// its layout validator, and pays what the summary says.
func TestGoldenFiles(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.file, func(t *testing.T) {
			in := fixtureInput()
			f, err := payroll.Build(in, gc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", gc.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./payroll -run TestGoldenFiles -update to make it)", err)
			}
			if !bytes.Equal(f.Data, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", gc.file, f.Data)
			}
			name := gc.file
			if f.Name != "" && f.Name != name {
				t.Errorf("format wants the file named %s, golden is %s", f.Name, name)
			}
			got := validate(t, name, want, gc.cfg)
			checkPays(t, gc.cfg, in, f.Summary, got)
		})
	}
}

// key is how format f identifies employee number in its file.
func key(f payroll.Format, in payroll.Input, number string) string {
	e := in.Directory[number]
	switch f {
	case payroll.ADP:
		return e.Payroll.ADPFileNumber
	case payroll.Paychex:
		return e.Payroll.PaychexWorkerID
	case payroll.Gusto:
		return e.FirstName + " " + e.LastName
	case payroll.IIF:
		return e.Payroll.QuickBooksName
	}
	return number
}

// checkPays: the file pays each employee exactly the summary's line
// (minutes for IIF, the hundredths the summary prints otherwise), and
// leaves out only those the summary lists as left out.
func checkPays(t *testing.T, c payroll.Config, in payroll.Input, s payroll.Summary, got amounts) {
	t.Helper()
	left := map[string]bool{}
	for _, l := range s.LeftOut {
		left[l.Employee] = true
	}
	for _, l := range s.Lines {
		k := key(c.Format, in, l.Number)
		g, ok := got[k]
		if !ok {
			if !left[l.Number] {
				t.Errorf("employee %s (%s) is missing from the file and not listed as left out", l.Number, k)
			}
			continue
		}
		for _, e := range payroll.Earnings {
			want := l.Of(e)
			if c.Format != payroll.IIF {
				want = centi(t, payroll.Hours(want))
			}
			if g[e] != want {
				t.Errorf("employee %s %s: file pays %d, summary %d", l.Number, e, g[e], want)
			}
		}
	}
	if len(got) != len(s.Lines)-len(s.LeftOut) {
		t.Errorf("file has %d employees, summary %d of which %d left out", len(got), len(s.Lines), len(s.LeftOut))
	}
}
