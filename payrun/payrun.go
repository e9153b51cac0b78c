// Package payrun is one pay run, shared by `clockface export` and the
// dashboard's export screen: plan, sheet, preview, file, record and the
// diff against the last export of the same period and format.
//
// The rules it holds:
//
//   - Plan. The site's zone and rule set come from the request, then the
//     hub's settings (tz, rules), then the caller's fallback zone; the rule
//     set defaults to flsa. A zone is required: the machine's own is never
//     used. The period is [From, To+1 day) between local midnights.
//   - Sheet. The punches of every workweek touching the period are read
//     (attendance.Window), so overtime is computed over whole workweeks
//     whatever the pay period, and attendance.Build makes the sheet.
//   - Adjustments. An edit inside a locked period (hub punch ... --adjust)
//     is paid in the open period it was carried into: its hours are added
//     to that employee's period totals there (an employee without punches
//     in the period gets a line of their own), and taken away again from
//     the locked period's own re-export, whose file stays as exported.
//     Days are left as worked.
//   - Blocking. An employee with a blocking exception (a missing punch, a
//     punch in the future, ...) stops the file unless the config allows
//     exceptions; every provider id and company value problem is listed
//     with them, and nothing is written or recorded.
//   - Record. Each export is recorded with who, when, the period, format,
//     rule set, the file's name, its SHA-256, each employee's totals as
//     paid and the exact bytes; the bytes are checked against the SHA-256
//     before they are stored, and again when they are read back.
//   - Diff. A re-export of the same period and format lists what changed
//     per employee since the newest such record (attendance.Diff over the
//     recorded totals).
//
// payrun does no I/O of its own: it reads and records through the small
// interfaces below (the hub store implements them) and never writes a
// file; the caller writes Build's bytes where it wants them.
package payrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/payroll"
)

// Site settings a pay run reads (the hub's `hub config set` keys).
const (
	SettingTZ    = "tz"
	SettingRules = "rules"
)

// Settings are the site's settings; the hub store is one.
type Settings interface {
	// Setting returns key's value, "" if unset.
	Setting(ctx context.Context, key string) (string, error)
}

// Source is what a pay run reads: punches and the employee directory.
type Source interface {
	// PunchesBetween returns the punches whose effective time is in
	// [from, to).
	PunchesBetween(ctx context.Context, from, to time.Time) ([]clockface.Punch, error)
	Employees(ctx context.Context) ([]clockface.Employee, error)
}

// Book is where pay is kept: adjustments carried between periods and the
// export record. The hub store is one.
type Book interface {
	// Adjustments are those carried into the open period [from, to).
	Adjustments(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
	// CarriedOut are those carried out of the locked period [from, to).
	CarriedOut(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
	// RecordExport stores r and the file's bytes (r.SHA256 is theirs).
	RecordExport(ctx context.Context, r Record, data []byte) error
	// LastExport is the newest record of exactly this period and format.
	LastExport(ctx context.Context, p attendance.Period, format string) (r Record, ok bool, err error)
	// ExportFile returns a record and the exact bytes written then.
	ExportFile(ctx context.Context, id string) (Record, []byte, error)
}

// Errors a caller may tell apart.
var (
	// ErrNoZone: no site time zone in the request, the settings or the
	// fallback.
	ErrNoZone = errors.New("no site time zone")
	// ErrExportExists: the plan's export id is already recorded.
	ErrExportExists = errors.New("an export with this id is already recorded")
	// ErrBadPeriod: the last day is before the first.
	ErrBadPeriod = errors.New("the last day is before the first")
	// ErrChecksum: stored bytes do not match their recorded SHA-256.
	ErrChecksum = errors.New("the stored bytes do not match the recorded SHA-256")
)

// FieldError is a bad value of one part of the request: Field is "tz" or
// "rules".
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// RuleSpec asks for the site's rules. Empty fields take the site's
// settings, then the defaults.
type RuleSpec struct {
	TZ         string // IANA zone; "" = the tz setting, then FallbackTZ
	FallbackTZ string // after the setting (the CLI's $CLOCKFACE_TZ)
	Rules      string // rule set name; "" = the rules setting, then flsa
	WeekStart  time.Weekday
	Rounding   time.Duration // 0 = none
	DailyOT    time.Duration // 0 = the rule set's
	DoubleTime time.Duration // 0 = the rule set's
	Now        time.Time
}

// SiteRules resolves spec against the site's settings (nil: none) into
// the attendance rules of the run.
func SiteRules(ctx context.Context, site Settings, spec RuleSpec) (attendance.Rules, error) {
	tz, name := spec.TZ, spec.Rules
	if site != nil {
		var err error
		if tz == "" {
			if tz, err = site.Setting(ctx, SettingTZ); err != nil {
				return attendance.Rules{}, err
			}
		}
		if name == "" {
			if name, err = site.Setting(ctx, SettingRules); err != nil {
				return attendance.Rules{}, err
			}
		}
	}
	if tz == "" {
		tz = spec.FallbackTZ
	}
	if tz == "" {
		return attendance.Rules{}, ErrNoZone
	}
	if name == "" {
		name = "flsa"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return attendance.Rules{}, &FieldError{"tz", err}
	}
	if loc == time.Local {
		return attendance.Rules{}, &FieldError{"tz", errors.New(`"Local" is the machine's zone: want an IANA zone`)}
	}
	rules, err := attendance.RuleSet(name)
	if err != nil {
		return attendance.Rules{}, &FieldError{"rules", err}
	}
	rules.Location, rules.Now, rules.WeekStart = loc, spec.Now, spec.WeekStart
	rules.Rounding = spec.Rounding
	if spec.DailyOT != 0 {
		rules.DailyOT = spec.DailyOT
	}
	if spec.DoubleTime != 0 {
		rules.DoubleTime = spec.DoubleTime
	}
	return rules, nil
}

// Plan is a checked pay run: the period [From, To) between local
// midnights in the rules' zone, the rules, the payroll settings and the
// export's id.
type Plan struct {
	Period   attendance.Period
	Rules    attendance.Rules
	Payroll  payroll.Config
	ExportID string
}

// Days is the period [first, last+1 day) of two dates in the rules' zone;
// only their year, month and day count.
func Days(first, last time.Time, loc *time.Location) (attendance.Period, error) {
	from := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	to := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)
	if to.Before(from) {
		return attendance.Period{}, fmt.Errorf("%s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), ErrBadPeriod)
	}
	return attendance.Period{From: from, To: to.AddDate(0, 0, 1)}, nil
}

// Run is a prepared pay run: the sheet as it will be paid, and what the
// record holds about the period.
type Run struct {
	Plan Plan
	// Sheet is the period's timesheet with the adjustments carried into
	// it added and those carried out of it taken away.
	Sheet     attendance.Sheet
	Directory map[string]clockface.Employee
	// Adjustments are paid in this period; CarriedOut are this locked
	// period's, paid later (not in this file).
	Adjustments, CarriedOut []attendance.Adjustment
	// Last is the newest export of the same period and format (HasLast),
	// and Changes what differs from it.
	Last    Record
	HasLast bool
	Changes []attendance.Change
}

// Prepare reads the whole workweeks the period needs, builds the sheet
// and, when book is not nil, checks the export id is new, applies the
// adjustments and diffs against the last export of the period and format.
func Prepare(ctx context.Context, src Source, book Book, p Plan) (*Run, error) {
	qFrom, qTo, err := attendance.Window(p.Period.From, p.Period.To, p.Rules)
	if err != nil {
		return nil, err
	}
	punches, err := src.PunchesBetween(ctx, qFrom, qTo)
	if err != nil {
		return nil, err
	}
	people, err := src.Employees(ctx)
	if err != nil {
		return nil, err
	}
	sheet, err := attendance.Build(punches, p.Period.From, p.Period.To, p.Rules)
	if err != nil {
		return nil, err
	}
	r := &Run{Plan: p, Sheet: sheet, Directory: directory(people)}
	if book == nil {
		return r, nil
	}
	if _, _, err := book.ExportFile(ctx, p.ExportID); err == nil {
		return nil, fmt.Errorf("export id %s: %w", p.ExportID, ErrExportExists)
	}
	if r.Adjustments, err = book.Adjustments(ctx, p.Period.From, p.Period.To); err != nil {
		return nil, err
	}
	if r.CarriedOut, err = book.CarriedOut(ctx, p.Period.From, p.Period.To); err != nil {
		return nil, err
	}
	r.Sheet = WithAdjustments(r.Sheet, r.Adjustments, 1)
	r.Sheet = WithAdjustments(r.Sheet, r.CarriedOut, -1)
	if r.Last, r.HasLast, err = book.LastExport(ctx, p.Period, string(p.Payroll.Format)); err != nil {
		return nil, err
	}
	if r.HasLast {
		r.Changes = attendance.Diff(r.Last.Sheet(p.Rules.Location), r.Sheet)
	}
	return r, nil
}

// WithAdjustments adds (sign 1) or takes away (sign -1) each adjustment's
// hours to or from its employee's period totals (an employee without
// punches in the period gets a line of their own), so the file pays what
// is due in it. Days are left as worked; sh is not changed.
func WithAdjustments(sh attendance.Sheet, adjs []attendance.Adjustment, sign time.Duration) attendance.Sheet {
	if len(adjs) == 0 {
		return sh
	}
	emps := slices.Clone(sh.Employees)
	for _, adj := range adjs {
		i, ok := slices.BinarySearchFunc(emps, adj.Employee, func(e attendance.Employee, n string) int { return strings.Compare(e.Number, n) })
		if !ok {
			emps = slices.Insert(emps, i, attendance.Employee{Number: adj.Employee})
		}
		e := &emps[i]
		e.Hours.Regular += sign * adj.Delta.Regular
		e.Hours.Overtime += sign * adj.Delta.Overtime
		e.Hours.Double += sign * adj.Delta.Double
	}
	sh.Employees = emps
	return sh
}

func directory(people []clockface.Employee) map[string]clockface.Employee {
	dir := make(map[string]clockface.Employee, len(people))
	for _, p := range people {
		dir[p.Number] = p
	}
	return dir
}

// Blocked reports the employees with a blocking exception in the sheet.
func (r *Run) Blocked() func(string) bool {
	blocked := map[string]bool{}
	for _, e := range r.Sheet.Blocking() {
		blocked[e.Employee] = true
	}
	return func(n string) bool { return blocked[n] }
}

// Input is the payroll input of the run.
func (r *Run) Input() payroll.Input {
	return payroll.Input{Sheet: r.Sheet, Directory: r.Directory, ExportID: r.Plan.ExportID, Blocked: r.Blocked()}
}

// Build renders the file (payroll.Build): refused, with every problem
// listed in a *payroll.ValidationError, while an employee is blocked
// (unless the config allows exceptions) or a payroll id or company value
// is missing.
func (r *Run) Build() (payroll.File, error) {
	return payroll.Build(r.Input(), r.Plan.Payroll)
}

// Preview is what the run would pay and what stops it.
type Preview struct {
	// Summary has one line per employee of the sheet (adjustments
	// included) and the totals, in whole minutes.
	Summary payroll.Summary
	// Blocking are the sheet's blocking exceptions.
	Blocking []attendance.Exception
	// Problems are the provider's: company values, earnings names,
	// payroll ids (blocked employees are in Blocking instead).
	Problems []payroll.Problem
}

// Stopped reports whether the file would be refused.
func (p Preview) Stopped() bool { return len(p.Blocking) > 0 || len(p.Problems) > 0 }

// Preview summarises the run as Build would, without refusing: blocking
// exceptions and the provider's problems are listed instead.
func (r *Run) Preview() (Preview, error) {
	pv := Preview{Blocking: r.Sheet.Blocking()}
	if r.Plan.Payroll.AllowExceptions {
		pv.Blocking = nil
	}
	cfg := r.Plan.Payroll
	cfg.AllowEmpty, cfg.AllowExceptions = true, true
	f, err := payroll.Build(r.Input(), cfg)
	var verr *payroll.ValidationError
	if errors.As(err, &verr) {
		pv.Problems = verr.Problems
		// The lines are the provider's whatever its ids: the generic
		// summary is the same minutes.
		cfg.Format = payroll.Generic
		f, err = payroll.Build(r.Input(), cfg)
		f.Summary.Format = r.Plan.Payroll.Format
	}
	if err != nil {
		return Preview{}, fmt.Errorf("preview: %w", err)
	}
	pv.Summary = f.Summary
	return pv, nil
}

// Record is the export record of a file built by the run, made by by at
// at under the file name name.
func (r *Run) Record(by string, at time.Time, name string, data []byte) Record {
	sum := sha256.Sum256(data)
	return Record{ID: r.Plan.ExportID, FileName: name, Totals: Totals(r.Sheet),
		ExportRecord: attendance.ExportRecord{By: by, At: at, Period: r.Plan.Period, Format: string(r.Plan.Payroll.Format),
			Rules: r.Plan.Rules.Name, SHA256: hex.EncodeToString(sum[:])}}
}

// Download returns a recorded export's bytes after checking them against
// the SHA-256 recorded with them.
func Download(ctx context.Context, book Book, id string) (Record, []byte, error) {
	rec, data, err := book.ExportFile(ctx, id)
	if err != nil {
		return Record{}, nil, err
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != rec.SHA256 {
		return Record{}, nil, fmt.Errorf("export %s: %w", id, ErrChecksum)
	}
	return rec, data, nil
}

// Ready reports what keeps format from running with cfg at all, whatever
// the period: its company values (a *payroll.ValidationError), or an
// unknown format. nil means only the period's own ids can stop it.
func Ready(cfg payroll.Config, format payroll.Format) error {
	cfg.Format, cfg.AllowEmpty, cfg.AllowExceptions = format, true, true
	t := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := payroll.Build(payroll.Input{Sheet: attendance.Sheet{From: t, To: t.AddDate(0, 0, 1)}, ExportID: "ready"}, cfg)
	return err
}

// FileName is the name a built file is kept under when no path is given:
// the name its format requires (ADP's PRcccEPI.csv), else the name
// payroll.Export gives it in a folder, payroll-FORMAT-FIRST-LAST.ext.
func FileName(f payroll.File) string {
	if f.Name != "" {
		return f.Name
	}
	ext := "csv"
	if f.Format == payroll.IIF {
		ext = "iif"
	}
	return fmt.Sprintf("payroll-%s-%s-%s.%s", f.Format, f.Summary.From.Format("20060102"),
		f.Summary.To.AddDate(0, 0, -1).Format("20060102"), ext)
}
