package hubcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/attendance"
	"clockface/cmd/clockface/internal/cli"
	"clockface/internal/atomicfile"
	"clockface/payrun"
	"clockface/sync/hub"
)

// hubPunchCmd is `hub punch add|correct|void`: an admin's repairs of
// punches on the hub, with a reason, audited, originals kept. An edit at a
// time inside a locked period is refused unless --adjust, which carries
// the change into the next open period's export.
func (a *app) hubPunchCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "punch", Short: "Repair punches on the hub: add a missed one, correct time or kind, void"}
	e := &punchEditor{app: a, open: open}
	add, correct, void := e.addCmd(), e.correctCmd(), e.voidCmd()
	for _, cc := range []*cobra.Command{add, correct} {
		cc.Flags().StringVar(&e.at, "at", "", `time: RFC 3339, or "2026-03-02 08:00" in the site's zone`)
		cc.Flags().StringVar(&e.kind, "kind", "", "in, out, break-start or break-end")
	}
	for _, cc := range []*cobra.Command{add, correct, void} {
		e.register(cc)
		addDB(cc)
	}
	c.AddCommand(add, correct, void)
	return c
}

// punchEditor holds `hub punch add|correct|void`'s flags and runs them.
type punchEditor struct {
	*app
	open                             storeOpener
	at, kind, reason, who, tz, rules string
	adjust                           bool
}

// register adds the flags every punch edit takes.
func (e *punchEditor) register(cc *cobra.Command) {
	cc.Flags().StringVar(&e.reason, "reason", "", "why (required; kept in the audit log)")
	cc.Flags().BoolVar(&e.adjust, "adjust", false, "inside a locked period: apply it and pay the difference in the next open period")
	cc.Flags().StringVar(&e.tz, "tz", "", "the site's zone for local times (default: hub config tz, then CLOCKFACE_TZ)")
	cc.Flags().StringVar(&e.rules, "rules", "", "rule set for --adjust's hours (default: hub config rules, then flsa)")
	actorFlag(cc, &e.who)
	e.JSONFlag(cc)
}

// editFunc makes one edit on the open store, with local times in loc.
type editFunc func(ctx context.Context, st *hub.DB, loc *time.Location, pe hub.PunchEdit) (hub.EditResult, error)

// run opens the store, builds the edit and prints the result.
func (e *punchEditor) run(cmd *cobra.Command, do editFunc) error {
	ctx := cmd.Context()
	return e.open.with(ctx, func(st *hub.DB) error {
		r, err := e.siteRules(ctx, st, e.tz, e.rules)
		if err != nil {
			return err
		}
		pe := hub.PunchEdit{Actor: actorOr(e.who), Reason: e.reason, Now: e.Clock.Now(), Adjust: e.adjust, Rules: r}
		res, err := do(ctx, st, r.Location, pe)
		if errors.Is(err, attendance.ErrLocked) {
			return fmt.Errorf("%w (nothing changed; give --adjust to carry it into the next open period)", err)
		}
		if err != nil {
			return err
		}
		return e.printEdit(res, r.Location)
	})
}

func (e *punchEditor) addCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add EMPLOYEE",
		Short: "Add a missed punch: --at TIME --kind in|out|break-start|break-end --reason TEXT",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.at == "" || e.kind == "" {
				return errors.New("--at and --kind are required")
			}
			kind, err := cli.ParseKind(e.kind)
			if err != nil {
				return err
			}
			return e.run(cmd, func(ctx context.Context, st *hub.DB, loc *time.Location, pe hub.PunchEdit) (hub.EditResult, error) {
				t, err := attendance.ParseSiteTime(e.at, loc)
				if err != nil {
					return hub.EditResult{}, err
				}
				return st.AddPunch(ctx, args[0], kind, t, pe)
			})
		},
	}
}

func (e *punchEditor) correctCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "correct PUNCH-ID",
		Short: "Correct a punch's time (--at) and/or kind (--kind); the original is kept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch hub.PunchChange
			if e.kind != "" {
				k, err := cli.ParseKind(e.kind)
				if err != nil {
					return err
				}
				ch.Kind = k
			}
			return e.run(cmd, func(ctx context.Context, st *hub.DB, loc *time.Location, pe hub.PunchEdit) (hub.EditResult, error) {
				if e.at != "" {
					t, err := attendance.ParseSiteTime(e.at, loc)
					if err != nil {
						return hub.EditResult{}, err
					}
					ch.At = &t
				}
				return st.CorrectPunch(ctx, args[0], ch, pe)
			})
		},
	}
}

func (e *punchEditor) voidCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "void PUNCH-ID",
		Short: "Take a punch out of timesheets (the row and the audit trail stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.run(cmd, func(ctx context.Context, st *hub.DB, _ *time.Location, pe hub.PunchEdit) (hub.EditResult, error) {
				return st.VoidPunch(ctx, args[0], pe)
			})
		},
	}
}

// EditOutput is what a punch edit prints with --json.
type EditOutput struct {
	Punch       clockface.Punch         `json:"punch"`
	Adjustments []attendance.Adjustment `json:"adjustments,omitempty"`
	Unapproved  []attendance.Approval   `json:"unapproved,omitempty"`
}

func (a *app) printEdit(res hub.EditResult, loc *time.Location) error {
	if a.JSONOut {
		return json.NewEncoder(a.Stdout).Encode(EditOutput{res.Punch, res.Adjustments, res.Unapproved})
	}
	p := res.Punch
	state := ""
	if p.Voided != nil {
		state = " (voided)"
	}
	fmt.Fprintf(a.Stdout, "punch %s: %s %s at %s%s\n", p.ID, safe(p.EmployeeNumber), p.Kind, cli.PeopleTime(p.Time(), loc), state)
	for _, adj := range res.Adjustments {
		fmt.Fprintf(a.Stdout, "adjustment: %s\n", adjustmentText(adj, loc))
	}
	for _, ap := range res.Unapproved {
		fmt.Fprintf(a.Stdout, "approval withdrawn: %s for %s (approved by %s)\n", ap.Employee, periodIn(ap.Period, loc), ap.Approver)
	}
	return nil
}

func periodIn(p attendance.Period, loc *time.Location) attendance.Period {
	return attendance.Period{From: p.From.In(loc), To: p.To.In(loc)}
}

func adjustmentText(adj attendance.Adjustment, loc *time.Location) string {
	d := adj.Delta
	return fmt.Sprintf("%s regular %s, overtime %s, double %s for locked %s, paid in %s (%s: %s)", safe(adj.Employee),
		signedHours(d.Regular), signedHours(d.Overtime), signedHours(d.Double), periodIn(adj.Locked, loc), periodIn(adj.Into, loc),
		safe(adj.By), safe(adj.Reason))
}

func signedHours(d time.Duration) string {
	s := fmt.Sprintf("%.2f", d.Hours())
	if d > 0 {
		s = "+" + s
	}
	return s
}

// hubExportCmd is `hub export list` and `hub export get ID --out FILE`
// (the recorded bytes, exactly, checked against their SHA-256 first).
func (a *app) hubExportCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "export", Short: "Recorded payroll exports: list them, download one again"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List recorded exports, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				rs, err := st.Exports(cmd.Context())
				if err != nil {
					return err
				}
				if a.JSONOut {
					return json.NewEncoder(a.Stdout).Encode(rs)
				}
				tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EXPORT\tAT\tBY\tFROM\tTO\tFORMAT\tRULES\tFILE\tSHA-256")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.At.Format(time.RFC3339), safe(r.By),
						r.Period.From.Format(time.RFC3339), r.Period.To.Format(time.RFC3339), r.Format, r.Rules, safe(r.FileName), r.SHA256)
				}
				return tw.Flush()
			})
		},
	}
	addDB(list)
	a.JSONFlag(list)
	var out string
	get := &cobra.Command{
		Use:   "get EXPORT-ID",
		Short: "Write a recorded export's file again, byte for byte, to --out",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			return open.with(cmd.Context(), func(st *hub.DB) error {
				r, data, err := payrun.Download(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				path := atomicfile.Target(out, r.FileName)
				if err := atomicfile.WriteRegular(path, data, 0o640); err != nil {
					return fmt.Errorf("write %s: %w", path, err)
				}
				fmt.Fprintf(a.Stdout, "wrote %s (%s, %d bytes, sha256 %s)\n", path, r.Format, len(data), r.SHA256)
				return nil
			})
		},
	}
	get.Flags().StringVar(&out, "out", "", "file or folder to write (a symlink or device is refused)")
	addDB(get)
	c.AddCommand(list, get)
	return c
}
