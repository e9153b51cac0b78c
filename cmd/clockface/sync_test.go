package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/clocktest"
	"clockface/ledger"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/wire"
)

// TestSyncCLIEndToEnd: pair a kiosk with a hub process, sync its punches,
// export payroll from the hub, then revoke the kiosk.
func TestSyncCLIEndToEnd(t *testing.T) {
	hubData, kiosk, out := t.TempDir(), t.TempDir(), t.TempDir()
	hubDB := filepath.Join(hubData, "hub.db")

	mustCLI(t, hubData, "", "hub", "config", "set", "tz", "UTC", "--db", hubDB)
	code := strings.Fields(mustCLI(t, hubData, "", "hub", "kiosk", "pair", "--db", hubDB))[0]
	srv := exec.Command(cliBinary, "--data", hubData, "hub", "serve", "--db", hubDB, "--insecure-behind-proxy", "--addr", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "hub listening on http://") {
		t.Fatalf("hub serve: got %q %v", line, err)
	}
	hubURL := strings.TrimSpace(strings.TrimPrefix(line, "hub listening on "))

	mustCLI(t, kiosk, "", "sync", "pair", "--hub", hubURL, "--code", code)
	if st, err := os.Stat(filepath.Join(kiosk, "hub.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("hub.json: %v, mode %v, want 0600", err, st.Mode().Perm())
	}
	if cred, err := hubclient.LoadCredential(filepath.Join(kiosk, "hub.json")); err != nil || cred.TimeZone != "UTC" {
		t.Errorf("credential: got zone %q %v, want the hub's UTC", cred.TimeZone, err)
	}
	if r := runCLI(t, kiosk, "", "sync", "pair", "--hub", hubURL, "--code", code); r.code == 0 || !strings.Contains(r.stderr, "pairing code") {
		t.Errorf("spent code: got exit %d %q, want a pairing-code error", r.code, r.stderr)
	}

	mustCLI(t, kiosk, "1357\n", "employee", "add", "100001", "--name", "Ann Lee")
	mustCLI(t, kiosk, "2468\n", "employee", "add", "100002", "--name", "=HYPERLINK(\"http://x\")")
	// Punches on a past Monday, through the ledger's API with a stopped clock.
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(kiosk, "ledger.db"), KeyFile: filepath.Join(kiosk, "keys", "master.key"),
		Clock: clk, KioskID: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		emp  string
		kind clockface.PunchKind
		at   string
	}{{"100001", clockface.PunchIn, "08:00"}, {"100001", clockface.PunchOut, "17:30"}, {"100002", clockface.PunchIn, "09:00"}, {"100002", clockface.PunchOut, "13:15"}} {
		at, _ := time.Parse("15:04", p.at)
		clk.Set(time.Date(2026, 3, 2, at.Hour(), at.Minute(), 0, 0, time.UTC))
		if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: p.emp, Method: clockface.MethodPIN, Kind: p.kind}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()

	if got := mustCLI(t, kiosk, "", "sync"); !strings.Contains(got, "sent 4 events") || !strings.Contains(got, "4 new") {
		t.Errorf("sync: got %q, want 4 events sent and new", got)
	}
	if got := mustCLI(t, kiosk, "", "sync"); !strings.Contains(got, "sent 0 events") {
		t.Errorf("second sync: got %q, want nothing left to send", got)
	}

	csvPath := filepath.Join(out, "hours.csv")
	summary := mustCLI(t, hubData, "", "export", "--db", hubDB, "--from", "2026-03-02", "--to", "2026-03-08", "--tz", "UTC",
		"--format", "generic", "--out", csvPath)
	for _, want := range []string{"9.50", "4.25", "13.75"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %s:\n%s", want, summary)
		}
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][4] != "9.50" || rows[2][1] != `'=HYPERLINK("http://x")` || rows[2][4] != "4.25" {
		t.Errorf("got rows %q, want Ann 9.50 and the neutralised name with 4.25", rows)
	}
	// ADP needs each employee's File #, which nobody has entered: every
	// missing one is named at once and no file is written.
	r := runCLI(t, hubData, "", "export", "--db", hubDB, "--from", "2026-03-02", "--to", "2026-03-08", "--tz", "UTC",
		"--format", "adp", "--adp-company", "AB1", "--earning", "double=D", "--out", out)
	if r.code == 0 || !strings.Contains(r.stderr, "100001") || !strings.Contains(r.stderr, "100002") {
		t.Errorf("ADP export without File #s: got exit %d %q, want both employees named", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "PRAB1EPI.csv")); !os.IsNotExist(err) {
		t.Errorf("ADP file written despite missing ids: %v", err)
	}
	// HR enters the ids on the hub; then every provider's file is written.
	mustCLI(t, hubData, "", "hub", "employee", "set", "100001", "--db", hubDB, "--first", "Ann", "--last", "Lee",
		"--adp-file", "101", "--paychex-id", "W101", "--gusto-id", "GA0101", "--qb-name", "Ann Lee")
	mustCLI(t, hubData, "", "hub", "employee", "set", "100002", "--db", hubDB, "--first", "Hy", "--last", "Link",
		"--adp-file", "102", "--paychex-id", "W102", "--gusto-id", "GA0102", "--qb-name", "Hy Link")
	if got := mustCLI(t, hubData, "", "hub", "employee", "list", "--db", hubDB, "--json"); !strings.Contains(got, `"adp_file_number":"102"`) {
		t.Errorf("employee list: got %s, want 100002's File # 102", got)
	}
	period := []string{"export", "--db", hubDB, "--from", "2026-03-02", "--to", "2026-03-08"}
	for _, f := range [][]string{
		{"--format", "adp", "--adp-company", "AB1", "--earning", "double=D"},
		{"--format", "paychex", "--paychex-client-id", "AB12"},
		{"--format", "gusto"},
		{"--format", "iif", "--company", "Acme Inc", "--company-create-time", "1234567890"},
	} {
		got := mustCLI(t, hubData, "", append(append(period, f...), "--out", out)...)
		if !strings.Contains(got, "13.75") || !strings.Contains(got, "wrote") {
			t.Errorf("%v: got %q, want 13.75 h written", f, got)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "PRAB1EPI.csv")); err != nil {
		t.Errorf("ADP file with File #s set: %v", err)
	}
	// A mistyped hub database is an error, never a new empty one.
	missing := filepath.Join(out, "nohub.db")
	if r := runCLI(t, hubData, "", "export", "--db", missing, "--from", "2026-03-02", "--to", "2026-03-08", "--tz", "UTC",
		"--out", filepath.Join(out, "none.csv")); r.code == 0 || !strings.Contains(r.stderr, "never creates") {
		t.Errorf("export from a missing hub db: got exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("export created %s: %v", missing, err)
	}
	// No zone, no export: the machine's zone is never guessed (the hub
	// has one configured; the kiosk's ledger has none).
	if r := runCLI(t, kiosk, "", "export", "--from-ledger", "--from", "2026-03-02", "--to", "2026-03-08",
		"--out", filepath.Join(out, "nozone.csv")); r.code == 0 || !strings.Contains(r.stderr, "--tz is required") {
		t.Errorf("export without a zone: got exit %d %q", r.code, r.stderr)
	}
	// The single-kiosk path reads the ledger and agrees with the hub.
	local := mustCLI(t, kiosk, "", "export", "--from-ledger", "--from", "2026-03-02", "--to", "2026-03-08", "--tz", "UTC",
		"--format", "generic", "--out", filepath.Join(out, "local.csv"))
	if !strings.Contains(local, "13.75") {
		t.Errorf("ledger export: got %q, want the same 13.75 total", local)
	}

	if got := mustCLI(t, hubData, "", "hub", "kiosk", "list", "--db", hubDB); !strings.Contains(got, "test-kiosk") || !strings.Contains(got, "active") || !strings.Contains(got, "AUDIT FLAGS") {
		t.Errorf("kiosk list: got %q", got)
	}
	mustCLI(t, hubData, "", "hub", "kiosk", "revoke", "test-kiosk", "--db", hubDB)
	mustCLI(t, kiosk, "1357\n", "punch", "100001")
	if r := runCLI(t, kiosk, "", "sync"); r.code == 0 || !strings.Contains(r.stderr, "revoked") {
		t.Errorf("sync after revoke: got exit %d %q, want a revoked error", r.code, r.stderr)
	}
}

// TestKioskRelay: a paired kiosk's background relay delivers punches
// after notify and acknowledges them; an unpaired kiosk gets none. The
// test waits on the hub's answers, not on a timer.
func TestKioskRelay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	clk := clocktest.New(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	a := &cli.App{DataDir: data, KioskID: "relay-kiosk", Clock: clk, Stdout: io.Discard, Stderr: io.Discard}
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(data, "ledger.db"), KeyFile: filepath.Join(data, "keys", "master.key"),
		Clock: clk, KioskID: a.KioskID})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if relay, err := a.KioskRelay(l); err != nil || relay != nil {
		t.Fatalf("unpaired: got %v, %v; want no relay and no error", relay, err)
	}

	st, err := hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	api := hub.NewServer(st, clk, nil).Handler()
	answered := make(chan struct{}, 16) // one per batch the hub answered
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r)
		if r.URL.Path == wire.PathBatches {
			answered <- struct{}{}
		}
	}))
	defer srv.Close()
	// await waits for hub answers until ok holds.
	await := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case <-answered:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no batch reached the hub within 10 s", what)
			}
		}
	}
	code, err := hub.NewPairingCode(ctx, st, clk.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := hubclient.Pair(ctx, srv.Client(), srv.URL, code, a.KioskID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := cred.Save(a.CredentialPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "E1", Name: "Ann"}, "1357"); err != nil {
		t.Fatal(err)
	}
	relay, err := a.KioskRelay(l)
	if err != nil || relay == nil {
		t.Fatalf("paired: got %v, %v; want a relay", relay, err)
	}
	relayDone := make(chan struct{})
	go func() { relay.Run(ctx); close(relayDone) }()
	defer func() { cancel(); <-relayDone }()
	notify := relay.Notify
	p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "E1", Method: clockface.MethodPIN})
	if err != nil {
		t.Fatal(err)
	}
	notify()
	await("the punch", func() bool {
		ps, err := st.PunchesBetween(ctx, p.At, p.At.Add(time.Nanosecond))
		if err != nil {
			t.Fatal(err)
		}
		return len(ps) == 1 && ps[0].ID == p.ID
	})
	// The relay acknowledges a batch before its next pass starts, and only
	// a later pass can send a directory changed after the punch arrived.
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "E2", Name: "Bo"}, "2468"); err != nil {
		t.Fatal(err)
	}
	notify()
	await("the directory", func() bool {
		es, err := st.Employees(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(es) == 2
	})
	if n, err := l.OutboxLen(ctx); err != nil || n != 0 {
		t.Errorf("outbox after the hub stored the punch: got %d %v, want 0 (acknowledged)", n, err)
	}
}

// TestTemplatesCLI: fleet-key and `sync templates` move a template from
// one kiosk's ledger to another's through a sharing hub.
func TestTemplatesCLI(t *testing.T) {
	hubData, ka, kb, keys := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	hubDB := filepath.Join(hubData, "hub.db")
	srv := exec.Command(cliBinary, "--data", hubData, "hub", "serve", "--db", hubDB, "--insecure-behind-proxy", "--addr", "127.0.0.1:0", "--allow-template-sharing")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	hubURL := strings.TrimSpace(strings.TrimPrefix(line, "hub listening on "))
	keyFile := filepath.Join(keys, "fleet.key")
	mustCLI(t, ka, "", "sync", "fleet-key", "--out", keyFile)
	if r := runCLI(t, ka, "", "sync", "fleet-key", "--out", keyFile); r.code == 0 {
		t.Error("fleet-key overwrote an existing key")
	}
	ctx := context.Background()
	for _, dir := range []string{ka, kb} {
		code := strings.Fields(mustCLI(t, hubData, "", "hub", "kiosk", "pair", "--db", hubDB))[0]
		cmd := exec.Command(cliBinary, "--data", dir, "--kiosk-id", filepath.Base(dir), "sync", "pair", "--hub", hubURL, "--code", code)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pair: %v %s", err, out)
		}
		l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"),
			Clock: clockface.SystemClock{}, KioskID: filepath.Base(dir)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "E1", Name: "Ann"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := l.RecordConsent(ctx, clockface.Consent{EmployeeNumber: "E1", TextVersion: "v1", Locale: "en",
			TextSHA256: strings.Repeat("ab", 32), Signature: "Ann", RetentionPolicy: "r1"}); err != nil {
			t.Fatal(err)
		}
		if dir == ka {
			s := make(embeddings.Embedding, 128)
			for i := range s {
				s[i] = float32(i) / 256
			}
			if err := l.SaveTemplate(ctx, embeddings.Template{Owner: "E1", Model: dlib.Model(), Samples: []embeddings.Embedding{s}}, "enrol"); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	run := func(dir string) string {
		cmd := exec.Command(cliBinary, "--data", dir, "--kiosk-id", filepath.Base(dir), "sync", "templates", "--fleet-key", keyFile)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sync templates: %v %s", err, out)
		}
		return string(out)
	}
	if got := run(ka); !strings.Contains(got, "sent 1 templates") {
		t.Errorf("kiosk A: got %q, want 1 template sent", got)
	}
	if got := run(kb); !strings.Contains(got, "imported 1") {
		t.Errorf("kiosk B: got %q, want 1 imported", got)
	}
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(kb, "ledger.db"), KeyFile: filepath.Join(kb, "keys", "master.key"),
		Clock: clockface.SystemClock{}, KioskID: filepath.Base(kb)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if tm, err := l.Template(ctx, "E1", dlib.Model()); err != nil || len(tm.Samples) != 1 || tm.Samples[0][5] != float32(5)/256 {
		t.Errorf("kiosk B's template: got %v %v, want A's", tm.Samples, err)
	}
}
