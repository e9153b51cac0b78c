package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"clockface"
	"clockface/attendance"
	"clockface/ledger"
	"clockface/payroll"
	"clockface/sync/hub"
)

// exportFlags are the export's flag values as given.
type exportFlags struct {
	from, to, format, out, tz, weekStart, rules, config, exportID, actor string
	earnings                                                             []string
	fromLedger, perDay, allowEmpty, allowExceptions                      bool
	rounding                                                             int
	dailyOT, doubleTime                                                  time.Duration
}

func (a *app) exportCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var f exportFlags
	c := &cobra.Command{
		Use:   "export",
		Short: "Compute timesheets for a period and write a payroll file",
		Long: `Compute timesheets for --from to --to (inclusive dates, in the site's zone)
and write a payroll file. Punches come from the hub database (--db), which
holds every kiosk's punches; --from-ledger reads this kiosk's own ledger
(--data) instead. Overtime is computed over whole workweeks, so the punches of
every workweek that touches the period are read.

Blocking exceptions (a missing punch, a punch in the future, ...) stop the
export: all are listed and no file is written; --allow-exceptions writes
anyway. Provider ids (ADP File #, Paychex Worker ID, Gusto id or first and
last name, QuickBooks name) come from the employee directory; every missing
or invalid one is listed at once and no file is written. Company values and
earnings names come from --config (JSON) and the flags, which win.

From the hub, the zone and rule set default to the hub's settings (hub config
set tz / rules); adjustments carried from locked periods into this one
(hub punch ... --adjust) are added to each employee's hours and listed; the
export is recorded (id, who, when, period, format, SHA-256, each employee's
totals and the file's bytes: hub export list / get), and a re-export of the
same period and format first prints what changed since the last one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			read := func(ctx context.Context, fn func(hub.ExportReads, exportRecorder) error) error {
				return open.with(ctx, func(st *hub.DB) error { return fn(st, st) })
			}
			if f.fromLedger {
				read = a.withLedgerReads
			}
			return a.runExport(cmd, f, read)
		},
	}
	a.ledgerFlags(c) // --from-ledger
	addDB(c)
	a.jsonFlag(c)
	fl := c.Flags()
	fl.StringVar(&f.from, "from", "", "first day, YYYY-MM-DD")
	fl.StringVar(&f.to, "to", "", "last day (inclusive), YYYY-MM-DD")
	fl.StringVar(&f.format, "format", "generic", "generic, adp, paychex, gusto or iif")
	fl.StringVar(&f.out, "out", "", "output file, or a folder (the file then gets the format's name); a symlink or device is refused")
	fl.StringVar(&f.config, "config", "", "payroll config file (JSON): company values and earnings names per provider")
	fl.StringArrayVar(&f.earnings, "earning", nil, "CATEGORY=NAME for --format's mapping, e.g. double=D (repeatable; regular, overtime, double)")
	fl.String("adp-company", "", "ADP Co Code (2 or 3 characters; 2 are padded with _)")
	fl.String("adp-batch-id", "", "ADP Batch ID, 1-8 letters or digits (default: derived from the export id)")
	fl.String("paychex-client-id", "", "Paychex Client ID, up to 8 letters or digits")
	fl.String("company", "", "QuickBooks company name, exactly as in the company file")
	fl.String("company-create-time", "", "QuickBooks COMPANYCREATETIME of the company file")
	fl.StringVar(&f.exportID, "export-id", "", "this export's id (default: a new UUIDv7); ADP's Batch ID derives from it")
	fl.BoolVar(&f.perDay, "per-day", false, "generic CSV: a row per employee and day as well as the period row")
	fl.BoolVar(&f.allowEmpty, "allow-empty", false, "write a header-only file for a period with no hours (otherwise an error)")
	fl.BoolVar(&f.allowExceptions, "allow-exceptions", false, "write the file despite blocking exceptions, marking affected rows where the format allows")
	fl.BoolVar(&f.fromLedger, "from-ledger", false, "read punches from this kiosk's ledger (--data) instead of the hub")
	fl.StringVar(&f.tz, "tz", "", "the site's IANA time zone for workdays and workweeks, e.g. America/Los_Angeles (default: hub config tz, then env CLOCKFACE_TZ; required)")
	fl.StringVar(&f.rules, "rules", "", "overtime rule set: "+strings.Join(attendance.RuleSets(), ", ")+" (default: hub config rules, then flsa)")
	fl.StringVar(&f.actor, "actor", "", "who exports, for the export record (default: the OS user)")
	fl.StringVar(&f.weekStart, "week-start", "sunday", "first day of the workweek")
	fl.IntVar(&f.rounding, "rounding", 0, "round punches to 0 (none), 5, 6 or 15 minutes")
	fl.DurationVar(&f.dailyOT, "daily-ot", 0, "daily overtime after this (e.g. 8h); 0 = the rule set's")
	fl.DurationVar(&f.doubleTime, "double-time", 0, "double time after this many hours a day (e.g. 12h); 0 = the rule set's")
	c.MarkFlagRequired("from")
	c.MarkFlagRequired("to")
	return c
}

// exportPlan is a checked export: the period [from, end) between local
// midnights in the site's zone, the rules and the payroll settings.
type exportPlan struct {
	from, end time.Time
	rules     attendance.Rules
	cfg       payroll.Config
}

// planExport checks the flags before anything is read. site holds the
// hub's settings (nil for --from-ledger).
func (a *app) planExport(ctx context.Context, cmd *cobra.Command, f exportFlags, site hub.Settings) (exportPlan, error) {
	if f.out == "" {
		return exportPlan{}, errors.New("--out is required")
	}
	if site != nil {
		var err error
		if f.tz, err = siteZone(ctx, f.tz, site); err != nil {
			return exportPlan{}, err
		}
		if f.rules == "" {
			if f.rules, err = site.Setting(ctx, hub.SettingRules); err != nil {
				return exportPlan{}, err
			}
		}
	}
	if f.rules == "" {
		f.rules = "flsa"
	}
	rules, err := a.exportRules(f)
	if err != nil {
		return exportPlan{}, err
	}
	from, err := time.ParseInLocation(time.DateOnly, f.from, rules.Location)
	if err != nil {
		return exportPlan{}, fmt.Errorf("--from: want YYYY-MM-DD: %w", err)
	}
	to, err := time.ParseInLocation(time.DateOnly, f.to, rules.Location)
	if err != nil {
		return exportPlan{}, fmt.Errorf("--to: want YYYY-MM-DD: %w", err)
	}
	if to.Before(from) {
		return exportPlan{}, fmt.Errorf("--to %s is before --from %s", f.to, f.from)
	}
	cfg, err := exportConfig(cmd, f)
	if err != nil {
		return exportPlan{}, err
	}
	return exportPlan{from: from, end: to.AddDate(0, 0, 1), rules: rules, cfg: cfg}, nil
}

// exportRules are the named rule set in the site's zone, with the flags'
// changes. The zone is required: the machine's own is never guessed.
func (a *app) exportRules(f exportFlags) (attendance.Rules, error) {
	tz := f.tz
	if tz == "" {
		tz = os.Getenv("CLOCKFACE_TZ")
	}
	if tz == "" {
		return attendance.Rules{}, errors.New("--tz is required: the site's IANA time zone (e.g. America/Los_Angeles), or set CLOCKFACE_TZ, or on the hub `clockface hub config set tz ZONE`")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return attendance.Rules{}, fmt.Errorf("--tz: %w", err)
	}
	rules, err := attendance.RuleSet(f.rules)
	if err != nil {
		return attendance.Rules{}, fmt.Errorf("--rules: %w", err)
	}
	ws, err := parseWeekday(f.weekStart)
	if err != nil {
		return attendance.Rules{}, err
	}
	rules.Location, rules.Now, rules.WeekStart = loc, a.clock.Now(), ws
	rules.Rounding = time.Duration(f.rounding) * time.Minute
	if f.dailyOT != 0 {
		rules.DailyOT = f.dailyOT
	}
	if f.doubleTime != 0 {
		rules.DoubleTime = f.doubleTime
	}
	return rules, nil
}

// exportConfig is the payroll config file with the flags laid over it.
func exportConfig(cmd *cobra.Command, f exportFlags) (payroll.Config, error) {
	cfg := payroll.DefaultConfig()
	if f.config != "" {
		var err error
		if cfg, err = payroll.LoadConfig(f.config); err != nil {
			return payroll.Config{}, err
		}
	}
	fl := cmd.Flags()
	if fl.Changed("format") || f.config == "" {
		cfg.Format = payroll.Format(f.format)
	}
	for flag, dst := range map[string]*string{"adp-company": &cfg.ADP.CompanyCode, "adp-batch-id": &cfg.ADP.BatchID,
		"paychex-client-id": &cfg.Paychex.ClientID, "company": &cfg.QuickBooks.Company,
		"company-create-time": &cfg.QuickBooks.CompanyCreateTime} {
		if fl.Changed(flag) {
			*dst, _ = fl.GetString(flag)
		}
	}
	for _, e := range f.earnings {
		if err := cfg.SetEarning(e); err != nil {
			return payroll.Config{}, fmt.Errorf("--earning: %w", err)
		}
	}
	cfg.Generic.PerDay = cfg.Generic.PerDay || f.perDay
	cfg.AllowEmpty = cfg.AllowEmpty || f.allowEmpty
	cfg.AllowExceptions = cfg.AllowExceptions || f.allowExceptions
	return cfg, nil
}

// exportRecorder is the hub's side of an export: settings, adjustments
// from locked periods, and the export record.
type exportRecorder interface {
	hub.Settings
	Adjustments(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
	CarriedOut(ctx context.Context, from, to time.Time) ([]attendance.Adjustment, error)
	hub.Exports
}

// exportReader opens an export's source, hands it to f and closes it. The
// recorder is nil for --from-ledger (no settings, nothing recorded).
type exportReader func(ctx context.Context, f func(hub.ExportReads, exportRecorder) error) error

// exportOutput is what --json prints: the payroll result, the export id,
// the changes since the last export of the period and format, and the
// adjustments paid.
type exportOutput struct {
	payroll.Result
	ExportID    string
	Changes     []string
	Adjustments []attendance.Adjustment // paid in this period
	CarriedOut  []attendance.Adjustment // this locked period's, paid later
}

// MarshalJSON writes the payroll result's fields with export_id,
// changes, adjustments and carried_out beside them.
func (o exportOutput) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(o.Result)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["export_id"] = o.ExportID
	for k, v := range map[string]any{"changes": o.Changes, "adjustments": o.Adjustments, "carried_out": o.CarriedOut} {
		if v != nil {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// runExport reads the whole workweeks the period needs, computes the
// timesheets, adds the adjustments carried into the period, prints what
// changed since the last export, writes the file, records the export and
// prints the result.
func (a *app) runExport(cmd *cobra.Command, f exportFlags, read exportReader) error {
	ctx := cmd.Context()
	return read(ctx, func(st hub.ExportReads, rec exportRecorder) error {
		var site hub.Settings
		if rec != nil {
			site = rec
		}
		p, err := a.planExport(ctx, cmd, f, site)
		if err != nil {
			return err
		}
		qFrom, qTo, err := attendance.Window(p.from, p.end, p.rules)
		if err != nil {
			return err
		}
		punches, err := st.PunchesBetween(ctx, qFrom, qTo)
		if err != nil {
			return err
		}
		people, err := st.Employees(ctx)
		if err != nil {
			return err
		}
		sheet, err := attendance.Build(punches, p.from, p.end, p.rules)
		if err != nil {
			return err
		}
		exportID := f.exportID
		if exportID == "" {
			exportID = uuid.Must(uuid.NewV7()).String()
		}
		out := exportOutput{ExportID: exportID}
		var last hub.ExportRecord
		var hasLast bool
		if rec != nil {
			if _, _, err := rec.ExportFile(ctx, exportID); err == nil {
				return fmt.Errorf("--export-id %s: an export with this id is already recorded", exportID)
			}
			if out.Adjustments, err = rec.Adjustments(ctx, p.from, p.end); err != nil {
				return err
			}
			// A locked period's file stays as exported: what was carried
			// out of it is paid in the period it was carried into.
			if out.CarriedOut, err = rec.CarriedOut(ctx, p.from, p.end); err != nil {
				return err
			}
			sheet = withAdjustments(sheet, out.Adjustments, 1)
			sheet = withAdjustments(sheet, out.CarriedOut, -1)
			period := attendance.Period{From: p.from, To: p.end}
			if last, hasLast, err = rec.LastExport(ctx, period, string(p.cfg.Format)); err != nil {
				return err
			}
			if hasLast {
				for _, c := range attendance.Diff(last.Sheet(p.rules.Location), sheet) {
					out.Changes = append(out.Changes, safe(c.String()))
				}
			}
		}
		if !a.jsonOut {
			for _, adj := range out.Adjustments {
				fmt.Fprintf(a.stdout, "adjustment: %s\n", adjustmentText(adj, p.rules.Location))
			}
			for _, adj := range out.CarriedOut {
				fmt.Fprintf(a.stdout, "carried out (not in this file): %s\n", adjustmentText(adj, p.rules.Location))
			}
			if hasLast {
				if len(out.Changes) == 0 {
					fmt.Fprintf(a.stdout, "no change since export %s (%s by %s)\n", last.ID, peopleTime(last.At, p.rules.Location), safe(last.By))
				} else {
					fmt.Fprintf(a.stdout, "changed since export %s (%s by %s):\n", last.ID, peopleTime(last.At, p.rules.Location), safe(last.By))
					for _, c := range out.Changes {
						fmt.Fprintf(a.stdout, "  %s\n", c)
					}
				}
			}
		}
		in := payroll.Input{Sheet: sheet, Directory: directory(people), ExportID: exportID, Blocked: blockedSet(sheet)}
		if out.Result, err = payroll.Export(f.out, in, p.cfg); err != nil {
			return err
		}
		if rec != nil {
			if err := a.recordExport(ctx, rec, f, p, sheet, exportID, out.Result); err != nil {
				return err
			}
		}
		if a.jsonOut {
			return json.NewEncoder(a.stdout).Encode(out)
		}
		return out.Result.WriteText(a.stdout)
	})
}

// recordExport stores the export: its bytes as written (read back and
// checked against the SHA-256 the writer computed) and the totals.
func (a *app) recordExport(ctx context.Context, rec exportRecorder, f exportFlags, p exportPlan, sheet attendance.Sheet, id string, res payroll.Result) error {
	data, err := os.ReadFile(res.File)
	if err != nil {
		return fmt.Errorf("record export: read back %s: %w", res.File, err)
	}
	r := hub.ExportRecord{ID: id, FileName: filepath.Base(res.File), Totals: hub.Totals(sheet),
		ExportRecord: attendance.ExportRecord{By: actorOr(f.actor), At: a.clock.Now(), Period: attendance.Period{From: p.from, To: p.end},
			Format: string(p.cfg.Format), Rules: p.rules.Name, SHA256: res.SHA256}}
	if err := rec.RecordExport(ctx, r, data); err != nil {
		return fmt.Errorf("%w (the file %s was written; it is not in the export record)", err, res.File)
	}
	return nil
}

// withAdjustments adds (sign 1) or takes away (sign -1) each adjustment's
// hours to or from its employee's period totals (an employee without
// punches in the period gets a line of their own), so the file pays what
// is due in it. Days are left as worked.
func withAdjustments(sh attendance.Sheet, adjs []attendance.Adjustment, sign time.Duration) attendance.Sheet {
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

// blockedSet reports the employees with a blocking exception in sheet.
func blockedSet(sheet attendance.Sheet) func(string) bool {
	blocked := map[string]bool{}
	for _, e := range sheet.Blocking() {
		blocked[e.Employee] = true
	}
	return func(n string) bool { return blocked[n] }
}

// withLedgerReads runs f on this kiosk's own ledger (export --from-ledger):
// nothing is recorded.
func (a *app) withLedgerReads(ctx context.Context, f func(hub.ExportReads, exportRecorder) error) error {
	l, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	return f(ledgerReads{l}, nil)
}

// ledgerReads gives the ledger the hub's export reads.
type ledgerReads struct{ l *ledger.Ledger }

// PunchesBetween returns the ledger's punches with effective time in
// [from, to).
func (r ledgerReads) PunchesBetween(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	return r.l.Punches(ctx, from, to)
}

func (r ledgerReads) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return r.l.Employees(ctx)
}
