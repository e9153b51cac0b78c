// Package payroll turns a timesheet into payroll import files: a generic
// CSV, ADP Workforce Now paydata, Paychex Flex SPI, Gusto's CSV upload and
// QuickBooks Desktop IIF, each to its provider's published layout.
//
// An export is Build (pure: validate, render, summarise) and then Export
// writes the bytes through internal/atomicfile. Before anything is
// rendered, the company values, the earnings mapping and every employee's
// provider id are checked, and every problem is reported at once in one
// *ValidationError; no file is written then. Every format is built from
// the same whole minutes per employee and category, and the Summary
// printed beside the file holds exactly the file's figures. Hours are
// written as decimal hours rounded to the hundredth from minutes (12 h
// 40 min is 12.67, and so is its total), or as h:mm in IIF.
//
// Every text cell is made safe for spreadsheets (see cells.go): a cell a
// spreadsheet could run as a formula gets a leading apostrophe, control
// characters become spaces, bidi overrides are dropped, and CSV cells with
// , ; " are quoted.
package payroll

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"clockface"
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

// Formats lists every format, for help text and tests.
var Formats = []Format{Generic, ADP, Paychex, Gusto, IIF}

// ErrNoHours says the period has no hours to pay. A header-only file is
// written only with Config.AllowEmpty.
var ErrNoHours = errors.New("no hours in the period")

// Input is what an export is made from.
type Input struct {
	Sheet attendance.Sheet
	// Directory maps employee numbers to employees: names and provider
	// ids come from here.
	Directory map[string]clockface.Employee
	// ExportID identifies this export (the export record's id); ADP's
	// Batch ID is derived from it when Config.ADP.BatchID is empty.
	ExportID string
	// Blocked reports employees with exceptions that must be resolved
	// before payroll; nil blocks no one. A blocked employee stops the
	// export unless Config.AllowExceptions.
	Blocked func(employee string) bool
}

// Line is one employee's hours in whole minutes per category.
type Line struct {
	Number, Name              string
	Regular, Overtime, Double int64 // minutes
	Exceptions                int
}

// Total is all categories, in minutes.
func (l Line) Total() int64 { return l.Regular + l.Overtime + l.Double }

// Of returns the minutes of category e.
func (l Line) Of(e Earning) int64 {
	switch e {
	case EarnRegular:
		return l.Regular
	case EarnOvertime:
		return l.Overtime
	case EarnDouble:
		return l.Double
	}
	return 0
}

// Hours renders minutes as decimal hours rounded to the hundredth, halves
// up: 760 minutes is "12.67".
func Hours(minutes int64) string {
	neg := minutes < 0
	if neg {
		minutes = -minutes
	}
	c := (minutes*100 + 30) / 60
	s := fmt.Sprintf("%d.%02d", c/100, c%100)
	if neg {
		s = "-" + s
	}
	return s
}

// clock renders minutes as h:mm.
func clock(minutes int64) string { return fmt.Sprintf("%d:%02d", minutes/60, minutes%60) }

func minutes(d time.Duration) int64 { return int64(d / time.Minute) }

// Exception is an attendance exception as the summary prints it.
type Exception struct {
	Employee string    `json:"employee"`
	Kind     string    `json:"kind"`
	At       time.Time `json:"at"`
	PunchID  string    `json:"punch_id,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// LeftOut is an employee of the timesheet who has no line in the file.
type LeftOut struct {
	Employee string `json:"employee"`
	Reason   string `json:"reason"`
}

// Summary is the reconciliation printed beside the file: one line per
// employee in the timesheet, the totals, the exceptions and whoever the
// file leaves out.
type Summary struct {
	Format     Format
	From, To   time.Time // [From, To)
	Lines      []Line
	Totals     Line
	Exceptions []Exception
	LeftOut    []LeftOut

	legacy *Input // set by the deprecated Summarise only
}

// File is a rendered export.
type File struct {
	Format Format
	// Name is the file name the format requires ("" if any will do):
	// ADP wants PRcccEPI.csv.
	Name    string
	Data    []byte
	Summary Summary
}

// Build validates in against cfg and renders the file. It writes nothing.
// Errors: an unknown format; a *ValidationError listing every company
// value, mapping and employee id problem; ErrNoHours for a period without
// hours unless cfg.AllowEmpty.
func Build(in Input, cfg Config) (File, error) {
	r, ok := renderers[cfg.Format]
	if !ok {
		return File{}, fmt.Errorf("unknown format %q (want one of %v)", cfg.Format, Formats)
	}
	s := summarise(in, cfg.Format)
	if probs := validate(in, &cfg, s); len(probs) > 0 {
		return File{}, &ValidationError{Format: cfg.Format, Problems: probs}
	}
	if s.Totals.Total() == 0 && !cfg.AllowEmpty {
		return File{}, fmt.Errorf("%w %s to %s: nothing to pay, no file written (allow an empty file to write the header only)",
			ErrNoHours, s.From.Format(time.DateOnly), lastDay(s.To).Format(time.DateOnly))
	}
	data, left, err := r(in, &cfg, s)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", cfg.Format, err)
	}
	s.LeftOut = left
	return File{Format: cfg.Format, Name: cfg.FileName(), Data: data, Summary: s}, nil
}

// renderer writes one format; it returns the employees it left out.
type renderer func(in Input, cfg *Config, s Summary) ([]byte, []LeftOut, error)

var renderers = map[Format]renderer{
	Generic: renderGeneric,
	ADP:     renderADP,
	Paychex: renderPaychex,
	Gusto:   renderGusto,
	IIF:     renderIIF,
}

// FileName is the file name c's format requires, or "" if any will do:
// ADP wants PRcccEPI.csv, ccc being the (padded) company code.
func (c Config) FileName() string {
	if c.Format == ADP {
		return "PR" + adpCompany(c.ADP.CompanyCode) + "EPI.csv"
	}
	return ""
}

// Result is a written export: what the CLI prints as text or JSON.
type Result struct {
	Format  Format
	File    string
	SHA256  string // of the bytes written
	Bytes   int
	Summary Summary
}

// Export builds the file and writes it to out atomically (temp file beside
// it, fsync, rename). If out is a folder, the file goes inside it under
// the format's required name (or "payroll-FORMAT-FROM-TO.ext"); a file
// path must carry the required name. A symlink, a device or any other
// non-regular target is refused. On any error nothing is written.
func Export(out string, in Input, cfg Config) (Result, error) {
	f, err := Build(in, cfg)
	if err != nil {
		return Result{}, err
	}
	if out == "" {
		return Result{}, errors.New("export: no output path")
	}
	name := f.Name
	if name == "" {
		name = fmt.Sprintf("payroll-%s-%s-%s.%s", f.Format, f.Summary.From.Format("20060102"),
			lastDay(f.Summary.To).Format("20060102"), extension(f.Format))
	}
	path := atomicfile.Target(out, name)
	if f.Name != "" && baseName(path) != f.Name {
		return Result{}, fmt.Errorf("export: %s needs the file named %s (or give a folder)", f.Format, f.Name)
	}
	if err := atomicfile.WriteRegular(path, f.Data, 0o640); err != nil {
		return Result{}, fmt.Errorf("write %s: %w", path, err)
	}
	sum := sha256.Sum256(f.Data)
	return Result{Format: f.Format, File: path, SHA256: hex.EncodeToString(sum[:]), Bytes: len(f.Data), Summary: f.Summary}, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func extension(f Format) string {
	if f == IIF {
		return "iif"
	}
	return "csv"
}

func lastDay(to time.Time) time.Time { return to.AddDate(0, 0, -1) }

// displayName is how the generic file and the summary name an employee.
func displayName(e clockface.Employee, number string) string {
	if n := strings.TrimSpace(e.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(e.FirstName + " " + e.LastName); n != "" {
		return n
	}
	return number
}

func summarise(in Input, f Format) Summary {
	sh := in.Sheet
	s := Summary{Format: f, From: sh.From, To: sh.To}
	excs := map[string]int{}
	loc := sh.From.Location()
	for _, e := range sh.Exceptions {
		excs[e.Employee]++
		s.Exceptions = append(s.Exceptions, Exception{Employee: e.Employee, Kind: string(e.Kind), At: e.At.In(loc),
			PunchID: e.PunchID, Detail: e.Detail})
	}
	for _, e := range sh.Employees {
		l := Line{Number: e.Number, Name: displayName(in.Directory[e.Number], e.Number),
			Regular: minutes(e.Hours.Regular), Overtime: minutes(e.Hours.Overtime), Double: minutes(e.Hours.Double),
			Exceptions: excs[e.Number]}
		s.Lines = append(s.Lines, l)
		s.Totals.Regular += l.Regular
		s.Totals.Overtime += l.Overtime
		s.Totals.Double += l.Double
	}
	s.Totals.Exceptions = len(sh.Exceptions)
	return s
}

// WriteText prints the reconciliation table, the exceptions (in the
// period's time zone) and who the file leaves out.
func (s Summary) WriteText(w io.Writer) error {
	format := ""
	if s.Format != "" {
		format = string(s.Format) + ", "
	}
	fmt.Fprintf(w, "Reconciliation %s to %s (%shours)\n", s.From.Format(time.DateOnly), lastDay(s.To).Format(time.DateOnly), format)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Employee\tName\tRegular\tOvertime\tDouble\tTotal\tExceptions\t")
	for _, l := range s.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", cleanText(l.Number), cleanText(l.Name),
			Hours(l.Regular), Hours(l.Overtime), Hours(l.Double), Hours(l.Total()), l.Exceptions)
	}
	t := s.Totals
	fmt.Fprintf(tw, "TOTAL\t%d employees\t%s\t%s\t%s\t%s\t%d\t\n", len(s.Lines), Hours(t.Regular), Hours(t.Overtime), Hours(t.Double), Hours(t.Total()), t.Exceptions)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range s.Exceptions {
		fmt.Fprintf(w, "exception: %s %s at %s: %s\n", cleanText(e.Employee), e.Kind, e.At.Format(time.RFC3339), cleanText(e.Detail))
	}
	for _, l := range s.LeftOut {
		fmt.Fprintf(w, "not in the file: %s: %s\n", cleanText(l.Employee), l.Reason)
	}
	return nil
}

// WriteText prints the summary and where the file went.
func (r Result) WriteText(w io.Writer) error {
	if err := r.Summary.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "wrote %s (%s, %d bytes, sha256 %s)\n", r.File, r.Format, r.Bytes, r.SHA256)
	return err
}
