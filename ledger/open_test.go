package ledger_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"clockface/ledger"
)

func TestOpenSetsAndChecksPragmas(t *testing.T) {
	e := newEnv(t)
	l := e.open(t)
	ctx := context.Background()
	// Several connections at once, so the pool opens more than one and each
	// must carry the pragmas.
	conns := make([]interface{ Close() error }, 0, 3)
	for i := 0; i < 3; i++ {
		c, err := l.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, tc := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"synchronous", "2"},
			{"foreign_keys", "1"},
			{"secure_delete", "1"},
			{"busy_timeout", "5000"},
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("conn %d: PRAGMA %s = %q, want %q", i, tc.pragma, got, tc.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	var v int
	if err := l.DB().QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if got, want := v, ledger.SchemaVersion(); got != want || want < 1 {
		t.Errorf("user_version = %d, want %d (>= 1)", got, want)
	}
}

func TestReopenKeepsData(t *testing.T) {
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", "")
	l.Close()
	l = e.open(t)
	if _, err := l.Employee(context.Background(), "E1"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	e := newEnv(t)
	l := e.open(t)
	if _, err := l.DB().Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	before := readFile(t, e.path)
	_, err := ledger.Open(context.Background(), e.config())
	if !errors.Is(err, ledger.ErrNewerSchema) {
		t.Fatalf("open: got %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{"99", " " + itoa(ledger.SchemaVersion())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name version %q", err, want)
		}
	}
	if !bytes.Equal(readFile(t, e.path), before) {
		t.Error("refused database was modified")
	}
}

func TestOpenRefusesCorruptFile(t *testing.T) {
	garbage := make([]byte, 64<<10)
	rand.Read(garbage)
	tests := []struct {
		name  string
		spoil func(t *testing.T, e *env)
	}{
		{"garbage bytes", func(t *testing.T, e *env) {
			writeFile(t, e.path, garbage)
		}},
		{"text file", func(t *testing.T, e *env) {
			writeFile(t, e.path, []byte("employee,name\nE1,Ann\n"))
		}},
		{"truncated real database", func(t *testing.T, e *env) {
			realDB(t, e)
			b := readFile(t, e.path)
			writeFile(t, e.path, b[:len(b)/2])
		}},
		{"truncated to a partial page", func(t *testing.T, e *env) {
			realDB(t, e)
			b := readFile(t, e.path)
			writeFile(t, e.path, b[:4096+100])
		}},
		{"garbage over interior pages", func(t *testing.T, e *env) {
			realDB(t, e)
			b := readFile(t, e.path)
			copy(b[2*4096+64:3*4096], garbage)
			writeFile(t, e.path, b)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.spoil(t, e)
			before := readFile(t, e.path)
			l, err := ledger.Open(context.Background(), e.config())
			if err == nil {
				l.Close()
				t.Fatal("open succeeded on a corrupt file")
			}
			if !errors.Is(err, ledger.ErrCorrupt) {
				t.Errorf("got %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), e.path) {
				t.Errorf("error %q does not name the file", err)
			}
			if !bytes.Equal(readFile(t, e.path), before) {
				t.Error("corrupt file was modified")
			}
		})
	}
}

// realDB makes a checkpointed ledger with enough rows to span many pages.
func realDB(t *testing.T, e *env) {
	t.Helper()
	l := e.open(t)
	for i := 0; i < 300; i++ {
		addEmployee(t, l, "E"+itoa(i), "")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.path + "-wal"); err == nil {
		t.Fatal("WAL left after close")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*ledger.Config)
		wantErr string
	}{
		{"defaults", func(*ledger.Config) {}, ""},
		{"90 days of images", func(c *ledger.Config) { c.ImageRetention = 90 * 24 * time.Hour }, ""},
		{"91 days of images", func(c *ledger.Config) { c.ImageRetention = 91 * 24 * time.Hour }, "90-day"},
		{"90 days and a second", func(c *ledger.Config) { c.ImageRetention = 90*24*time.Hour + time.Second }, "90-day"},
		{"7 days template grace", func(c *ledger.Config) { c.TemplateGrace = 7 * 24 * time.Hour }, ""},
		{"8 days template grace", func(c *ledger.Config) { c.TemplateGrace = 8 * 24 * time.Hour }, "0..7 days"},
		{"4 years inactivity", func(c *ledger.Config) { c.InactivityCap = 4 * 365 * 24 * time.Hour }, "3 years"},
		{"no path", func(c *ledger.Config) { c.Path = "" }, "no database path"},
		{"no key", func(c *ledger.Config) { c.KeyFile = "" }, "no master key"},
		{"no kiosk id", func(c *ledger.Config) { c.KioskID = "" }, "no kiosk id"},
		{"blank kiosk id", func(c *ledger.Config) { c.KioskID = " " }, "no kiosk id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ledger.Config{Path: "x.db", KeyFile: "k", KioskID: "kiosk-1"}
			tc.mod(&cfg)
			err := cfg.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	cfg := ledger.Config{Path: "x.db", KeyFile: "k", KioskID: "kiosk-1"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.ImageRetention, 90*24*time.Hour; got != want {
		t.Errorf("default image retention %s, want %s", got, want)
	}
	if got, want := cfg.Debounce, 60*time.Second; got != want {
		t.Errorf("default debounce %s, want %s", got, want)
	}
	if got, want := cfg.TemplateGrace, time.Duration(0); got != want {
		t.Errorf("default template grace %s, want %s", got, want)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
