package ledgercmd

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/attendance"
	"clockface/cmd/clockface/internal/cli"
	"clockface/internal/termsafe"
	"clockface/ledger"
)

// Commands are employee, punch, dsar, erase, audit, purge, key and hr-pin.
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	return []*cobra.Command{a.employeeCmd(), a.punchCmd(), a.dsarCmd(), a.eraseCmd(), a.auditCmd(), a.purgeCmd(), a.keyCmd(), a.hrPINCmd()}
}

func (a *app) employeeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "employee", Short: "Add, list, show, terminate and restrict employees"}
	simple := func(use, short, done string, f func(context.Context, *ledger.Ledger, string) error) *cobra.Command {
		c := &cobra.Command{
			Use:   use + " NUMBER",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
					if err := f(cmd.Context(), l, args[0]); err != nil {
						return err
					}
					fmt.Fprintf(a.Stdout, "%s %s\n", done, args[0])
					return nil
				})
			},
		}
		a.LedgerFlags(c)
		return c
	}
	terminate := simple("terminate", "Terminate an employee (their templates are deleted)", "terminated",
		func(ctx context.Context, l *ledger.Ledger, n string) error { return l.Terminate(ctx, n, cli.Actor()) })
	restrict := simple("restrict", "Restrict an employee to PIN/badge: face matching skips them", "restricted",
		func(ctx context.Context, l *ledger.Ledger, n string) error {
			return l.Restrict(ctx, n, true, cli.Actor())
		})
	unrestrict := simple("unrestrict", "Lift a restriction to PIN/badge", "unrestricted",
		func(ctx context.Context, l *ledger.Ledger, n string) error {
			return l.Restrict(ctx, n, false, cli.Actor())
		})
	cmd.AddCommand(a.employeeAddCmd(), a.employeeSetCmd(), a.employeeListCmd(), a.employeeShowCmd(), terminate, restrict, unrestrict)
	return cmd
}

// employeeAddCmd is `employee add NUMBER`.
func (a *app) employeeAddCmd() *cobra.Command {
	var e clockface.Employee
	var pinFile string
	add := &cobra.Command{
		Use:   "add NUMBER",
		Short: "Add an employee; the PIN is prompted for, or read from stdin (an empty line: no PIN) or --pin-file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e.Number = args[0]
			pin, err := a.NewPIN(pinFile, "PIN (empty for none): ")
			if err != nil {
				return err
			}
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				got, err := l.AddEmployee(cmd.Context(), e, pin)
				if err != nil {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(got)
				}
				fmt.Fprintf(a.Stdout, "added %s (%s)\n", termsafe.String(got.Number), termsafe.String(got.Name))
				return nil
			})
		},
	}
	add.Flags().StringVar(&e.Name, "name", "", "display name (required)")
	add.Flags().StringVar(&e.FirstName, "first", "", "first name, for payroll files")
	add.Flags().StringVar(&e.LastName, "last", "", "last name, for payroll files")
	add.Flags().StringVar(&e.Payroll.ADPFileNumber, "adp-file", "", "ADP file number")
	add.Flags().StringVar(&e.Payroll.PaychexWorkerID, "paychex-id", "", "Paychex worker id")
	add.Flags().StringVar(&e.Payroll.GustoID, "gusto-id", "", "Gusto employee id")
	add.Flags().StringVar(&e.Payroll.QuickBooksName, "qb-name", "", "QuickBooks employee name")
	add.Flags().StringVar(&e.BadgeID, "badge", "", "badge id")
	add.Flags().StringVar(&e.Locale, "locale", "", "language for notices, e.g. en or es")
	add.Flags().BoolVar(&e.RestrictedToPIN, "restricted", false, "PIN/badge only: never matched by face")
	add.Flags().StringVar(&pinFile, "pin-file", "", "read the PIN from the first line of this file instead of stdin")
	add.MarkFlagRequired("name")
	a.LedgerFlags(add)
	a.JSONFlag(add)

	return add
}

// employeeSetCmd is `employee set NUMBER`: edit the name, first and last
// name and payroll ids; only the flags given change (an empty value clears
// one). Audited with the names of the changed fields.
func (a *app) employeeSetCmd() *cobra.Command {
	vals := map[string]*string{}
	set := &cobra.Command{
		Use:   "set NUMBER",
		Short: "Edit an employee's name, first and last name and payroll ids (only the flags given change)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pick := func(name string) *string {
				if cmd.Flags().Changed(name) {
					return vals[name]
				}
				return nil
			}
			c := ledger.EmployeeChange{Name: pick("name"), FirstName: pick("first"), LastName: pick("last"),
				ADPFileNumber: pick("adp-file"), PaychexWorkerID: pick("paychex-id"), GustoID: pick("gusto-id"), QuickBooksName: pick("qb-name")}
			if c == (ledger.EmployeeChange{}) {
				return errors.New("employee set: nothing to set: give --name, --first, --last, --adp-file, --paychex-id, --gusto-id or --qb-name")
			}
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				e, err := l.UpdateEmployee(cmd.Context(), args[0], c, cli.Actor())
				if err != nil {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(e)
				}
				fmt.Fprintf(a.Stdout, "updated %s (%s)\n", e.Number, e.Name)
				return nil
			})
		},
	}
	for _, f := range [][2]string{{"name", "display name"}, {"first", "first name"}, {"last", "last name"},
		{"adp-file", "ADP file number"}, {"paychex-id", "Paychex worker id"}, {"gusto-id", "Gusto employee id"},
		{"qb-name", "QuickBooks employee name"}} {
		vals[f[0]] = set.Flags().String(f[0], "", f[1]+" (empty clears it)")
	}
	a.LedgerFlags(set)
	a.JSONFlag(set)
	return set
}

// employeeListCmd is `employee list`.
func (a *app) employeeListCmd() *cobra.Command {
	list := &cobra.Command{
		Use:   "list",
		Short: "List employees",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				es, err := l.Employees(cmd.Context())
				if err != nil {
					return err
				}
				if a.JSONOut {
					if es == nil {
						es = []clockface.Employee{}
					}
					return a.PrintJSON(es)
				}
				tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NUMBER\tNAME\tSTATUS\tFACE\tRESTRICTED")
				for _, e := range es {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", termsafe.String(e.Number), termsafe.String(e.Name), e.Status, e.HasFace, e.RestrictedToPIN)
				}
				return tw.Flush()
			})
		},
	}
	a.LedgerFlags(list)
	a.JSONFlag(list)
	return list
}

// employeeShowCmd is `employee show NUMBER`.
func (a *app) employeeShowCmd() *cobra.Command {
	show := &cobra.Command{
		Use:   "show NUMBER",
		Short: "Show an employee, their consent and their next punch",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc, err := a.Location()
			if err != nil {
				return err
			}
			return a.WithLedger(ctx, func(l *ledger.Ledger) error {
				e, err := l.Employee(ctx, args[0])
				if err != nil {
					return err
				}
				next, err := l.NextKind(ctx, e.Number)
				if err != nil {
					return err
				}
				st, err := l.State(ctx, e.Number)
				if err != nil {
					return err
				}
				var live *clockface.Consent
				if c, err := l.LiveConsent(ctx, e.Number); err == nil {
					live = &c
				} else if !errors.Is(err, clockface.ErrNoConsent) {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(struct {
						clockface.Employee
						Consent  *clockface.Consent  `json:"consent,omitempty"`
						State    clockface.PunchKind `json:"state"`
						Since    *time.Time          `json:"since,omitempty"`
						NextKind clockface.PunchKind `json:"next_kind"`
					}{e, live, st.Kind, sinceOf(st), next})
				}
				fmt.Fprintf(a.Stdout, "number:     %s\nname:       %s\nfirst name: %s\nlast name:  %s\n",
					termsafe.String(e.Number), termsafe.String(e.Name), termsafe.String(e.FirstName), termsafe.String(e.LastName))
				fmt.Fprintf(a.Stdout, "adp file:   %s\npaychex id: %s\ngusto id:   %s\nqb name:    %s\n",
					termsafe.String(e.Payroll.ADPFileNumber), termsafe.String(e.Payroll.PaychexWorkerID), termsafe.String(e.Payroll.GustoID), termsafe.String(e.Payroll.QuickBooksName))
				fmt.Fprintf(a.Stdout, "status:     %s\nface:       %v\nrestricted: %v\nstate:      %s\nnext punch: %s\n",
					e.Status, e.HasFace, e.RestrictedToPIN, st.Text(loc), next)
				if live != nil {
					fmt.Fprintf(a.Stdout, "consent:    %s (%s) signed %s\n", live.TextVersion, live.Locale, cli.PeopleTime(live.SignedAt, loc))
				} else {
					fmt.Fprintln(a.Stdout, "consent:    none")
				}
				return nil
			})
		},
	}
	a.LedgerFlags(show)
	a.JSONFlag(show)
	a.TZFlag(show)
	return show
}

func (a *app) punchCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "punch EMPLOYEE",
		Short: "Punch by PIN (read from stdin); --kind chooses in, out, break-start or break-end",
		Long: `Punch by PIN, for scripts, tests and kiosks without a camera. The PIN is the
first line of stdin (or prompted for on a terminal). --kind is what the
person chose; without it the punch takes the likely next kind from their
state (in when out; out when working; break-end on a break). A kind that
contradicts the state is recorded and flagged. Within the debounce window
the same kind again (or no --kind) prints the earlier punch and stores
nothing; a different kind chosen on purpose is a new punch. Times print in
the site zone (--tz, CLOCKFACE_TZ, the zone the hub gave at pairing, else
UTC).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc, err := a.Location()
			if err != nil {
				return err
			}
			var k clockface.PunchKind
			if kind != "" {
				if k, err = cli.ParseKind(kind); err != nil {
					return fmt.Errorf("punch: %w", err)
				}
			}
			pin, err := a.ReadPIN("PIN: ", false)
			if err != nil {
				return err
			}
			return a.WithLedger(ctx, func(l *ledger.Ledger) error {
				if err := l.CheckPIN(ctx, args[0], pin); err != nil {
					return err
				}
				res, err := l.Record(ctx, clockface.PunchRequest{Employee: args[0], Method: clockface.MethodPIN, Kind: k})
				if err != nil {
					return err
				}
				return a.printPunchResult(res, loc)
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "in, out, break-start or break-end (default: the likely next kind)")
	a.LedgerFlags(cmd)
	a.JSONFlag(cmd)
	a.TZFlag(cmd)
	cmd.AddCommand(a.punchAddCmd(), a.punchCorrectCmd(), a.punchVoidCmd())
	return cmd
}

// printPunchResult prints a punch result: JSON (the punch, with created and
// flag), or "E1 clocked in at 08:33 (America/Los_Angeles) on 2026-03-02".
func (a *app) printPunchResult(res clockface.PunchResult, loc *time.Location) error {
	p := res.Punch
	if a.JSONOut {
		return a.PrintJSON(struct {
			clockface.Punch
			Created bool   `json:"created"`
			Flag    string `json:"flag,omitempty"`
		}{p, res.Created, res.Flag})
	}
	note := ""
	if !res.Created {
		note = " (already recorded)"
	}
	if res.Flag != "" {
		note += "; flagged " + res.Flag + ": check it"
	}
	t := p.Time().In(loc)
	fmt.Fprintf(a.Stdout, "%s %s at %s (%s) on %s, punch %s%s\n", termsafe.String(p.EmployeeNumber), p.Kind.Verb(), t.Format("15:04"), loc, t.Format("2006-01-02"), termsafe.String(p.ID), note)
	return nil
}

func sinceOf(st attendance.Status) *time.Time {
	if st.Since.IsZero() {
		return nil
	}
	return &st.Since
}

// punchAddCmd is `punch add EMPLOYEE`.
func (a *app) punchAddCmd() *cobra.Command {
	var at, kind, reason string
	add := &cobra.Command{
		Use:   "add EMPLOYEE",
		Short: "Add a missed punch for an employee (method admin; who and why are audited)",
		Long: `Add a punch an employee missed. --at is RFC 3339 or a local time such as
"2026-03-02 08:00" in the site zone; more than 24 h ahead is refused. The
punch is recorded with method admin, audited with who added it and why, and
sent to the hub. A kind that contradicts the employee's state at that time
is added and flagged.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := a.Location()
			if err != nil {
				return err
			}
			t, err := attendance.ParseSiteTime(at, loc)
			if err != nil {
				return fmt.Errorf("punch add: --at %w", err)
			}
			k, err := cli.ParseKind(kind)
			if err != nil {
				return fmt.Errorf("punch add: %w", err)
			}
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				res, err := l.AddPunch(cmd.Context(), args[0], k, t, cli.Actor(), reason)
				if err != nil {
					return err
				}
				return a.printPunchResult(res, loc)
			})
		},
	}
	add.Flags().StringVar(&at, "at", "", "when: RFC 3339, or local time in the site zone, e.g. \"2026-03-02 08:00\" (required)")
	add.Flags().StringVar(&kind, "kind", "", "in, out, break-start or break-end (required)")
	add.Flags().StringVar(&reason, "reason", "", "why (required)")
	add.MarkFlagRequired("at")
	add.MarkFlagRequired("kind")
	add.MarkFlagRequired("reason")
	a.LedgerFlags(add)
	a.JSONFlag(add)
	a.TZFlag(add)
	return add
}

// punchCorrectCmd is `punch correct PUNCH`.
func (a *app) punchCorrectCmd() *cobra.Command {
	var at, oldAt, kind, reason string
	correct := &cobra.Command{
		Use:   "correct PUNCH",
		Short: "Correct a punch's time or kind; the original and who, when and why are kept",
		Long: `Correct a punch's time (--at, or --time as before), its kind (--kind), or
both. A time is RFC 3339 or a local time such as "2026-03-02 08:00" in the
site zone. The original kiosk time and kind are kept, with every
correction's who, when and why, and the correction goes to the hub.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := a.Location()
			if err != nil {
				return err
			}
			c, err := punchChange(at, oldAt, kind, loc)
			if err != nil {
				return err
			}
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				old, err := l.GetPunch(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				p, err := l.Correct(cmd.Context(), args[0], c, cli.Actor(), reason)
				if err != nil {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(p)
				}
				fmt.Fprintf(a.Stdout, "punch %s: %s %s → %s %s\n", termsafe.String(p.ID), old.Kind, cli.PeopleTime(old.Time(), loc), p.Kind, cli.PeopleTime(p.Time(), loc))
				return nil
			})
		},
	}
	correct.Flags().StringVar(&at, "at", "", "the right time: RFC 3339, or local time in the site zone")
	correct.Flags().StringVar(&oldAt, "time", "", "the same as --at")
	correct.Flags().StringVar(&kind, "kind", "", "the right kind: in, out, break-start or break-end")
	correct.Flags().StringVar(&reason, "reason", "", "why (required)")
	correct.MarkFlagRequired("reason")
	a.LedgerFlags(correct)
	a.JSONFlag(correct)
	a.TZFlag(correct)

	return correct
}

// punchChange is punch correct's --at (or --time) and --kind.
func punchChange(at, oldAt, kind string, loc *time.Location) (ledger.PunchChange, error) {
	var c ledger.PunchChange
	if at != "" && oldAt != "" && at != oldAt {
		return c, errors.New("punch correct: --at and --time differ: give one")
	}
	if at == "" {
		at = oldAt
	}
	var err error
	if at != "" {
		if c.At, err = attendance.ParseSiteTime(at, loc); err != nil {
			return c, fmt.Errorf("punch correct: --at %w", err)
		}
	}
	if kind != "" {
		if c.Kind, err = cli.ParseKind(kind); err != nil {
			return c, fmt.Errorf("punch correct: %w", err)
		}
	}
	if c == (ledger.PunchChange{}) {
		return c, errors.New("punch correct: nothing to correct: give --at, --kind or both")
	}
	return c, nil
}

// punchVoidCmd is `punch void PUNCH`.
func (a *app) punchVoidCmd() *cobra.Command {
	var voidReason string
	void := &cobra.Command{
		Use:   "void PUNCH",
		Short: "Take a punch out of timesheets (the row stays, with who, when and why)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.VoidPunch(cmd.Context(), args[0], cli.Actor(), voidReason); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "voided punch %s\n", args[0])
				return nil
			})
		},
	}
	void.Flags().StringVar(&voidReason, "reason", "", "why (required)")
	void.MarkFlagRequired("reason")
	a.LedgerFlags(void)
	return void
}

func (a *app) dsarCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dsar", Short: "Data-subject requests"}
	var out string
	export := &cobra.Command{
		Use:   "export EMPLOYEE",
		Short: "Write everything held about one employee to a zip file (JSON, images, manifest)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.ExportDSARAs(cmd.Context(), args[0], out, cli.Actor()); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "wrote %s\n", out)
				return nil
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "zip file to write (required)")
	export.MarkFlagRequired("out")
	a.LedgerFlags(export)
	cmd.AddCommand(export)
	return cmd
}

func (a *app) eraseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "erase EMPLOYEE",
		Short: "Erase an employee's biometrics and images (templates, snapshots, data key); punches stay",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.WithLedger(ctx, func(l *ledger.Ledger) error {
				r, err := l.EraseAndClear(ctx, args[0], cli.Actor())
				if err != nil {
					return err
				}
				if !r.BytesCleared {
					return fmt.Errorf("erased %s (committed), but another program kept the ledger open for %s: the deleted bytes stay in the file until it closes; run `clockface purge` then", args[0], ledger.DefaultEraseWait)
				}
				fmt.Fprintf(a.Stdout, "erased biometrics and images of %s; no copy left in the file\n", args[0])
				return nil
			})
		},
	}
	a.LedgerFlags(cmd)
	return cmd
}

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The hash-chained audit log"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Walk the audit chain and name the first broken entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.WithLedger(ctx, func(l *ledger.Ledger) error {
				if err := l.VerifyAudit(ctx); err != nil {
					return err
				}
				seq, hash, err := l.AuditHead(ctx)
				if err != nil {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(map[string]any{"ok": true, "entries": seq, "head": hash})
				}
				fmt.Fprintf(a.Stdout, "audit chain ok: %d entries, head %s\n", seq, hash)
				return nil
			})
		},
	}
	a.LedgerFlags(verify)
	a.JSONFlag(verify)
	cmd.AddCommand(verify)
	return cmd
}

func (a *app) purgeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Apply the retention rules now (opening the ledger also does)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.WithLedger(ctx, func(l *ledger.Ledger) error {
				r, err := l.Purge(ctx)
				if err != nil {
					return err
				}
				if err := l.Checkpoint(ctx); err != nil {
					return err
				}
				if a.JSONOut {
					return a.PrintJSON(r)
				}
				fmt.Fprintf(a.Stdout, "purged %d snapshots, %d templates, %d data keys\n", r.Snapshots, r.Templates, r.DataKeys)
				return nil
			})
		},
	}
	a.LedgerFlags(cmd)
	a.JSONFlag(cmd)
	return cmd
}

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "The master key"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the master key and re-wrap every data key (crash-safe)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				old := l.MasterKeyID()
				id, err := l.RotateKey(cmd.Context(), cli.Actor())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "master key %s replaced by %s\n", old, id)
				return nil
			})
		},
	}
	a.LedgerFlags(rotate)
	cmd.AddCommand(rotate)
	return cmd
}
