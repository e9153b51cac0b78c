package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"clockface"
	"clockface/assets"
	"clockface/attendance"
	"clockface/internal/termsafe"
	"clockface/ledger"
)

// ledgerCommands: employee, punch, dsar, erase, audit, purge and key.
func (a *app) ledgerCommands() []*cobra.Command {
	return []*cobra.Command{a.employeeCmd(), a.punchCmd(), a.dsarCmd(), a.eraseCmd(), a.auditCmd(), a.purgeCmd(), a.keyCmd(), a.hrPINCmd()}
}

// openLedger opens DATA/ledger.db with the master key at a.masterKeyPath(),
// creating both on first use. Opening runs the retention purge.
func (a *app) openLedger(ctx context.Context) (*ledger.Ledger, error) {
	if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	clock := a.clock
	if clock == nil {
		clock = clockface.SystemClock{}
	}
	return ledger.Open(ctx, ledger.Config{
		Path:    filepath.Join(a.dataDir, "ledger.db"),
		KeyFile: a.masterKeyPath(),
		Clock:   clock,
		KioskID: a.kioskID,
		ConsentText: func(version, locale string) ([]byte, error) {
			return assets.ConsentText(locale, version)
		},
	})
}

// withLedger runs f with an open ledger and closes it.
func (a *app) withLedger(ctx context.Context, f func(*ledger.Ledger) error) error {
	l, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	ferr := f(l)
	if err := l.Close(); err != nil && ferr == nil {
		return err
	}
	return ferr
}

// actor names who runs an admin command, for the audit log.
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readPIN reads a PIN: prompted (twice when confirm is set) without echo on
// a terminal, otherwise the first line of stdin. An empty answer is "".
func (a *app) readPIN(prompt string, confirm bool) (string, error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		if confirm && len(b) > 0 {
			fmt.Fprint(a.stderr, "Again: ")
			b2, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(a.stderr)
			if err != nil {
				return "", fmt.Errorf("read PIN: %w", err)
			}
			if string(b) != string(b2) {
				return "", errors.New("read PIN: the two PINs differ")
			}
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// secretFrom reads a secret such as the HR PIN: from file ("-" is stdin,
// prompted for without echo on a terminal), else from the environment
// variable env (if env is not ""), else "". A secret is never a flag value,
// where ps and shell history would show it. A file's first line is the
// secret; an empty file is an error rather than "no PIN".
func (a *app) secretFrom(env, file string) (string, error) {
	switch {
	case file == "-":
		return a.readPIN("PIN: ", false)
	case file != "":
		return readSecretFile(file, a.stderr)
	case env != "":
		return os.Getenv(env), nil
	}
	return "", nil
}

// readSecretFile is the first line of a secret file. A file other users
// can read is used, with a warning on stderr.
func readSecretFile(path string, stderr io.Writer) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read PIN file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("read PIN file %s: the first line is empty", path)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "clockface: warning: %s is readable by other users (mode %v): chmod 600 it\n", path, st.Mode().Perm())
	}
	return line, nil
}

// newPIN is a new employee's PIN: from --pin-file if given, else prompted
// for twice on a terminal, else the first line of stdin ("" for none).
func (a *app) newPIN(file, prompt string) (string, error) {
	if file != "" {
		return a.secretFrom("", file)
	}
	return a.readPIN(prompt, true)
}

func (a *app) employeeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "employee", Short: "Add, list, show, terminate and restrict employees"}
	simple := func(use, short, done string, f func(context.Context, *ledger.Ledger, string) error) *cobra.Command {
		c := &cobra.Command{
			Use:   use + " NUMBER",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
					if err := f(cmd.Context(), l, args[0]); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "%s %s\n", done, args[0])
					return nil
				})
			},
		}
		a.ledgerFlags(c)
		return c
	}
	terminate := simple("terminate", "Terminate an employee (their templates are deleted)", "terminated",
		func(ctx context.Context, l *ledger.Ledger, n string) error { return l.Terminate(ctx, n, actor()) })
	restrict := simple("restrict", "Restrict an employee to PIN/badge: face matching skips them", "restricted",
		func(ctx context.Context, l *ledger.Ledger, n string) error { return l.Restrict(ctx, n, true, actor()) })
	unrestrict := simple("unrestrict", "Lift a restriction to PIN/badge", "unrestricted",
		func(ctx context.Context, l *ledger.Ledger, n string) error { return l.Restrict(ctx, n, false, actor()) })
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
			pin, err := a.newPIN(pinFile, "PIN (empty for none): ")
			if err != nil {
				return err
			}
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				got, err := l.AddEmployee(cmd.Context(), e, pin)
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(got)
				}
				fmt.Fprintf(a.stdout, "added %s (%s)\n", termsafe.String(got.Number), termsafe.String(got.Name))
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
	a.ledgerFlags(add)
	a.jsonFlag(add)

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
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				e, err := l.UpdateEmployee(cmd.Context(), args[0], c, actor())
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(e)
				}
				fmt.Fprintf(a.stdout, "updated %s (%s)\n", e.Number, e.Name)
				return nil
			})
		},
	}
	for _, f := range [][2]string{{"name", "display name"}, {"first", "first name"}, {"last", "last name"},
		{"adp-file", "ADP file number"}, {"paychex-id", "Paychex worker id"}, {"gusto-id", "Gusto employee id"},
		{"qb-name", "QuickBooks employee name"}} {
		vals[f[0]] = set.Flags().String(f[0], "", f[1]+" (empty clears it)")
	}
	a.ledgerFlags(set)
	a.jsonFlag(set)
	return set
}

// employeeListCmd is `employee list`.
func (a *app) employeeListCmd() *cobra.Command {
	list := &cobra.Command{
		Use:   "list",
		Short: "List employees",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				es, err := l.Employees(cmd.Context())
				if err != nil {
					return err
				}
				if a.jsonOut {
					if es == nil {
						es = []clockface.Employee{}
					}
					return a.printJSON(es)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NUMBER\tNAME\tSTATUS\tFACE\tRESTRICTED")
				for _, e := range es {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", termsafe.String(e.Number), termsafe.String(e.Name), e.Status, e.HasFace, e.RestrictedToPIN)
				}
				return tw.Flush()
			})
		},
	}
	a.ledgerFlags(list)
	a.jsonFlag(list)
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
			loc, err := a.location()
			if err != nil {
				return err
			}
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
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
				if a.jsonOut {
					return a.printJSON(struct {
						clockface.Employee
						Consent  *clockface.Consent  `json:"consent,omitempty"`
						State    clockface.PunchKind `json:"state"`
						Since    *time.Time          `json:"since,omitempty"`
						NextKind clockface.PunchKind `json:"next_kind"`
					}{e, live, st.Kind, sinceOf(st), next})
				}
				fmt.Fprintf(a.stdout, "number:     %s\nname:       %s\nfirst name: %s\nlast name:  %s\n",
					termsafe.String(e.Number), termsafe.String(e.Name), termsafe.String(e.FirstName), termsafe.String(e.LastName))
				fmt.Fprintf(a.stdout, "adp file:   %s\npaychex id: %s\ngusto id:   %s\nqb name:    %s\n",
					termsafe.String(e.Payroll.ADPFileNumber), termsafe.String(e.Payroll.PaychexWorkerID), termsafe.String(e.Payroll.GustoID), termsafe.String(e.Payroll.QuickBooksName))
				fmt.Fprintf(a.stdout, "status:     %s\nface:       %v\nrestricted: %v\nstate:      %s\nnext punch: %s\n",
					e.Status, e.HasFace, e.RestrictedToPIN, stateText(st, loc), next)
				if live != nil {
					fmt.Fprintf(a.stdout, "consent:    %s (%s) signed %s\n", live.TextVersion, live.Locale, peopleTime(live.SignedAt, loc))
				} else {
					fmt.Fprintln(a.stdout, "consent:    none")
				}
				return nil
			})
		},
	}
	a.ledgerFlags(show)
	a.jsonFlag(show)
	a.tzFlag(show)
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
			loc, err := a.location()
			if err != nil {
				return err
			}
			var k clockface.PunchKind
			if kind != "" {
				if k, err = parseKind(kind); err != nil {
					return fmt.Errorf("punch: %w", err)
				}
			}
			pin, err := a.readPIN("PIN: ", false)
			if err != nil {
				return err
			}
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
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
	a.ledgerFlags(cmd)
	a.jsonFlag(cmd)
	a.tzFlag(cmd)
	cmd.AddCommand(a.punchAddCmd(), a.punchCorrectCmd(), a.punchVoidCmd())
	return cmd
}

// printPunchResult prints a punch result: JSON (the punch, with created and
// flag), or "E1 clocked in at 08:33 (America/Los_Angeles) on 2026-03-02".
func (a *app) printPunchResult(res clockface.PunchResult, loc *time.Location) error {
	p := res.Punch
	if a.jsonOut {
		return a.printJSON(struct {
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
	fmt.Fprintf(a.stdout, "%s %s at %s (%s) on %s, punch %s%s\n", termsafe.String(p.EmployeeNumber), kindVerb(p.Kind), t.Format("15:04"), loc, t.Format("2006-01-02"), termsafe.String(p.ID), note)
	return nil
}

// kindVerb says what a punch of kind k did, for people.
func kindVerb(k clockface.PunchKind) string {
	switch k {
	case clockface.PunchIn:
		return "clocked in"
	case clockface.PunchOut:
		return "clocked out"
	case clockface.BreakStart:
		return "started a break"
	case clockface.BreakEnd:
		return "ended a break"
	}
	return string(k)
}

// stateText is an employee's state for people: "in since 2026-03-02 08:00 PST".
func stateText(st attendance.Status, loc *time.Location) string {
	what := map[clockface.PunchKind]string{clockface.PunchIn: "in", clockface.BreakStart: "on a break", clockface.PunchOut: "out"}[st.Kind]
	switch {
	case st.Stale:
		return fmt.Sprintf("out (the in-punch of %s has no out-punch)", peopleTime(st.Since, loc))
	case st.Since.IsZero():
		return what + " (never punched here)"
	}
	return what + " since " + peopleTime(st.Since, loc)
}

func sinceOf(st attendance.Status) *time.Time {
	if st.Since.IsZero() {
		return nil
	}
	return &st.Since
}

// parseKind reads a punch kind as people type it: in, out, break-start,
// break-end (or with an underscore).
func parseKind(s string) (clockface.PunchKind, error) {
	k := clockface.PunchKind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if !k.Valid() {
		return "", fmt.Errorf("--kind: unknown kind %q: want in, out, break-start or break-end", s)
	}
	return k, nil
}

// localLayouts are the local-time forms --at takes besides RFC 3339.
var localLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

// parseSiteTime reads a time an admin types: RFC 3339 with its offset, or
// a local time ("2026-03-02 08:00") in the site zone loc. A local time the
// zone skips (the spring-forward hour) is refused rather than moved.
func parseSiteTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != s {
			return time.Time{}, fmt.Errorf("%q does not exist in %s (the clocks skip it)", s, loc)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-03-02T08:00:00-08:00) or a local time in %s (2026-03-02 08:00)", s, loc)
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
			loc, err := a.location()
			if err != nil {
				return err
			}
			t, err := parseSiteTime(at, loc)
			if err != nil {
				return fmt.Errorf("punch add: --at %w", err)
			}
			k, err := parseKind(kind)
			if err != nil {
				return fmt.Errorf("punch add: %w", err)
			}
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				res, err := l.AddPunch(cmd.Context(), args[0], k, t, actor(), reason)
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
	a.ledgerFlags(add)
	a.jsonFlag(add)
	a.tzFlag(add)
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
			loc, err := a.location()
			if err != nil {
				return err
			}
			if at != "" && oldAt != "" && at != oldAt {
				return errors.New("punch correct: --at and --time differ: give one")
			}
			if at == "" {
				at = oldAt
			}
			var c ledger.PunchChange
			if at != "" {
				if c.At, err = parseSiteTime(at, loc); err != nil {
					return fmt.Errorf("punch correct: --at %w", err)
				}
			}
			if kind != "" {
				if c.Kind, err = parseKind(kind); err != nil {
					return fmt.Errorf("punch correct: %w", err)
				}
			}
			if c == (ledger.PunchChange{}) {
				return errors.New("punch correct: nothing to correct: give --at, --kind or both")
			}
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				old, err := l.GetPunch(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				p, err := l.Correct(cmd.Context(), args[0], c, actor(), reason)
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(p)
				}
				fmt.Fprintf(a.stdout, "punch %s: %s %s → %s %s\n", termsafe.String(p.ID), old.Kind, peopleTime(old.Time(), loc), p.Kind, peopleTime(p.Time(), loc))
				return nil
			})
		},
	}
	correct.Flags().StringVar(&at, "at", "", "the right time: RFC 3339, or local time in the site zone")
	correct.Flags().StringVar(&oldAt, "time", "", "the same as --at")
	correct.Flags().StringVar(&kind, "kind", "", "the right kind: in, out, break-start or break-end")
	correct.Flags().StringVar(&reason, "reason", "", "why (required)")
	correct.MarkFlagRequired("reason")
	a.ledgerFlags(correct)
	a.jsonFlag(correct)
	a.tzFlag(correct)

	return correct
}

// punchVoidCmd is `punch void PUNCH`.
func (a *app) punchVoidCmd() *cobra.Command {
	var voidReason string
	void := &cobra.Command{
		Use:   "void PUNCH",
		Short: "Take a punch out of timesheets (the row stays, with who, when and why)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.VoidPunch(cmd.Context(), args[0], actor(), voidReason); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "voided punch %s\n", args[0])
				return nil
			})
		},
	}
	void.Flags().StringVar(&voidReason, "reason", "", "why (required)")
	void.MarkFlagRequired("reason")
	a.ledgerFlags(void)
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
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.ExportDSARAs(cmd.Context(), args[0], out, actor()); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "wrote %s\n", out)
				return nil
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "zip file to write (required)")
	export.MarkFlagRequired("out")
	a.ledgerFlags(export)
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
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
				r, err := l.EraseAndClear(ctx, args[0], actor())
				if err != nil {
					return err
				}
				if !r.BytesCleared {
					return fmt.Errorf("erased %s (committed), but another program kept the ledger open for %s: the deleted bytes stay in the file until it closes; run `clockface purge` then", args[0], ledger.DefaultEraseWait)
				}
				fmt.Fprintf(a.stdout, "erased biometrics and images of %s; no copy left in the file\n", args[0])
				return nil
			})
		},
	}
	a.ledgerFlags(cmd)
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
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
				if err := l.VerifyAudit(ctx); err != nil {
					return err
				}
				seq, hash, err := l.AuditHead(ctx)
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(map[string]any{"ok": true, "entries": seq, "head": hash})
				}
				fmt.Fprintf(a.stdout, "audit chain ok: %d entries, head %s\n", seq, hash)
				return nil
			})
		},
	}
	a.ledgerFlags(verify)
	a.jsonFlag(verify)
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
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
				r, err := l.Purge(ctx)
				if err != nil {
					return err
				}
				if err := l.Checkpoint(ctx); err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(r)
				}
				fmt.Fprintf(a.stdout, "purged %d snapshots, %d templates, %d data keys\n", r.Snapshots, r.Templates, r.DataKeys)
				return nil
			})
		},
	}
	a.ledgerFlags(cmd)
	a.jsonFlag(cmd)
	return cmd
}

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "The master key"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the master key and re-wrap every data key (crash-safe)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				old := l.MasterKeyID()
				id, err := l.RotateKey(cmd.Context(), actor())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "master key %s replaced by %s\n", old, id)
				return nil
			})
		},
	}
	a.ledgerFlags(rotate)
	cmd.AddCommand(rotate)
	return cmd
}
