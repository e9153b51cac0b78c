package hubcmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/attendance"
	"clockface/cmd/clockface/internal/cli"
	"clockface/payrun"
	"clockface/sync/hub"
)

// The hub's site commands: `hub config`, `hub employee`, `hub audit`,
// `hub period`, `hub punch` and `hub export list|get`. Each edit is audited
// in the hub's own hash-chained log with --actor (default: the OS user).

// siteRules are the rule set (flag if given, then the hub's `rules`
// setting, then flsa) in the site's zone (flag, then the hub's `hub config
// set tz`, then $CLOCKFACE_TZ; the machine's zone is never used), Now from
// the app's clock: payrun.SiteRules, with the CLI's messages.
func (a *app) siteRules(ctx context.Context, st payrun.Settings, tzFlag, rulesFlag string) (attendance.Rules, error) {
	env := os.Getenv("CLOCKFACE_TZ")
	r, err := payrun.SiteRules(ctx, st, payrun.RuleSpec{TZ: tzFlag, FallbackTZ: env, Rules: rulesFlag, Now: a.Clock.Now()})
	var fe *payrun.FieldError
	switch {
	case errors.Is(err, payrun.ErrNoZone):
		return r, errors.New("no site time zone: run `clockface hub config set tz ZONE` (e.g. America/Los_Angeles), or give --tz or CLOCKFACE_TZ")
	case errors.As(err, &fe) && fe.Field == "rules":
		return r, fmt.Errorf("--rules: %w", fe.Err)
	case errors.As(err, &fe):
		return r, fmt.Errorf("time zone %q: %w", cmp.Or(tzFlag, env), fe.Err)
	}
	return r, err
}

func actorFlag(c *cobra.Command, v *string) {
	c.Flags().StringVar(v, "actor", "", "who makes the change, for the hub audit log (default: the OS user)")
}

func actorOr(v string) string {
	if v != "" {
		return v
	}
	return cli.Actor()
}

func (a *app) hubConfigCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Site settings: the time zone (tz) and the overtime rule set (rules)"}
	var who string
	set := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Set a site setting: tz (IANA zone, e.g. America/Los_Angeles) or rules (" + strings.Join(attendance.RuleSets(), ", ") + ")",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				if err := st.SetSetting(cmd.Context(), args[0], args[1], actorOr(who), a.Clock.Now()); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "%s = %s\n", args[0], args[1])
				return nil
			})
		},
	}
	addDB(set)
	actorFlag(set, &who)
	list := &cobra.Command{
		Use:   "list",
		Short: "Print the site settings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				all, err := st.AllSettings(cmd.Context())
				if err != nil {
					return err
				}
				if a.JSONOut {
					return json.NewEncoder(a.Stdout).Encode(all)
				}
				for _, k := range hub.SettingKeys() {
					v, ok := all[k]
					if !ok {
						v = "(not set)"
					}
					fmt.Fprintf(a.Stdout, "%s = %s\n", k, v)
				}
				return nil
			})
		},
	}
	addDB(list)
	a.JSONFlag(list)
	c.AddCommand(set, list)
	return c
}

func (a *app) hubAuditCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "audit", Short: "The hub's own audit log (edits made on the hub)"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the hub audit log's hash chain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				n, err := st.VerifyAudit(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "hub audit log intact: %d entries\n", n)
				return nil
			})
		},
	}
	addDB(verify)
	list := &cobra.Command{
		Use:   "list",
		Short: "Print the hub audit log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				es, err := st.Audit(cmd.Context())
				if err != nil {
					return err
				}
				if a.JSONOut {
					return json.NewEncoder(a.Stdout).Encode(es)
				}
				tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SEQ\tAT\tACTOR\tACTION\tSUBJECT\tDETAIL")
				for _, e := range es {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Format(time.RFC3339), e.Actor, e.Action, e.Subject, e.Detail)
				}
				return tw.Flush()
			})
		},
	}
	addDB(list)
	a.JSONFlag(list)
	c.AddCommand(verify, list)
	return c
}

// employeeFlags maps `hub employee set` flags to directory fields.
var employeeFlags = []struct{ flag, field, help string }{
	{"first", hub.FieldFirstName, "first name (Gusto)"},
	{"last", hub.FieldLastName, "last name (Gusto)"},
	{"adp-file", hub.FieldADP, "ADP File # (6 digits)"},
	{"paychex-id", hub.FieldPaychex, "Paychex Worker ID (up to 10 letters or digits)"},
	{"gusto-id", hub.FieldGusto, "Gusto employee id"},
	{"qb-name", hub.FieldQB, "QuickBooks employee name, exactly as in the company file"},
}

// employeeRow is one line of `hub employee list`.
type employeeRow struct {
	Number    string               `json:"number"`
	Name      string               `json:"name"`
	Status    string               `json:"status"`
	FirstName string               `json:"first_name"`
	LastName  string               `json:"last_name"`
	Payroll   clockface.PayrollIDs `json:"payroll"`
}

func (a *app) hubEmployeeCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "employee", Short: "The hub's employee directory: payroll identities, site and department, terminate or restrict"}
	var who string
	vals := make([]string, len(employeeFlags))
	set := &cobra.Command{
		Use:   "set NUMBER",
		Short: "Set names and payroll ids on the hub (they win over kiosk uploads; an empty value clears)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fields := map[string]string{}
			for i, f := range employeeFlags {
				if cmd.Flags().Changed(f.flag) {
					fields[f.field] = vals[i]
				}
			}
			if len(fields) == 0 {
				return errors.New("nothing to set: give --first, --last, --adp-file, --paychex-id, --gusto-id or --qb-name")
			}
			return open.with(cmd.Context(), func(st *hub.DB) error {
				e, err := st.SetEmployeeFields(cmd.Context(), args[0], fields, actorOr(who), a.Clock.Now())
				if err != nil {
					return err
				}
				return a.printEmployees([]clockface.Employee{e})
			})
		},
	}
	for i, f := range employeeFlags {
		set.Flags().StringVar(&vals[i], f.flag, "", f.help)
	}
	addDB(set)
	actorFlag(set, &who)
	a.JSONFlag(set)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the hub's directory with names and payroll ids",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				es, err := st.Employees(cmd.Context())
				if err != nil {
					return err
				}
				return a.printEmployees(es)
			})
		},
	}
	addDB(list)
	a.JSONFlag(list)
	c.AddCommand(set, list, a.placeCmd(addDB, open))
	c.AddCommand(a.statusCmds(addDB, open)...)
	return c
}

func (a *app) printEmployees(es []clockface.Employee) error {
	rows := make([]employeeRow, len(es))
	for i, e := range es {
		rows[i] = employeeRow{e.Number, e.Name, string(e.Status), e.FirstName, e.LastName, e.Payroll}
	}
	if a.JSONOut {
		return json.NewEncoder(a.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tNAME\tSTATUS\tFIRST\tLAST\tADP FILE #\tPAYCHEX ID\tGUSTO ID\tQUICKBOOKS NAME")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safe(r.Number), safe(r.Name), r.Status, safe(r.FirstName), safe(r.LastName),
			safe(r.Payroll.ADPFileNumber), safe(r.Payroll.PaychexWorkerID), safe(r.Payroll.GustoID), safe(r.Payroll.QuickBooksName))
	}
	return tw.Flush()
}

// safe keeps a directory value from breaking a terminal table.
func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

func (a *app) hubPeriodCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "period", Short: "Approve employees' periods, lock periods, list both"}
	var f periodFlags
	approve := &cobra.Command{
		Use:   "approve EMPLOYEE",
		Short: "Record that you accepted EMPLOYEE's timesheet for --from to --to (an edit in it withdraws the approval)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.inPeriod(cmd.Context(), open, f, func(st *hub.DB, p attendance.Period) error {
				if err := st.Approve(cmd.Context(), attendance.Approval{Employee: args[0], Period: p, Approver: actorOr(f.who), At: a.Clock.Now()}); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "approved %s for %s\n", args[0], p)
				return nil
			})
		},
	}
	lock := &cobra.Command{
		Use:   "lock",
		Short: "Lock --from to --to: punches in it can no longer be added, corrected or voided (except with --adjust)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.inPeriod(cmd.Context(), open, f, func(st *hub.DB, p attendance.Period) error {
				if err := st.Lock(cmd.Context(), attendance.Lock{Period: p, By: actorOr(f.who), At: a.Clock.Now()}); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "locked %s\n", p)
				return nil
			})
		},
	}
	for _, cc := range []*cobra.Command{approve, lock} {
		f.register(cc)
		addDB(cc)
	}
	c.AddCommand(approve, lock, a.hubPeriodListCmd(addDB, open))
	return c
}

// periodFlags are `hub period approve|lock`'s flags.
type periodFlags struct{ from, to, tz, who string }

func (f *periodFlags) register(cc *cobra.Command) {
	cc.Flags().StringVar(&f.from, "from", "", "first day, YYYY-MM-DD (in the site's zone)")
	cc.Flags().StringVar(&f.to, "to", "", "last day (inclusive), YYYY-MM-DD")
	cc.Flags().StringVar(&f.tz, "tz", "", "the site's zone (default: hub config tz, then CLOCKFACE_TZ)")
	actorFlag(cc, &f.who)
}

// inPeriod runs do with the open hub store and the period --from to --to
// in the site's zone.
func (a *app) inPeriod(ctx context.Context, open storeOpener, f periodFlags, do func(*hub.DB, attendance.Period) error) error {
	return open.with(ctx, func(st *hub.DB) error {
		r, err := a.siteRules(ctx, st, f.tz, "")
		if err != nil {
			return err
		}
		p, err := attendance.ParsePeriod(f.from, f.to, r.Location)
		if err != nil {
			return err
		}
		return do(st, p)
	})
}

// hubPeriodListCmd is `hub period list`.
func (a *app) hubPeriodListCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var tz string
	list := &cobra.Command{
		Use:   "list",
		Short: "List locked periods and approvals",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error { return a.listPeriods(cmd.Context(), st, tz) })
		},
	}
	list.Flags().StringVar(&tz, "tz", "", "the site's zone for dates (default: hub config tz, then CLOCKFACE_TZ)")
	addDB(list)
	a.JSONFlag(list)
	return list
}

// periodRow is one line of `hub period list`.
type periodRow struct {
	What     string    `json:"what"` // "lock" or "approval"
	From     string    `json:"from"`
	To       string    `json:"to"` // inclusive
	Employee string    `json:"employee,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

func (a *app) listPeriods(ctx context.Context, st *hub.DB, tz string) error {
	r, err := a.siteRules(ctx, st, tz, "")
	if err != nil {
		return err
	}
	locks, err := st.Locks(ctx)
	if err != nil {
		return err
	}
	approvals, err := st.Approvals(ctx)
	if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(r.Location).Format(time.DateOnly) }
	last := func(t time.Time) string { return t.In(r.Location).AddDate(0, 0, -1).Format(time.DateOnly) }
	var rows []periodRow
	for _, l := range locks {
		rows = append(rows, periodRow{"lock", day(l.Period.From), last(l.Period.To), "", l.By, l.At})
	}
	for _, ap := range approvals {
		rows = append(rows, periodRow{"approval", day(ap.Period.From), last(ap.Period.To), ap.Employee, ap.Approver, ap.At})
	}
	slices.SortStableFunc(rows, func(x, y periodRow) int { return strings.Compare(x.From, y.From) })
	if a.JSONOut {
		return json.NewEncoder(a.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tFROM\tTO\tEMPLOYEE\tBY\tAT")
	for _, p := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.What, p.From, p.To, safe(p.Employee), safe(p.By), cli.PeopleTime(p.At, r.Location))
	}
	return tw.Flush()
}
