package hubcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"clockface"
	"clockface/attendance"
	"clockface/cmd/clockface/internal/cli"
	"clockface/ledger"
	"clockface/payroll"
	"clockface/payrun"
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
			read := func(ctx context.Context, fn func(payrun.Source, payrun.Book, payrun.Settings) error) error {
				return open.with(ctx, func(st *hub.DB) error { return fn(st, st, st) })
			}
			if f.fromLedger {
				read = a.withLedgerReads
			}
			return a.runExport(cmd, f, read)
		},
	}
	a.LedgerFlags(c) // --from-ledger
	addDB(c)
	a.JSONFlag(c)
	f.register(c.Flags())
	c.MarkFlagRequired("from")
	c.MarkFlagRequired("to")
	return c
}

// register adds the export's own flags to fl.
func (f *exportFlags) register(fl *pflag.FlagSet) {
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
}

// planExport checks the flags before anything is read: the site's rules
// (payrun.SiteRules over site, the hub's settings; nil for --from-ledger),
// the period and the payroll settings.
func (a *app) planExport(ctx context.Context, cmd *cobra.Command, f exportFlags, site payrun.Settings) (payrun.Plan, error) {
	if f.out == "" {
		return payrun.Plan{}, errors.New("--out is required")
	}
	ws, err := parseWeekday(f.weekStart)
	if err != nil {
		return payrun.Plan{}, err
	}
	rules, err := payrun.SiteRules(ctx, site, payrun.RuleSpec{TZ: f.tz, FallbackTZ: os.Getenv("CLOCKFACE_TZ"), Rules: f.rules,
		WeekStart: ws, Rounding: time.Duration(f.rounding) * time.Minute, DailyOT: f.dailyOT, DoubleTime: f.doubleTime,
		Now: a.Clock.Now()})
	var fe *payrun.FieldError
	switch {
	case errors.Is(err, payrun.ErrNoZone):
		return payrun.Plan{}, errors.New("--tz is required: the site's IANA time zone (e.g. America/Los_Angeles), or set CLOCKFACE_TZ, or on the hub `clockface hub config set tz ZONE`")
	case errors.As(err, &fe):
		return payrun.Plan{}, fmt.Errorf("--%s: %w", fe.Field, fe.Err)
	case err != nil:
		return payrun.Plan{}, err
	}
	from, err := time.ParseInLocation(time.DateOnly, f.from, rules.Location)
	if err != nil {
		return payrun.Plan{}, fmt.Errorf("--from: want YYYY-MM-DD: %w", err)
	}
	to, err := time.ParseInLocation(time.DateOnly, f.to, rules.Location)
	if err != nil {
		return payrun.Plan{}, fmt.Errorf("--to: want YYYY-MM-DD: %w", err)
	}
	period, err := payrun.Days(from, to, rules.Location)
	if err != nil {
		return payrun.Plan{}, fmt.Errorf("--to %s is before --from %s", f.to, f.from)
	}
	cfg, err := exportConfig(cmd, f)
	if err != nil {
		return payrun.Plan{}, err
	}
	id := f.exportID
	if id == "" {
		id = uuid.Must(uuid.NewV7()).String()
	}
	return payrun.Plan{Period: period, Rules: rules, Payroll: cfg, ExportID: id}, nil
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

// exportReader opens an export's source, hands it to f and closes it. The
// book and the settings are nil for --from-ledger (nothing recorded).
type exportReader func(ctx context.Context, f func(payrun.Source, payrun.Book, payrun.Settings) error) error

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

// runExport prepares the pay run (payrun.Prepare: the whole workweeks the
// period needs, the adjustments carried into it), prints what changed
// since the last export, writes the file, records the export and prints
// the result.
func (a *app) runExport(cmd *cobra.Command, f exportFlags, read exportReader) error {
	ctx := cmd.Context()
	return read(ctx, func(src payrun.Source, book payrun.Book, site payrun.Settings) error {
		p, err := a.planExport(ctx, cmd, f, site)
		if err != nil {
			return err
		}
		run, err := payrun.Prepare(ctx, src, book, p)
		if errors.Is(err, payrun.ErrExportExists) {
			return fmt.Errorf("--export-id %s: an export with this id is already recorded", p.ExportID)
		}
		if err != nil {
			return err
		}
		loc := p.Rules.Location
		out := exportOutput{ExportID: p.ExportID, Adjustments: run.Adjustments, CarriedOut: run.CarriedOut}
		for _, c := range run.Changes {
			out.Changes = append(out.Changes, safe(c.String()))
		}
		if !a.JSONOut {
			for _, adj := range out.Adjustments {
				fmt.Fprintf(a.Stdout, "adjustment: %s\n", adjustmentText(adj, loc))
			}
			for _, adj := range out.CarriedOut {
				fmt.Fprintf(a.Stdout, "carried out (not in this file): %s\n", adjustmentText(adj, loc))
			}
			if last := run.Last; run.HasLast {
				if len(out.Changes) == 0 {
					fmt.Fprintf(a.Stdout, "no change since export %s (%s by %s)\n", last.ID, cli.PeopleTime(last.At, loc), safe(last.By))
				} else {
					fmt.Fprintf(a.Stdout, "changed since export %s (%s by %s):\n", last.ID, cli.PeopleTime(last.At, loc), safe(last.By))
					for _, c := range out.Changes {
						fmt.Fprintf(a.Stdout, "  %s\n", c)
					}
				}
			}
		}
		if out.Result, err = payroll.Export(f.out, run.Input(), p.Payroll); err != nil {
			return err
		}
		if book != nil {
			if err := a.recordExport(ctx, book, f, run, out.Result); err != nil {
				return err
			}
		}
		if a.JSONOut {
			return json.NewEncoder(a.Stdout).Encode(out)
		}
		return out.Result.WriteText(a.Stdout)
	})
}

// recordExport stores the export: its bytes as written (read back and
// checked against the SHA-256 the writer computed) and the totals.
func (a *app) recordExport(ctx context.Context, book payrun.Book, f exportFlags, run *payrun.Run, res payroll.Result) error {
	data, err := os.ReadFile(res.File)
	if err != nil {
		return fmt.Errorf("record export: read back %s: %w", res.File, err)
	}
	r := run.Record(actorOr(f.actor), a.Clock.Now(), filepath.Base(res.File), data)
	if r.SHA256 != res.SHA256 {
		return fmt.Errorf("record export: %s changed after it was written (the file was written; it is not in the export record)", res.File)
	}
	if err := book.RecordExport(ctx, r, data); err != nil {
		return fmt.Errorf("%w (the file %s was written; it is not in the export record)", err, res.File)
	}
	return nil
}

// withLedgerReads runs f on this kiosk's own ledger (export --from-ledger):
// nothing is recorded.
func (a *app) withLedgerReads(ctx context.Context, f func(payrun.Source, payrun.Book, payrun.Settings) error) error {
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	return f(ledgerReads{l}, nil, nil)
}

// ledgerReads gives the ledger the pay run's reads.
type ledgerReads struct{ l *ledger.Ledger }

// PunchesBetween returns the ledger's punches with effective time in
// [from, to).
func (r ledgerReads) PunchesBetween(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	return r.l.Punches(ctx, from, to)
}

func (r ledgerReads) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return r.l.Employees(ctx)
}
