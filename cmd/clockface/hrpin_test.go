package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"clockface"
	"clockface/ledger"
)

// TestHRPINSet: the HR PIN comes from stdin, is stored keyed and hashed in
// the ledger (never in a flag), checks right and wrong, and can be removed.
func TestHRPINSet(t *testing.T) {
	data := t.TempDir()
	if got := mustCLI(t, data, "8642\n", "hr-pin", "set"); !strings.Contains(got, "HR PIN set") {
		t.Fatalf("hr-pin set: got %q", got)
	}
	if r := runCLI(t, data, "\n", "hr-pin", "set"); r.code == 0 || !strings.Contains(r.stderr, "empty PIN") {
		t.Errorf("empty HR PIN: got exit %d %q, want refused", r.code, r.stderr)
	}
	open := func() *ledger.Ledger {
		l, err := ledger.Open(context.Background(), ledger.Config{Path: filepath.Join(data, "ledger.db"),
			KeyFile: filepath.Join(data, "keys", "master.key"), KioskID: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := open()
	ctx := context.Background()
	if err := l.CheckHRPIN(ctx, "8642"); err != nil {
		t.Errorf("right HR PIN: got %v, want accepted", err)
	}
	if err := l.CheckHRPIN(ctx, "0000"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Errorf("wrong HR PIN: got %v, want ErrBadPIN", err)
	}
	l.Close()
	mustCLI(t, data, "", "hr-pin", "remove")
	l = open()
	defer l.Close()
	if has, err := l.HasHRPIN(ctx); err != nil || has {
		t.Errorf("after remove: HasHRPIN = %v, %v; want false", has, err)
	}
}
