package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/cmd/clockface/internal/hubcmd"
	"clockface/internal/clocktest"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/wire"
)

// seedHub makes a hub database with a kiosk's punches (at times in
// America/Los_Angeles) and directory.
func seedHub(t *testing.T, path string, people []wire.Employee, punches ...clockface.Punch) {
	t.Helper()
	ctx := context.Background()
	st, err := hub.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	code, err := hub.NewPairingCode(ctx, st, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hub.NewServer(st, clocktest.New(now), nil).Handler())
	defer srv.Close()
	if _, err := hubclient.Pair(ctx, srv.Client(), srv.URL, code, "k1", ""); err != nil {
		t.Fatal(err)
	}
	b := wire.Batch{KioskID: "k1", KioskClock: now, Employees: people}
	for i, p := range punches {
		p.ID, p.KioskID, p.Method = uuid.Must(uuid.NewV7()).String(), "k1", clockface.MethodPIN
		b.Events = append(b.Events, wire.Event{ID: uuid.Must(uuid.NewV7()).String(), Seq: int64(i + 1), Type: wire.TypePunch,
			At: p.At, Punch: wire.FromPunch(p)})
	}
	if _, err := st.ApplyBatch(ctx, hub.Receipt{KioskID: "k1", Nonce: wire.NewNonce(), HubTime: now, Batch: b}); err != nil {
		t.Fatal(err)
	}
}

// TestHubRepairLockAdjustCLI: a hub punch add resolves a missing_out and
// the file pays the right hours; a re-export prints what changed; a
// correction in a locked period is refused (nothing changes) and with
// --adjust is paid in the next period's export; bad input changes nothing.
func TestHubRepairLockAdjustCLI(t *testing.T) {
	data, out := t.TempDir(), t.TempDir()
	db := filepath.Join(data, "hub.db")
	la, _ := time.LoadLocation("America/Los_Angeles")
	seedHub(t, db, []wire.Employee{{Number: "E1", Name: "Ann Lee", Status: "active"}, {Number: "E2", Name: "Bo Day", Status: "active"}},
		clockface.Punch{EmployeeNumber: "E1", Kind: clockface.PunchIn, At: time.Date(2026, 3, 2, 8, 0, 0, 0, la)},
		clockface.Punch{EmployeeNumber: "E2", Kind: clockface.PunchIn, At: time.Date(2026, 3, 3, 9, 0, 0, 0, la)},
		clockface.Punch{EmployeeNumber: "E2", Kind: clockface.PunchOut, At: time.Date(2026, 3, 3, 13, 0, 0, 0, la)})
	hubCLI := func(args ...string) cliResult { return runCLI(t, data, "", append(args, "--db", db)...) }
	must := func(args ...string) string {
		t.Helper()
		r := hubCLI(args...)
		if r.code != 0 {
			t.Fatalf("clockface %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		return r.stdout
	}
	must("hub", "config", "set", "tz", "America/Los_Angeles", "--actor", "admin")
	first := func(name string, extra ...string) []string {
		return append([]string{"export", "--from", "2026-03-01", "--to", "2026-03-15", "--format", "generic", "--out", filepath.Join(out, name)}, extra...)
	}
	if r := hubCLI(first("blocked.csv")...); r.code == 0 || !strings.Contains(r.stderr, "E1") {
		t.Fatalf("export with E1's missing out: got exit %d %q, want it refused naming E1", r.code, r.stderr)
	}

	var added hubcmd.EditOutput
	if err := json.Unmarshal([]byte(must("hub", "punch", "add", "E1", "--at", "2026-03-02 16:30", "--kind", "out",
		"--reason", "forgot to clock out", "--actor", "admin", "--json")), &added); err != nil {
		t.Fatal(err)
	}
	if added.Punch.KioskID != "hub" || !added.Punch.At.Equal(time.Date(2026, 3, 2, 16, 30, 0, 0, la)) {
		t.Errorf("added punch: got %+v, want kiosk hub at 16:30 Los Angeles", added.Punch)
	}
	got := must(first("one.csv")...)
	if !strings.Contains(got, "8.50") || !strings.Contains(got, "4.00") || !strings.Contains(got, "12.50") {
		t.Errorf("export after the repair: got\n%s\nwant E1 8.50, E2 4.00, total 12.50", got)
	}
	if got := must(first("two.csv")...); !strings.Contains(got, "no change since export") {
		t.Errorf("unchanged re-export: got\n%s\nwant no change", got)
	}
	must("hub", "punch", "correct", added.Punch.ID, "--at", "2026-03-02T17:00:00-08:00", "--reason", "left at 5", "--actor", "admin")
	got = must(first("three.csv")...)
	if !strings.Contains(got, "changed since export") || !strings.Contains(got, "E1: regular 8h30m → 9h (+30m)") {
		t.Errorf("re-export after a correction: got\n%s\nwant E1's change", got)
	}

	must("hub", "period", "lock", "--from", "2026-03-01", "--to", "2026-03-15", "--actor", "payroll")
	must("hub", "period", "approve", "E2", "--from", "2026-03-16", "--to", "2026-03-31", "--actor", "mgr")
	if got := must("hub", "period", "list"); !strings.Contains(got, "lock") || !strings.Contains(got, "approval") || !strings.Contains(got, "2026-03-15") {
		t.Errorf("period list: got\n%s", got)
	}
	audit := must("hub", "audit", "verify")
	r := hubCLI("hub", "punch", "correct", added.Punch.ID, "--at", "2026-03-02 17:30", "--reason", "stayed late")
	if r.code == 0 || !strings.Contains(r.stderr, "locked") || !strings.Contains(r.stderr, "--adjust") {
		t.Errorf("correction in a locked period: got exit %d %q, want refused", r.code, r.stderr)
	}
	if got := must(first("four.csv")...); !strings.Contains(got, "no change since export") {
		t.Errorf("after the refused correction: got\n%s\nwant no change", got)
	}
	audit = must("hub", "audit", "verify")
	got = must("hub", "punch", "correct", added.Punch.ID, "--at", "2026-03-02 17:30", "--reason", "stayed late", "--adjust")
	if !strings.Contains(got, "adjustment: E1 regular +0.50") || !strings.Contains(got, "2026-03-16 to 2026-03-31") {
		t.Errorf("adjusted correction: got\n%s\nwant +0.50 regular paid in 16-31 March", got)
	}
	if got := must(first("five.csv")...); !strings.Contains(got, "carried out") || strings.Contains(got, "regular 9h →") || !strings.Contains(got, "9.00") {
		t.Errorf("the locked period after an adjustment: got\n%s\nwant E1's 9.00 as exported and the carried-out half hour listed", got)
	}
	var second struct {
		File     string `json:"file"`
		ExportID string `json:"export_id"`
	}
	secondArgs := []string{"export", "--from", "2026-03-16", "--to", "2026-03-31", "--format", "generic", "--out", filepath.Join(out, "second.csv")}
	if err := json.Unmarshal([]byte(must(append(secondArgs, "--json")...)), &second); err != nil {
		t.Fatal(err)
	}
	rows, _ := os.ReadFile(second.File)
	if !strings.Contains(string(rows), "E1") || !strings.Contains(string(rows), "0.50") {
		t.Errorf("second half's file: got\n%s\nwant E1's 0.50 adjustment", rows)
	}
	// The recorded export comes back byte for byte.
	again := filepath.Join(out, "again.csv")
	must("hub", "export", "get", second.ExportID, "--out", again)
	if a, b := mustRead(t, again), mustRead(t, second.File); !bytes.Equal(a, b) {
		t.Errorf("hub export get: got %d bytes, want the %d written", len(a), len(b))
	}
	if got := must("hub", "export", "list"); strings.Count(got, "generic") != 6 {
		t.Errorf("export list: got\n%s\nwant 6 generic exports", got)
	}

	// Bad input: a clear error, nothing changed.
	audit = must("hub", "audit", "verify")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"hub", "punch", "add", "E9", "--at", "2026-03-20 08:00", "--kind", "in", "--reason", "x"}, "not in the hub's employee directory"},
		{[]string{"hub", "punch", "add", "E1", "--at", "2026-03-20 08:00", "--kind", "lunch", "--reason", "x"}, "--kind"},
		{[]string{"hub", "punch", "add", "E1", "--at", "2036-03-20 08:00", "--kind", "in", "--reason", "x"}, "future"},
		{[]string{"hub", "punch", "add", "E1", "--at", "20/03/2026", "--kind", "in", "--reason", "x"}, "RFC 3339"},
		{[]string{"hub", "punch", "add", "E1", "--at", "2026-03-20 08:00", "--kind", "in"}, "reason"},
		{[]string{"hub", "period", "lock", "--from", "2026-04-15", "--to", "2026-04-01"}, "before --from"},
		{[]string{"hub", "period", "approve", "E9", "--from", "2026-04-01", "--to", "2026-04-15"}, "not in the hub's employee directory"},
		{[]string{"hub", "employee", "set", "E9", "--adp-file", "1"}, "not in the hub's employee directory"},
		{[]string{"hub", "config", "set", "tz", "Mars/Olympus"}, "Mars/Olympus"},
		{[]string{"hub", "punch", "void", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "--reason", "x"}, "unknown punch"},
	} {
		if r := hubCLI(bad.args...); r.code == 0 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: got exit %d %q, want an error with %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
	if got := must("hub", "audit", "verify"); got != audit {
		t.Errorf("audit after bad input: got %q, want %q (nothing changed)", got, audit)
	}
	if !strings.Contains(audit, "intact") {
		t.Errorf("audit verify: got %q", audit)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
