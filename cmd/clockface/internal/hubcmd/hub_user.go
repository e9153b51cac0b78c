package hubcmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"clockface/dashboard"
	"clockface/dashboard/store"
)

// hubUserCmd is `clockface hub user add EMAIL --role R [--site S]...
// [--department D]... [--employee NUMBER]`: a dashboard user, the first
// owner this way and later users from the dashboard. The password is read
// from stdin (prompted for twice on a terminal), never a flag.
func (a *app) hubUserCmd() *cobra.Command {
	u := &cobra.Command{Use: "user", Short: "Dashboard users: add the first owner, or any user"}
	var f userFlags
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add a dashboard user (password from stdin)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return a.addUser(cmd.Context(), args[0], f) },
	}
	a.DataFlag(add) // DATA/hub.db is the default --db
	add.Flags().StringVar(&f.db, "db", "", "hub database: postgres://… URL or SQLite file (default DATA/hub.db)")
	add.Flags().StringVar(&f.pgSchema, "pg-schema", "", "PostgreSQL schema to use (created if missing)")
	add.Flags().StringVar(&f.role, "role", "", "owner, hr, payroll, manager or employee")
	add.Flags().StringSliceVar(&f.sites, "site", nil, "a manager's site (repeatable)")
	add.Flags().StringSliceVar(&f.departments, "department", nil, "a manager's department (repeatable)")
	add.Flags().StringVar(&f.employee, "employee", "", "an employee user's employee number")
	add.Flags().StringVar(&f.lang, "lang", "en", "the dashboard's language for this user: en or es")
	add.MarkFlagRequired("role")
	u.AddCommand(add)
	return u
}

// userFlags are `hub user add`'s flags.
type userFlags struct {
	db, pgSchema, role, employee, lang string
	sites, departments                 []string
}

// addUser checks the user, reads the password and stores both.
func (a *app) addUser(ctx context.Context, rawEmail string, f userFlags) error {
	email, err := dashboard.CheckEmail(rawEmail)
	if err != nil {
		return err
	}
	r, err := dashboard.ParseRole(f.role)
	if err != nil {
		return err
	}
	scope := dashboard.ParseScope(f.sites, f.departments, f.employee)
	if err := dashboard.ValidateUser(r, scope); err != nil {
		return err
	}
	if !slices.Contains(dashboard.Languages, f.lang) {
		return fmt.Errorf("unknown language %q (want %s)", f.lang, strings.Join(dashboard.Languages, " or "))
	}
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	hash, err := dashboard.HashPassword(pw)
	if err != nil {
		return err
	}
	path := f.db
	if path == "" {
		if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		path = filepath.Join(a.DataDir, "hub.db")
	}
	st, err := store.Open(ctx, path, f.pgSchema, a.Clock)
	if err != nil {
		return err
	}
	defer st.Close()
	nu, err := st.AddUser(ctx, dashboard.User{Email: email, Role: r, Scope: scope, Lang: f.lang, PasswordHash: hash},
		dashboard.Audit{Actor: "cli", Action: dashboard.AuditUserAdded, At: a.Clock.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "added %s (%s) as %s\n", nu.Email, nu.ID, nu.Role)
	return nil
}

// readPassword reads a password: twice without echo on a terminal, else
// the first line of stdin.
func (a *app) readPassword() (string, error) {
	if f, ok := a.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.Stderr, "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(a.Stderr, "again: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(b) != string(b2) {
			return "", errors.New("the passwords differ")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on stdin (pipe it in: echo PASSWORD | clockface hub user add ...)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
