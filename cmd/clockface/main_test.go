package main

import (
	"bytes"
	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/clitest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"clockface"
)

// cliArgs orders a test's arguments for the root command (clitest.Args).
func cliArgs(args []string, defaults ...string) []string {
	return clitest.Args(rootCmd(&cli.App{}), args, defaults...)
}

// sharedFlags are the flags several commands take; each command must list
// exactly the ones it uses.
var sharedFlags = []string{"data", "master-key", "kiosk-id", "models", "model", "json", "db", "tz", "hr-pin-file", "pin-file"}

func TestFlagsOnlyWhereUsed(t *testing.T) {
	ledger := []string{"data", "master-key", "kiosk-id"}
	with := func(sets ...[]string) []string {
		var out []string
		for _, s := range sets {
			out = append(out, s...)
		}
		return out
	}
	want := map[string][]string{
		"audit verify":            with(ledger, []string{"json"}),
		"calibrate":               with(ledger, []string{"model", "json"}),
		"demo":                    {"models", "model", "kiosk-id", "json", "hr-pin-file"},
		"dsar export":             ledger,
		"employee add":            with(ledger, []string{"json", "pin-file"}),
		"employee list":           with(ledger, []string{"json"}),
		"employee set":            with(ledger, []string{"json"}),
		"employee show":           with(ledger, []string{"json", "tz"}),
		"employee restrict":       ledger,
		"employee terminate":      ledger,
		"employee unrestrict":     ledger,
		"enroll":                  with(ledger, []string{"models", "model", "json", "tz", "pin-file"}),
		"erase":                   ledger,
		"export":                  with(ledger, []string{"db", "tz", "json"}),
		"faces":                   {"models", "model", "json"},
		"hub audit list":          {"data", "db", "json"},
		"hub audit verify":        {"data", "db"},
		"hub config list":         {"data", "db", "json"},
		"hub config set":          {"data", "db"},
		"hub employee list":       {"data", "db", "json"},
		"hub employee set":        {"data", "db", "json"},
		"hub employee place":      {"data", "db"},
		"hub employee terminate":  {"data", "db"},
		"hub employee restrict":   {"data", "db"},
		"hub employee unrestrict": {"data", "db"},
		"hub site add":            {"data", "db"},
		"hub site assign":         {"data", "db"},
		"hub site list":           {"data", "db", "json"},
		"hub export get":          {"data", "db"},
		"hub export list":         {"data", "db", "json"},
		"hub period approve":      {"data", "db", "tz"},
		"hub period list":         {"data", "db", "tz", "json"},
		"hub period lock":         {"data", "db", "tz"},
		"hub punch add":           {"data", "db", "tz", "json"},
		"hub punch correct":       {"data", "db", "tz", "json"},
		"hub punch void":          {"data", "db", "tz", "json"},
		"hub kiosk list":          {"data", "db", "json"},
		"hub kiosk pair":          {"data", "db", "json"},
		"hub kiosk revoke":        {"data", "db"},
		"hub serve":               {"data", "db", "tz"},
		"hub user add":            {"data", "db"},
		"hr-pin set":              with(ledger, []string{"pin-file"}),
		"hr-pin remove":           ledger,
		"identify":                with(ledger, []string{"models", "model", "json"}),
		"key rotate":              ledger,
		"kiosk":                   with(ledger, []string{"models", "model", "json", "hr-pin-file"}),
		"punch":                   with(ledger, []string{"json", "tz"}),
		"punch add":               with(ledger, []string{"json", "tz"}),
		"punch correct":           with(ledger, []string{"json", "tz"}),
		"punch void":              ledger,
		"purge":                   with(ledger, []string{"json"}),
		"sync":                    with(ledger, []string{"json"}),
		"sync fleet-key":          nil,
		"sync pair":               {"data", "kiosk-id"},
		"sync templates":          with(ledger, []string{"model"}),
		"verify":                  with(ledger, []string{"models", "model", "json"}),
		"withdraw":                with(ledger, []string{"json"}),
	}
	root := rootCmd(&cli.App{})
	if root.PersistentFlags().HasFlags() {
		t.Errorf("root has persistent flags; every flag belongs to the commands that use it")
	}
	seen := map[string]bool{}
	walkCommands(root, func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), "clockface ")
		if c.PersistentFlags().HasFlags() {
			t.Errorf("%s: persistent flags leak to its subcommands", path)
		}
		if !c.Runnable() {
			if c.LocalFlags().HasFlags() {
				t.Errorf("%s: runs nothing but has flags", path)
			}
			return
		}
		seen[path] = true
		w, ok := want[path]
		if !ok {
			t.Errorf("%s: not in this test's table: add the shared flags it uses", path)
			return
		}
		var got []string
		for _, name := range sharedFlags {
			if c.Flags().Lookup(name) != nil {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		w = slices.Sorted(slices.Values(w))
		if !slices.Equal(got, w) {
			t.Errorf("%s: shared flags got %v, want %v", path, got, w)
		}
	})
	for path := range want {
		if !seen[path] {
			t.Errorf("%s: in the table but not a command", path)
		}
	}
}

func walkCommands(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, f)
	}
}

// No flag can carry a secret: a PIN given as a flag value shows in ps and
// shell history. Secrets come from stdin, a file (--*-pin-file) or the
// environment.
func TestNoSecretFlag(t *testing.T) {
	walkCommands(rootCmd(&cli.App{}), func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			n := strings.ToLower(f.Name)
			secret := strings.Contains(n, "pin") || strings.Contains(n, "password") || strings.Contains(n, "secret")
			if secret && !strings.HasSuffix(n, "-file") {
				t.Errorf("%s --%s: a secret as a flag value", c.CommandPath(), f.Name)
			}
		})
	})
	data := t.TempDir()
	for _, args := range [][]string{
		{"enroll", "E1", "--decline", "--name", "A", "--pin", "1234"},
		{"kiosk", "--hr-pin", "9999"},
		{"demo", "--hr-pin", "9999"},
	} {
		if r := runCLI(t, data, "", args...); r.code == 0 || !strings.Contains(r.stderr, "unknown flag") {
			t.Errorf("%v: exit %d, %q; want unknown flag", args, r.code, r.stderr)
		}
	}
}

// The help of every command shows no secret from the environment, not even
// as a flag default.
func TestHelpShowsNoSecret(t *testing.T) {
	const hrPIN = "739152"
	t.Setenv("CLOCKFACE_HR_PIN", hrPIN)
	walkCommands(rootCmd(&cli.App{}), func(c *cobra.Command) {
		var out bytes.Buffer
		a := &cli.App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Clock: clockface.SystemClock{}}
		root := rootCmd(a)
		root.SetOut(&out)
		root.SetErr(&out)
		path := strings.Fields(c.CommandPath())[1:]
		root.SetArgs(append(path, "--help"))
		if err := root.Execute(); err != nil {
			t.Fatalf("%s --help: %v", c.CommandPath(), err)
		}
		if strings.Contains(out.String(), hrPIN) {
			t.Errorf("%s --help prints $CLOCKFACE_HR_PIN:\n%s", c.CommandPath(), out.String())
		}
	})
	// The built binary, as an operator would run it.
	cmd := exec.Command(cliBinary, "kiosk", "--help")
	cmd.Env = append(os.Environ(), "CLOCKFACE_HR_PIN="+hrPIN)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), hrPIN) || !strings.Contains(string(out), "--hr-pin-file") {
		t.Errorf("kiosk --help: %v\n%s\nwant --hr-pin-file and no PIN value", err, out)
	}
}

func TestPINFromFileOrStdin(t *testing.T) {
	data := t.TempDir()
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte("5821\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, data, "", "employee", "add", "E1", "--name", "File Pin", "--pin-file", pinFile)
	mustCLI(t, data, "6932\n", "employee", "add", "E2", "--name", "Stdin Pin")
	for _, c := range []struct{ who, pin string }{{"E1", "5821"}, {"E2", "6932"}} {
		if out := mustCLI(t, data, c.pin+"\n", "punch", c.who); !strings.Contains(out, c.who+" clocked in at") {
			t.Errorf("punch %s with its PIN: %q", c.who, out)
		}
	}
	// Bad input: a clear error, and nothing is added.
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	for _, tt := range []struct{ file, want string }{
		{filepath.Join(t.TempDir(), "missing"), "no such file"},
		{empty, "first line is empty"},
	} {
		r := runCLI(t, data, "", "employee", "add", "E3", "--name", "No Pin", "--pin-file", tt.file)
		if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("--pin-file %s: exit %d, %q; want %q", filepath.Base(tt.file), r.code, r.stderr, tt.want)
		}
	}
	if r := runCLI(t, data, "", "employee", "show", "E3"); r.code == 0 {
		t.Errorf("E3 was added despite a bad --pin-file")
	}
}

// Times shown to people are in the site zone (--tz, else $CLOCKFACE_TZ),
// else UTC named as such; an unknown zone is refused before anything is
// stored.
func TestPunchTimesInSiteZone(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "2468\n", "employee", "add", "E1", "--name", "Ann")
	if r := runCLI(t, data, "2468\n", "punch", "E1", "--tz", "Mars/Olympus"); r.code == 0 || !strings.Contains(r.stderr, "Mars/Olympus") {
		t.Fatalf("unknown zone: exit %d, %q", r.code, r.stderr)
	}
	if out := mustCLI(t, data, "", "employee", "show", "E1"); !strings.Contains(out, "next punch: in") {
		t.Fatalf("a punch was stored despite the bad zone: %s", out)
	}
	out := mustCLI(t, data, "2468\n", "punch", "E1")
	if !strings.Contains(out, "E1 clocked in at ") || !strings.Contains(out, " (UTC) on ") {
		t.Errorf("default zone: %q, want the time in UTC, named", out)
	}
	mustCLI(t, data, "2468\n", "punch", "E1", "--tz", "UTC") // the same punch again (debounced)
	out = mustCLI(t, data, "2468\n", "punch", "E1", "--tz", "Asia/Tokyo")
	if !strings.Contains(out, "E1 clocked in at ") || !strings.Contains(out, " (Asia/Tokyo) on ") {
		t.Errorf("--tz Asia/Tokyo: %q, want the time in JST", out)
	}
}
