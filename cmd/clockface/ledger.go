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
	"clockface/internal/termsafe"
	"clockface/ledger"
)

// ledgerCommands: employee, punch, dsar, erase, audit, purge and key.
func (a *app) ledgerCommands() []*cobra.Command {
	return []*cobra.Command{a.employeeCmd(), a.punchCmd(), a.dsarCmd(), a.eraseCmd(), a.auditCmd(), a.purgeCmd(), a.keyCmd()}
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
	cmd.AddCommand(a.employeeAddCmd(), a.employeeListCmd(), a.employeeShowCmd(), terminate, restrict, unrestrict)
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
	add.Flags().StringVar(&e.BadgeID, "badge", "", "badge id")
	add.Flags().StringVar(&e.Locale, "locale", "", "language for notices, e.g. en or es")
	add.Flags().BoolVar(&e.RestrictedToPIN, "restricted", false, "PIN/badge only: never matched by face")
	add.Flags().StringVar(&pinFile, "pin-file", "", "read the PIN from the first line of this file instead of stdin")
	add.MarkFlagRequired("name")
	a.ledgerFlags(add)
	a.jsonFlag(add)

	return add
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
						NextKind clockface.PunchKind `json:"next_kind"`
					}{e, live, next})
				}
				fmt.Fprintf(a.stdout, "number:     %s\nname:       %s\nstatus:     %s\nface:       %v\nrestricted: %v\nnext punch: %s\n",
					termsafe.String(e.Number), termsafe.String(e.Name), e.Status, e.HasFace, e.RestrictedToPIN, next)
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
	cmd := &cobra.Command{
		Use:   "punch EMPLOYEE",
		Short: "Punch by PIN (read from stdin); the kind follows the last punch",
		Long: `Punch by PIN, for scripts, tests and kiosks without a camera. The PIN is the
first line of stdin (or prompted for on a terminal). A second punch within
the debounce window prints the first one and stores nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc, err := a.location()
			if err != nil {
				return err
			}
			pin, err := a.readPIN("PIN: ", false)
			if err != nil {
				return err
			}
			return a.withLedger(ctx, func(l *ledger.Ledger) error {
				if err := l.CheckPIN(ctx, args[0], pin); err != nil {
					return err
				}
				p, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: args[0], Method: clockface.MethodPIN})
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(p)
				}
				note := ""
				if !created {
					note = " (already recorded)"
				}
				fmt.Fprintf(a.stdout, "%s %s at %s, punch %s%s\n", termsafe.String(p.EmployeeNumber), p.Kind, peopleTime(p.At, loc), termsafe.String(p.ID), note)
				return nil
			})
		},
	}
	a.ledgerFlags(cmd)
	a.jsonFlag(cmd)
	a.tzFlag(cmd)
	cmd.AddCommand(a.punchCorrectCmd(), a.punchVoidCmd())
	return cmd
}

// punchCorrectCmd is `punch correct PUNCH`.
func (a *app) punchCorrectCmd() *cobra.Command {
	var at, reason string
	correct := &cobra.Command{
		Use:   "correct PUNCH",
		Short: "Correct a punch's time; the original and who, when and why are kept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := time.Parse(time.RFC3339, at)
			if err != nil {
				return fmt.Errorf("punch correct: --time %q is not RFC 3339 (e.g. 2026-03-02T08:00:00Z)", at)
			}
			loc, err := a.location()
			if err != nil {
				return err
			}
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				p, err := l.CorrectPunch(cmd.Context(), args[0], t, actor(), reason)
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(p)
				}
				fmt.Fprintf(a.stdout, "punch %s: %s → %s\n", termsafe.String(p.ID), peopleTime(p.At, loc), peopleTime(p.Time(), loc))
				return nil
			})
		},
	}
	correct.Flags().StringVar(&at, "time", "", "the right time, RFC 3339 (required)")
	correct.Flags().StringVar(&reason, "reason", "", "why (required)")
	correct.MarkFlagRequired("time")
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
				if err := l.Erase(ctx, args[0], actor()); err != nil {
					return err
				}
				if err := l.Checkpoint(ctx); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "erased biometrics and images of %s\n", args[0])
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
