package payrun_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/attendance"
	"clockface/payroll"
	"clockface/payrun"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

var zone = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a time on a November 2026 day in the site's zone (1 November
// 2026 is a Sunday, the first day of a workweek).
func at(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, zone) }

// now is the pay run's clock: Tuesday 1 December, after both periods.
var now = time.Date(2026, 12, 1, 9, 0, 0, 0, zone)

// The two semi-monthly periods of November 2026.
var (
	first  = attendance.Period{From: at(1, 0, 0), To: at(16, 0, 0)}
	second = attendance.Period{From: at(16, 0, 0), To: time.Date(2026, 12, 1, 0, 0, 0, 0, zone)}
)

// openHub is a real SQLite hub in t.TempDir with one paired kiosk, k1,
// that uploaded the directory and punches (as a relay's batch does).
func openHub(t *testing.T, punches []clockface.Punch) *hub.DB {
	t.Helper()
	ctx := context.Background()
	st, err := hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatalf("open hub: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.CreatePairingCode(ctx, "code-hash", "", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Pair(ctx, "code-hash", "k1", make([]byte, 32), now); err != nil {
		t.Fatal(err)
	}
	b := wire.Batch{KioskID: "k1", KioskClock: now, AuditHead: wire.AuditHead{Seq: 1, Hash: "00"}, Employees: []wire.Employee{
		{Number: "E1", Name: "Ana Díaz", Status: "active", Payroll: clockface.PayrollIDs{ADPFileNumber: "101"}},
		{Number: "E2", Name: "Bo Chen", Status: "active", Payroll: clockface.PayrollIDs{ADPFileNumber: "102"}},
		{Number: "E3", Name: "Cy Okafor", Status: "active"},
	}}
	for i, p := range punches {
		b.Events = append(b.Events, wire.Event{ID: uuid.Must(uuid.NewV7()).String(), Seq: int64(i + 1), Type: wire.TypePunch,
			At: p.At, Punch: wire.FromPunch(p)})
	}
	if _, err := st.ApplyBatch(ctx, hub.Receipt{KioskID: "k1", Nonce: wire.NewNonce(), HubTime: now, Batch: b}); err != nil {
		t.Fatalf("load punches: %v", err)
	}
	return st
}

func punch(emp string, kind clockface.PunchKind, t time.Time) clockface.Punch {
	return clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: emp, Kind: kind, Method: clockface.MethodPIN, At: t, KioskID: "k1"}
}

// shift is an in and an out on day, no break.
func shift(emp string, day, fromH, toH int) []clockface.Punch {
	return []clockface.Punch{punch(emp, clockface.PunchIn, at(day, fromH, 0)), punch(emp, clockface.PunchOut, at(day, toH, 0))}
}

// november is the month the tests pay:
//
//	E1 Mon 2 - Fri 6 Nov 08:00-17:00: 45 h in one workweek, so
//	   40 regular and 5 overtime in 1-15 Nov.
//	E2 Sun 15 Nov 08:00-18:00 (10 h, in 1-15 Nov), then Mon 16 - Thu 19
//	   08:00-16:00 (32 h, in 16-30 Nov): the workweek Sun 15 - Sat 21 has
//	   42 h, its last 2 overtime, so 16-30 Nov pays 30 regular and 2
//	   overtime although the period alone has 32 h.
//	E3 Tue 3 Nov in at 08:00 and no out; Wed 4 Nov 08:00-16:00: a
//	   blocking missing out-punch in 1-15 Nov, 8 h.
func november() []clockface.Punch {
	var ps []clockface.Punch
	for d := 2; d <= 6; d++ {
		ps = append(ps, shift("E1", d, 8, 17)...)
	}
	ps = append(ps, shift("E2", 15, 8, 18)...)
	for d := 16; d <= 19; d++ {
		ps = append(ps, shift("E2", d, 8, 16)...)
	}
	ps = append(ps, punch("E3", clockface.PunchIn, at(3, 8, 0)))
	ps = append(ps, shift("E3", 4, 8, 16)...)
	return ps
}

func rules(t *testing.T) attendance.Rules {
	t.Helper()
	r, err := payrun.SiteRules(context.Background(), nil, payrun.RuleSpec{TZ: "America/New_York", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func plan(t *testing.T, p attendance.Period, format payroll.Format) payrun.Plan {
	t.Helper()
	cfg := payroll.DefaultConfig()
	cfg.Format = format
	cfg.ADP.CompanyCode = "AB1"
	return payrun.Plan{Period: p, Rules: rules(t), Payroll: cfg, ExportID: uuid.Must(uuid.NewV7()).String()}
}

// line is a preview line in hours and minutes, for got/want.
type line struct {
	Number                    string
	Regular, Overtime, Double string
	Exceptions                int
}

func lines(s payroll.Summary) []line {
	out := make([]line, 0, len(s.Lines))
	hm := func(m int64) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }
	for _, l := range s.Lines {
		out = append(out, line{l.Number, hm(l.Regular), hm(l.Overtime), hm(l.Double), l.Exceptions})
	}
	return out
}

func TestPreview(t *testing.T) {
	st := openHub(t, november())
	for _, tc := range []struct {
		name         string
		period       attendance.Period
		format       payroll.Format
		want         []line
		wantBlocking []string // employee kind
		wantProblems []string // employee field
	}{
		{"first half, generic", first, payroll.Generic,
			[]line{{"E1", "40:00", "5:00", "0:00", 0}, {"E2", "10:00", "0:00", "0:00", 0}, {"E3", "8:00", "0:00", "0:00", 1}},
			[]string{"E3 missing_out"}, nil},
		{"first half, ADP: E3 has no file number", first, payroll.ADP,
			[]line{{"E1", "40:00", "5:00", "0:00", 0}, {"E2", "10:00", "0:00", "0:00", 0}, {"E3", "8:00", "0:00", "0:00", 1}},
			[]string{"E3 missing_out"}, []string{"E3 ADP File #"}},
		{"second half: the workweek's overtime across the periods", second, payroll.Generic,
			[]line{{"E2", "30:00", "2:00", "0:00", 0}}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := payrun.Prepare(context.Background(), st, st, plan(t, tc.period, tc.format))
			if err != nil {
				t.Fatal(err)
			}
			pv, err := run.Preview()
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(pv.Summary); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("lines:\n got %v\nwant %v", got, tc.want)
			}
			var blocking, problems []string
			for _, e := range pv.Blocking {
				blocking = append(blocking, e.Employee+" "+string(e.Kind))
			}
			for _, p := range pv.Problems {
				problems = append(problems, p.Employee+" "+p.Field)
			}
			if fmt.Sprint(blocking) != fmt.Sprint(tc.wantBlocking) || fmt.Sprint(problems) != fmt.Sprint(tc.wantProblems) {
				t.Errorf("blocking %v, problems %v; want %v and %v", blocking, problems, tc.wantBlocking, tc.wantProblems)
			}
			if got, want := pv.Stopped(), tc.wantBlocking != nil || tc.wantProblems != nil; got != want {
				t.Errorf("stopped %v, want %v", got, want)
			}
		})
	}
}

// TestBlockedRunBuildsNothing: Build refuses while an employee is blocked,
// naming them, and writes the file (E3's row marked) once exceptions are
// allowed.
func TestBlockedRunBuildsNothing(t *testing.T) {
	st := openHub(t, november())
	p := plan(t, first, payroll.Generic)
	run, err := payrun.Prepare(context.Background(), st, st, p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = run.Build()
	var verr *payroll.ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Employee != "E3" || verr.Problems[0].Field != "exceptions" {
		t.Fatalf("blocked build: got %v, want one problem: E3's exceptions", err)
	}
	p.Payroll.AllowExceptions = true
	if run, err = payrun.Prepare(context.Background(), st, st, p); err != nil {
		t.Fatal(err)
	}
	f, err := run.Build()
	if err != nil {
		t.Fatalf("build with exceptions allowed: %v", err)
	}
	if !strings.Contains(string(f.Data), "E3") {
		t.Errorf("the file leaves E3 out:\n%s", f.Data)
	}
}

// record builds and records run's file as the CLI and the dashboard do.
func record(t *testing.T, st *hub.DB, run *payrun.Run, by string, when time.Time) (payrun.Record, []byte) {
	t.Helper()
	f, err := run.Build()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	rec := run.Record(by, when, "hours.csv", f.Data)
	if err := st.RecordExport(context.Background(), rec, f.Data); err != nil {
		t.Fatalf("record: %v", err)
	}
	return rec, f.Data
}

// TestReExportAdjustmentsAndDiff: the second half is exported; a punch
// added in it changes the re-export, which lists the change against the
// first record. The first half, locked after its export, gets a
// correction with --adjust: the hour is paid in the second half and the
// first half's re-export still pays what its file paid.
func TestReExportAdjustmentsAndDiff(t *testing.T) {
	ctx := context.Background()
	var ps []clockface.Punch
	for _, p := range november() {
		if p.EmployeeNumber != "E3" { // nothing blocked
			ps = append(ps, p)
		}
	}
	st := openHub(t, ps)
	r := rules(t)
	edit := hub.PunchEdit{Actor: "hr@example.com", Reason: "test", Now: now, Rules: r}

	// Export both halves once.
	run1, err := payrun.Prepare(ctx, st, st, plan(t, first, payroll.Generic))
	if err != nil {
		t.Fatal(err)
	}
	rec1, data1 := record(t, st, run1, "pay@example.com", at(16, 9, 0))
	run2, err := payrun.Prepare(ctx, st, st, plan(t, second, payroll.Generic))
	if err != nil {
		t.Fatal(err)
	}
	rec2, _ := record(t, st, run2, "pay@example.com", now)
	if run1.HasLast || run2.HasLast {
		t.Fatalf("first exports have a last export: %v %v", run1.HasLast, run2.HasLast)
	}

	// The recorded bytes come back, checked.
	got, data, err := payrun.Download(ctx, st, rec1.ID)
	sum := sha256.Sum256(data1)
	if err != nil || string(data) != string(data1) || got.SHA256 != hex.EncodeToString(sum[:]) || got.By != "pay@example.com" {
		t.Fatalf("download: got %+v, %d bytes, %v; want the %d bytes recorded", got, len(data), err, len(data1))
	}
	if _, _, err := payrun.Download(ctx, st, "no-such-export"); !errors.Is(err, hub.ErrUnknownExport) {
		t.Errorf("download of an unknown id: %v, want ErrUnknownExport", err)
	}
	// An export id is used once.
	again := plan(t, second, payroll.Generic)
	again.ExportID = rec2.ID
	if _, err := payrun.Prepare(ctx, st, st, again); !errors.Is(err, payrun.ErrExportExists) {
		t.Errorf("prepare with a recorded id: %v, want ErrExportExists", err)
	}

	// E2 worked Fri 20 Nov 08:00-12:00 too: 4 more overtime hours (the
	// workweek is already at 42 h).
	if _, err := st.AddPunch(ctx, "E2", clockface.PunchIn, at(20, 8, 0), edit); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPunch(ctx, "E2", clockface.PunchOut, at(20, 12, 0), edit); err != nil {
		t.Fatal(err)
	}
	// The first half is locked; E1's Fri 6 Nov out moves from 17:00 to
	// 18:00 with --adjust: +1 h overtime, paid in the second half.
	if err := st.Lock(ctx, attendance.Lock{Period: first, By: "pay@example.com", At: now}); err != nil {
		t.Fatal(err)
	}
	var out clockface.Punch
	for _, p := range ps {
		if p.EmployeeNumber == "E1" && p.Kind == clockface.PunchOut && p.At.Equal(at(6, 17, 0)) {
			out = p
		}
	}
	to := at(6, 18, 0)
	adj := edit
	adj.Adjust = true
	if _, err := st.CorrectPunch(ctx, out.ID, hub.PunchChange{At: &to}, adj); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name            string
		period          attendance.Period
		last            payrun.Record
		want            []line
		wantAdjustments int
		wantCarriedOut  int
		wantChanges     []string
	}{
		{"second half pays the adjustment and the new shift", second, rec2,
			[]line{{"E1", "0:00", "1:00", "0:00", 0}, {"E2", "30:00", "6:00", "0:00", 0}}, 1, 0,
			[]string{"E1 added", "E2 overtime 2h0m0s->6h0m0s"}},
		{"first half stays as exported", first, rec1,
			[]line{{"E1", "40:00", "5:00", "0:00", 0}, {"E2", "10:00", "0:00", "0:00", 0}}, 0, 1,
			[]string{"E1 days"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := payrun.Prepare(ctx, st, st, plan(t, tc.period, payroll.Generic))
			if err != nil {
				t.Fatal(err)
			}
			pv, err := run.Preview()
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(pv.Summary); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("lines:\n got %v\nwant %v", got, tc.want)
			}
			if len(run.Adjustments) != tc.wantAdjustments || len(run.CarriedOut) != tc.wantCarriedOut {
				t.Errorf("%d adjustments and %d carried out, want %d and %d", len(run.Adjustments), len(run.CarriedOut), tc.wantAdjustments, tc.wantCarriedOut)
			}
			if !run.HasLast || run.Last.ID != tc.last.ID {
				t.Errorf("last export %q (%v), want %q", run.Last.ID, run.HasLast, tc.last.ID)
			}
			var changes []string
			for _, c := range run.Changes {
				changes = append(changes, summary(c))
			}
			if fmt.Sprint(changes) != fmt.Sprint(tc.wantChanges) {
				t.Errorf("changes %v, want %v (%v)", changes, tc.wantChanges, run.Changes)
			}
		})
	}
}

// summary names what a change is about: added, removed, the categories
// whose hours moved, or only the days.
func summary(c attendance.Change) string {
	switch {
	case c.Added:
		return c.Employee + " added"
	case c.Removed:
		return c.Employee + " removed"
	}
	var parts []string
	if c.Old.Regular != c.New.Regular {
		parts = append(parts, fmt.Sprintf("regular %v->%v", c.Old.Regular, c.New.Regular))
	}
	if c.Old.Overtime != c.New.Overtime {
		parts = append(parts, fmt.Sprintf("overtime %v->%v", c.Old.Overtime, c.New.Overtime))
	}
	if c.Old.Double != c.New.Double {
		parts = append(parts, fmt.Sprintf("double %v->%v", c.Old.Double, c.New.Double))
	}
	if len(parts) == 0 && len(c.Days) > 0 {
		parts = append(parts, "days")
	}
	return c.Employee + " " + strings.Join(parts, " ")
}

type settings map[string]string

func (s settings) Setting(_ context.Context, key string) (string, error) { return s[key], nil }

func TestSiteRules(t *testing.T) {
	hubTZ := settings{payrun.SettingTZ: "America/Los_Angeles", payrun.SettingRules: "california"}
	for _, tc := range []struct {
		name      string
		site      payrun.Settings
		spec      payrun.RuleSpec
		wantZone  string
		wantRules string
		wantErr   string
	}{
		{"the request wins", hubTZ, payrun.RuleSpec{TZ: "America/New_York", Rules: "flsa"}, "America/New_York", "flsa", ""},
		{"the hub's settings", hubTZ, payrun.RuleSpec{FallbackTZ: "Europe/Paris"}, "America/Los_Angeles", "california", ""},
		{"the fallback zone, flsa", settings{}, payrun.RuleSpec{FallbackTZ: "Europe/Paris"}, "Europe/Paris", "flsa", ""},
		{"no settings at all", nil, payrun.RuleSpec{TZ: "UTC"}, "UTC", "flsa", ""},
		{"no zone", settings{}, payrun.RuleSpec{}, "", "", "no site time zone"},
		{"the machine's zone", nil, payrun.RuleSpec{TZ: "Local"}, "", "", "tz: "},
		{"unknown zone", nil, payrun.RuleSpec{TZ: "Mars/Base"}, "", "", "tz: "},
		{"unknown rules", nil, payrun.RuleSpec{TZ: "UTC", Rules: "lunar"}, "", "", "rules: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := payrun.SiteRules(context.Background(), tc.site, tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Location.String() != tc.wantZone || r.Name != tc.wantRules {
				t.Errorf("got %s %s, want %s %s", r.Location, r.Name, tc.wantZone, tc.wantRules)
			}
		})
	}
}

func TestDays(t *testing.T) {
	p, err := payrun.Days(at(16, 13, 0), at(30, 0, 0), zone)
	if err != nil || !p.From.Equal(at(16, 0, 0)) || !p.To.Equal(second.To) {
		t.Errorf("Days(16, 30 Nov): got %v %v, want [16 Nov, 1 Dec) local midnights", p, err)
	}
	if _, err := payrun.Days(at(16, 0, 0), at(15, 0, 0), zone); !errors.Is(err, payrun.ErrBadPeriod) {
		t.Errorf("Days(16, 15 Nov): %v, want ErrBadPeriod", err)
	}
}

func TestReady(t *testing.T) {
	cfg := payroll.DefaultConfig()
	for _, tc := range []struct {
		format payroll.Format
		ready  bool
	}{{payroll.Generic, true}, {payroll.Gusto, true}, {payroll.ADP, false}, {payroll.Paychex, false}, {payroll.IIF, false}, {"xml", false}} {
		if got := payrun.Ready(cfg, tc.format) == nil; got != tc.ready {
			t.Errorf("Ready(default config, %s) = %v, want %v", tc.format, got, tc.ready)
		}
	}
	cfg.ADP.CompanyCode = "AB1"
	if err := payrun.Ready(cfg, payroll.ADP); err != nil {
		t.Errorf("Ready(ADP with a company code): %v", err)
	}
}
