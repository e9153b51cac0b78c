package payroll_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"clockface"
	"clockface/payroll"
)

func TestHoursFromMinutes(t *testing.T) {
	for _, tc := range []struct {
		min  int64
		want string
	}{{0, "0.00"}, {1, "0.02"}, {20, "0.33"}, {30, "0.50"}, {740, "12.33"}, {760, "12.67"}, {2700, "45.00"}} {
		if got := payroll.Hours(tc.min); got != tc.want {
			t.Errorf("Hours(%d): got %q, want %q", tc.min, got, tc.want)
		}
	}
}

func TestSummaryHandComputed(t *testing.T) {
	c := fixtureConfig(payroll.Paychex)
	f, err := payroll.Build(fixtureInput(), c)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Summary
	want := []payroll.Line{
		{Number: "100001", Name: "Ann Lee", Regular: 2400, Overtime: 300},
		{Number: "100002", Name: "Cy Dee", Regular: 480, Overtime: 240, Double: 120},
		{Number: "100003", Name: "Bo Chen", Regular: 740, Overtime: 20},
		{Number: "100004", Name: "Di Open", Exceptions: 1},
		{Number: "100005", Name: "Ed Long", Regular: 1590, Exceptions: 1},
	}
	if len(s.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(s.Lines), len(want))
	}
	for i := range want {
		if s.Lines[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, s.Lines[i], want[i])
		}
	}
	if got, want := payroll.Hours(s.Lines[2].Total()), "12.67"; got != want {
		t.Errorf("12 h 40 min: got total %s, want %s (from minutes, not 12.33 + 0.33)", got, want)
	}
	if got, want := s.Totals, (payroll.Line{Regular: 5210, Overtime: 560, Double: 120, Exceptions: 2}); got != want {
		t.Errorf("got totals %+v, want %+v", got, want)
	}
	if len(s.LeftOut) != 1 || s.LeftOut[0].Employee != "100004" {
		t.Errorf("got left out %+v, want 100004 (no hours, no SPI row)", s.LeftOut)
	}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"86.83", "9.33", "2.00", "98.17", "12.67",
		"missing_out at 2026-03-02T09:00:00-08:00", "not in the file: 100004"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestEveryBadIDReportedAtOnce: per format, several employees with a
// missing or invalid id give one *ValidationError naming each of them, and
// Export writes nothing.
func TestEveryBadIDReportedAtOnce(t *testing.T) {
	set := func(number string, fn func(*clockface.Employee)) func(payroll.Input) {
		return func(in payroll.Input) {
			e := in.Directory[number]
			fn(&e)
			in.Directory[number] = e
		}
	}
	drop := func(number string) func(payroll.Input) {
		return func(in payroll.Input) { delete(in.Directory, number) }
	}
	cases := []struct {
		format payroll.Format
		breaks []func(payroll.Input)
		want   []string // employee numbers with a problem, in order
	}{
		{payroll.ADP, []func(payroll.Input){
			set("100001", func(e *clockface.Employee) { e.Payroll.ADPFileNumber = "E-7" }),
			set("100003", func(e *clockface.Employee) { e.Payroll.ADPFileNumber = "" }),
			set("100005", func(e *clockface.Employee) { e.Payroll.ADPFileNumber = "1234567" }),
		}, []string{"100001", "100003", "100005"}},
		{payroll.Paychex, []func(payroll.Input){
			set("100001", func(e *clockface.Employee) { e.Payroll.PaychexWorkerID = "E-7" }),
			set("100002", func(e *clockface.Employee) { e.Payroll.PaychexWorkerID = "ABCDEFGHIJK" }),
			set("100003", func(e *clockface.Employee) { e.Payroll.PaychexWorkerID = "w1005" }), // same as 100005
			drop("100004"),
		}, []string{"100001", "100002", "100004", "100005"}},
		{payroll.Gusto, []func(payroll.Input){
			set("100002", func(e *clockface.Employee) { e.FirstName, e.LastName = "", "Madonna" }),
			set("100003", func(e *clockface.Employee) { e.Payroll.GustoID = "12345" }),
			set("100005", func(e *clockface.Employee) { e.FirstName, e.LastName = "Ed", "" }),
		}, []string{"100002", "100003", "100005"}},
		{payroll.IIF, []func(payroll.Input){
			set("100001", func(e *clockface.Employee) { e.Payroll.QuickBooksName = "" }),
			set("100004", func(e *clockface.Employee) { e.Payroll.QuickBooksName = strings.Repeat("x", 42) }),
		}, []string{"100001", "100004"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			in := fixtureInput()
			for _, b := range tc.breaks {
				b(in)
			}
			dir := t.TempDir()
			_, err := payroll.Export(dir, in, fixtureConfig(tc.format))
			var ve *payroll.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *payroll.ValidationError", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.Employee)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got problems for %v, want %v:\n%v", got, tc.want, err)
			}
			for _, n := range tc.want {
				if !strings.Contains(err.Error(), "employee "+n) {
					t.Errorf("message does not name %s:\n%v", n, err)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("got %d files written, want none", len(entries))
			}
		})
	}
}

// TestBadInputWritesNothing: each bad input is a clear error naming what
// to fix, and the output folder stays empty.
func TestBadInputWritesNothing(t *testing.T) {
	cfg := func(f payroll.Format, fn func(*payroll.Config)) payroll.Config {
		c := fixtureConfig(f)
		fn(&c)
		return c
	}
	empty := fixtureInput()
	empty.Sheet.Employees, empty.Sheet.Exceptions = nil, nil
	noExportID := fixtureInput()
	noExportID.ExportID = ""
	blocked := fixtureInput()
	blocked.Blocked = func(e string) bool { return e == "100004" || e == "100005" }
	cases := []struct {
		name string
		in   payroll.Input
		cfg  payroll.Config
		want []string
	}{
		{"unknown format", fixtureInput(), cfg("xls", func(*payroll.Config) {}), []string{`unknown format "xls"`, "adp"}},
		{"adp no company code", fixtureInput(), cfg(payroll.ADP, func(c *payroll.Config) { c.ADP.CompanyCode = "" }), []string{"ADP company code"}},
		{"adp long company code", fixtureInput(), cfg(payroll.ADP, func(c *payroll.Config) { c.ADP.CompanyCode = "ABCD" }), []string{"2 or 3 letters"}},
		{"adp no batch id", noExportID, fixtureConfig(payroll.ADP), []string{"ADP batch id"}},
		{"adp bad batch id", fixtureInput(), cfg(payroll.ADP, func(c *payroll.Config) { c.ADP.BatchID = "CLOCKFACE" }), []string{"1-8 letters"}},
		{"adp double time without code", fixtureInput(), cfg(payroll.ADP, func(c *payroll.Config) { delete(c.ADP.Earnings, payroll.EarnDouble) }), []string{"Hours 3 code"}},
		{"adp regular code", fixtureInput(), cfg(payroll.ADP, func(c *payroll.Config) { c.ADP.Earnings[payroll.EarnRegular] = "R" }), []string{"Reg Hours"}},
		{"paychex no client id", fixtureInput(), cfg(payroll.Paychex, func(c *payroll.Config) { c.Paychex.ClientID = "" }), []string{"Paychex client id"}},
		{"paychex client id too long", fixtureInput(), cfg(payroll.Paychex, func(c *payroll.Config) { c.Paychex.ClientID = "123456789" }), []string{"1-8"}},
		{"paychex component too long", fixtureInput(), cfg(payroll.Paychex, func(c *payroll.Config) { c.Paychex.Earnings[payroll.EarnRegular] = strings.Repeat("H", 21) }), []string{"at most 20"}},
		{"gusto bad column", fixtureInput(), cfg(payroll.Gusto, func(c *payroll.Config) { c.Gusto.Earnings[payroll.EarnRegular] = "employee_id;x" }), []string{"Gusto column"}},
		{"iif no company", fixtureInput(), cfg(payroll.IIF, func(c *payroll.Config) { c.QuickBooks.Company = "" }), []string{"QuickBooks company", "required"}},
		{"iif no create time", fixtureInput(), cfg(payroll.IIF, func(c *payroll.Config) { c.QuickBooks.CompanyCreateTime = "" }), []string{"COMPANYCREATETIME"}},
		{"iif zero create time", fixtureInput(), cfg(payroll.IIF, func(c *payroll.Config) { c.QuickBooks.CompanyCreateTime = "0" }), []string{"positive whole number"}},
		{"iif formula item", fixtureInput(), cfg(payroll.IIF, func(c *payroll.Config) { c.QuickBooks.Earnings[payroll.EarnOvertime] = "=OT" }), []string{"QuickBooks payroll item overtime"}},
		{"empty period", empty, fixtureConfig(payroll.Generic), []string{"no hours in the period 2026-03-02 to 2026-03-08", "allow an empty file"}},
		{"blocking exceptions", blocked, fixtureConfig(payroll.Gusto), []string{"employee 100004: exceptions", "employee 100005: exceptions"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := payroll.Export(dir, tc.in, tc.cfg)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("got %d files written, want none", len(entries))
			}
		})
	}
	if _, err := payroll.Build(empty, fixtureConfig(payroll.Generic)); !errors.Is(err, payroll.ErrNoHours) {
		t.Errorf("empty period: got %v, want ErrNoHours", err)
	}
}

func TestAllowEmptyAndAllowExceptions(t *testing.T) {
	empty := fixtureInput()
	empty.Sheet.Employees, empty.Sheet.Exceptions = nil, nil
	for _, f := range payroll.Formats {
		c := fixtureConfig(f)
		c.AllowEmpty = true
		file, err := payroll.Build(empty, c)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := 1
		if f == payroll.IIF {
			want = 3 // !TIMERHDR, TIMERHDR, !TIMEACT
		}
		if got := strings.Count(string(file.Data), "\r\n"); got != want {
			t.Errorf("%s: got %d lines, want a header-only file of %d:\n%s", f, got, want, file.Data)
		}
	}
	in := fixtureInput()
	in.Blocked = func(e string) bool { return e == "100005" }
	c := fixtureConfig(payroll.Generic)
	c.AllowExceptions = true
	file, err := payroll.Build(in, c)
	if err != nil {
		t.Fatal(err)
	}
	rows := parseCSV(t, file.Data)
	if got := rows[5][8].text; got != "1 blocking" {
		t.Errorf("got exceptions cell %q for the blocked employee, want %q", got, "1 blocking")
	}
}

func TestADPCompanyAndBatch(t *testing.T) {
	c := fixtureConfig(payroll.ADP)
	c.ADP.CompanyCode = "ab1"
	if got, want := c.FileName(), "PRAB1EPI.csv"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	c.ADP.CompanyCode = "AB"
	if got, want := c.FileName(), "PRAB_EPI.csv"; got != want {
		t.Errorf("2-character code: got %q, want %q", got, want)
	}
	batch := func(id string) string {
		in := fixtureInput()
		in.ExportID = id
		f, err := payroll.Build(in, c)
		if err != nil {
			t.Fatal(err)
		}
		return parseCSV(t, f.Data)[1][1].text
	}
	a, b := batch("export-1"), batch("export-2")
	if a == b || a != batch("export-1") {
		t.Errorf("got batch ids %q, %q: want one per export id, stable for the same id", a, b)
	}
	c.ADP.BatchID = "PAY0301"
	if got := batch("export-1"); got != "PAY0301" {
		t.Errorf("got batch %q, want the configured PAY0301", got)
	}
}

// TestExportWritesSafely: the file lands atomically where asked and the
// Result's SHA-256 is the file's; a symlink, a device or a wrongly named
// ADP file is refused and nothing changes.
func TestExportWritesSafely(t *testing.T) {
	dir := t.TempDir()
	in := fixtureInput()
	r, err := payroll.Export(filepath.Join(dir, "gusto.csv"), in, fixtureConfig(payroll.Gusto))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(r.File)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got, want := r.SHA256, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("got sha256 %s, want %s", got, want)
	}
	if r.Bytes != len(data) {
		t.Errorf("got %d bytes, file has %d", r.Bytes, len(data))
	}
	// A folder gets the required name inside it.
	r, err = payroll.Export(dir, in, fixtureConfig(payroll.ADP))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.File, filepath.Join(dir, "PRAB_EPI.csv"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := payroll.Export(filepath.Join(dir, "adp.csv"), in, fixtureConfig(payroll.ADP)); err == nil || !strings.Contains(err.Error(), "PRAB_EPI.csv") {
		t.Errorf("wrong ADP name: got %v, want an error naming PRAB_EPI.csv", err)
	}
	// A symlink is refused; the file behind it keeps last period's data.
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, []byte("last period"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := payroll.Export(link, in, fixtureConfig(payroll.Generic)); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlink: got %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(real); string(got) != "last period" {
		t.Errorf("file behind the symlink: got %q", got)
	}
	if _, err := payroll.Export(os.DevNull, in, fixtureConfig(payroll.Generic)); err == nil || !strings.Contains(err.Error(), "device") {
		t.Errorf("device: got %v, want a refusal", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "PRAB_EPI.csv gusto.csv link.csv real.csv"; got != want {
		t.Errorf("got files %q, want %q (no temp files)", got, want)
	}
}

func TestResultJSON(t *testing.T) {
	r, err := payroll.Export(t.TempDir(), fixtureInput(), fixtureConfig(payroll.Paychex))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Format  string
		File    string
		SHA256  string
		Summary struct {
			From, To   string
			Employees  []struct{ Employee, Total_hours string }
			Totals     struct{ Total_hours string }
			Exceptions []struct{ Employee, Kind, At string }
			Left_out   []struct{ Employee, Reason string }
		}
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	s := got.Summary
	if got.Format != "paychex" || got.SHA256 != r.SHA256 || got.File != r.File || s.From != "2026-03-02" || s.To != "2026-03-08" {
		t.Errorf("got %s", data)
	}
	if len(s.Employees) != 5 || s.Employees[2].Total_hours != "12.67" || s.Totals.Total_hours != "98.17" {
		t.Errorf("got employees %+v totals %+v", s.Employees, s.Totals)
	}
	if len(s.Exceptions) != 2 || s.Exceptions[0].At != "2026-03-02T09:00:00-08:00" {
		t.Errorf("got exceptions %+v, want 2 in the site zone", s.Exceptions)
	}
	if len(s.Left_out) != 1 || s.Left_out[0].Employee != "100004" {
		t.Errorf("got left out %+v", s.Left_out)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := payroll.LoadConfig(write("ok.json", `{"format": "iif",
		"adp": {"company_code": "AB1", "earnings": {"double": "D"}},
		"quickbooks": {"company": "Harbor Bakery LLC", "company_create_time": "1764547200",
			"earnings": {"overtime": "Overtime Hourly"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	def := payroll.DefaultConfig()
	if c.Format != payroll.IIF || c.ADP.CompanyCode != "AB1" || c.ADP.Earnings[payroll.EarnDouble] != "D" ||
		c.QuickBooks.Company != "Harbor Bakery LLC" || c.QuickBooks.Earnings[payroll.EarnOvertime] != "Overtime Hourly" {
		t.Errorf("got %+v", c)
	}
	if got, want := c.QuickBooks.Earnings[payroll.EarnRegular], def.QuickBooks.Earnings[payroll.EarnRegular]; got != want {
		t.Errorf("regular item: got %q, want the default %q kept", got, want)
	}
	if got, want := c.Paychex.Earnings[payroll.EarnOvertime], "Overtime"; got != want {
		t.Errorf("paychex default: got %q, want %q", got, want)
	}
	if err := c.SetEarning("double=Double Time Hourly"); err != nil {
		t.Fatal(err)
	}
	if got := c.QuickBooks.Earnings[payroll.EarnDouble]; got != "Double Time Hourly" {
		t.Errorf("flag override: got %q", got)
	}
	for _, bad := range []struct{ name, body, want string }{
		{"unknown key", `{"adp": {"co_code": "AB1"}}`, "co_code"},
		{"unknown category", `{"gusto": {"earnings": {"holiday": "holiday_hours"}}}`, `unknown earnings category "holiday"`},
		{"not json", `format = "adp"`, "invalid character"},
	} {
		if _, err := payroll.LoadConfig(write(bad.name, bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: got %v, want an error with %q", bad.name, err, bad.want)
		}
	}
	if _, err := payroll.LoadConfig(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: got nil error")
	}
	for _, spec := range []string{"double", "bonus=B", "regular="} {
		if err := c.SetEarning(spec); err == nil {
			t.Errorf("SetEarning(%q): got nil error", spec)
		}
	}
}

// TestLegacyEntryPoints keeps the deprecated calls the CLI still makes
// working until it moves to Export.
func TestLegacyEntryPoints(t *testing.T) {
	sheet := fixtureSheet()
	s := payroll.Summarise(sheet, map[string]string{"100001": "Ann Lee"})
	data, err := payroll.Render(s, payroll.Options{Format: payroll.Generic})
	if err != nil {
		t.Fatal(err)
	}
	if rows := parseCSV(t, data); len(rows) != 6 || rows[1][1].text != "Ann Lee" {
		t.Errorf("got %q", data)
	}
	if got := payroll.FileName(payroll.Options{Format: payroll.ADP, Company: "AB1"}); got != "PRAB1EPI.csv" {
		t.Errorf("got %q", got)
	}
}
