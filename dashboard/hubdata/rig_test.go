package hubdata_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/dashboard/hubdata"
	"clockface/internal/clocktest"
	"clockface/internal/pgtest"
	"clockface/ledger"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
)

// backends are the two hub stores every test runs on.
var backends = []string{"sqlite", "postgres"}

func openHub(t testing.TB, kind string) *hub.DB {
	t.Helper()
	ctx := context.Background()
	var (
		st  *hub.DB
		err error
	)
	switch kind {
	case "sqlite":
		st, err = hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	case "postgres":
		schema := pgtest.Schema(t, "hubdata")
		st, err = hub.OpenPostgres(ctx, pgtest.URL(), schema)
	}
	if err != nil {
		t.Fatalf("open %s hub: %v", kind, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// zone is the test site's zone: New York, so local dates differ from UTC
// ones in the evening.
var zone = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// local is a time on a November 2026 day in the site's zone.
func local(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, zone)
}

// now is the screens' clock in the tests: Friday 20 November, 12:00.
var now = local(20, 12, 0)

// rig is a real hub (the API with the dashboard mounted, over TLS on
// 127.0.0.1) and real kiosks: ledgers in t.TempDir that relay their outbox
// with outbox.Relay.RunOnce through sync/hubclient.
type rig struct {
	t      testing.TB
	st     *hub.DB
	srv    *httptest.Server
	web    *dashboard.Handler
	screen *clocktest.Clock // what the screens call now
	kiosks map[string]*kiosk
}

type kiosk struct {
	l      *ledger.Ledger
	clock  *clocktest.Clock
	client *hubclient.Client
}

// rules are the site's rules, as `hub serve --tz America/New_York` and
// `export --tz America/New_York` make them (FLSA, Sunday workweeks).
func rules(t testing.TB) attendance.Rules {
	r, err := attendance.RuleSet("flsa")
	if err != nil {
		t.Fatal(err)
	}
	r.Location = zone
	return r
}

func newRig(t testing.TB, kind string, webClock clockface.Clock) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{t: t, st: openHub(t, kind), screen: clocktest.New(now), kiosks: map[string]*kiosk{}}
	web, err := hubdata.NewDashboard(ctx, r.st, hubdata.Config{Clock: r.screen, Rules: rules(t),
		Periods: hubdata.PayPeriods{Kind: hubdata.SemiMonthly}}, webClock, nil)
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	r.web = web
	srv := hub.NewServer(r.st, clockface.SystemClock{}, nil)
	srv.MountWeb(web)
	r.srv = httptest.NewTLSServer(srv.Handler())
	t.Cleanup(r.srv.Close)
	return r
}

// data is the hub's Data on the rig's store, as the dashboard holds it.
func (r *rig) data() *hubdata.Data {
	r.t.Helper()
	d, err := hubdata.New(hubdata.Config{Reads: r.st, Clock: r.screen, Rules: rules(r.t), Periods: hubdata.PayPeriods{Kind: hubdata.SemiMonthly}})
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// kiosk pairs a new kiosk with the hub and opens its ledger with the
// employees given (number, name).
func (r *rig) kiosk(id string, people ...string) *kiosk {
	r.t.Helper()
	ctx := context.Background()
	code, err := hub.NewPairingCode(ctx, r.st, time.Now(), time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	cred, err := hubclient.Pair(ctx, r.srv.Client(), r.srv.URL, code, id, "")
	if err != nil {
		r.t.Fatalf("pair %s: %v", id, err)
	}
	c, err := hubclient.NewClient(cred, r.srv.Client(), clockface.SystemClock{})
	if err != nil {
		r.t.Fatal(err)
	}
	dir := r.t.TempDir()
	clk := clocktest.New(local(1, 9, 0))
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"),
		Clock: clk, KioskID: id})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { l.Close() })
	for i := 0; i+1 < len(people); i += 2 {
		if _, err := l.AddEmployee(ctx, clockface.Employee{Number: people[i], Name: people[i+1]}, "4321"); err != nil {
			r.t.Fatal(err)
		}
	}
	k := &kiosk{l: l, clock: clk, client: c}
	r.kiosks[id] = k
	return k
}

// punch records a PIN punch at the kiosk at time at.
func (k *kiosk) punch(t testing.TB, emp string, kind clockface.PunchKind, at time.Time) clockface.Punch {
	t.Helper()
	k.clock.Set(at)
	p, created, err := k.l.Punch(context.Background(), clockface.PunchRequest{Employee: emp, Method: clockface.MethodPIN, Kind: kind})
	if err != nil || !created {
		t.Fatalf("punch %s %s at %v: created=%v err=%v", emp, kind, at, created, err)
	}
	return p
}

// sync relays every kiosk's outbox to the hub (RunOnce, as `clockface
// sync` does).
func (r *rig) sync() {
	r.t.Helper()
	for id, k := range r.kiosks {
		if _, err := outbox.New(k.l, k.client, outbox.Options{KioskID: id}).RunOnce(context.Background()); err != nil {
			r.t.Fatalf("sync %s: %v", id, err)
		}
	}
}

// scenario is the fortnight the tests check, Mon 16 to Fri 20 November
// 2026 at two kiosks (front, back), synced to the hub:
//
//	E1 Ana  Mon 08:00-16:30 front; Tue 08:00 front - 17:00 back (9 h);
//	        Fri 09:00 in at front: in now
//	E2 Bo   Wed 08:00 in at front and no out (missing_out);
//	        Thu 08:00-12:00 front, out corrected to 12:30;
//	        Fri 10:00 in, 11:30 break at front: on break now
//	E3 Cy   Thu 08:00-16:00 back; Fri 08:00-11:00 back, and a second
//	        out at 11:01 voided: out now
//
// Totals 16-30 Nov: E1 17:30, E2 4:30, E3 11:00.
func scenario(r *rig) {
	t := r.t
	front := r.kiosk("front", "E1", "Ana Díaz", "E2", "Bo Chen")
	back := r.kiosk("back", "E1", "Ana Díaz", "E3", "Cy Okafor")
	front.punch(t, "E1", clockface.PunchIn, local(16, 8, 0))
	front.punch(t, "E1", clockface.PunchOut, local(16, 16, 30))
	front.punch(t, "E1", clockface.PunchIn, local(17, 8, 0))
	back.punch(t, "E1", clockface.PunchOut, local(17, 17, 0))
	front.punch(t, "E2", clockface.PunchIn, local(18, 8, 0))
	front.punch(t, "E2", clockface.PunchIn, local(19, 8, 0))
	out := front.punch(t, "E2", clockface.PunchOut, local(19, 12, 0))
	if _, err := front.l.CorrectPunch(context.Background(), out.ID, local(19, 12, 30), "hr", "left at 12:30, kiosk queue"); err != nil {
		t.Fatal(err)
	}
	back.punch(t, "E3", clockface.PunchIn, local(19, 8, 0))
	back.punch(t, "E3", clockface.PunchOut, local(19, 16, 0))
	back.punch(t, "E3", clockface.PunchIn, local(20, 8, 0))
	back.punch(t, "E3", clockface.PunchOut, local(20, 11, 0))
	twice := back.punch(t, "E3", clockface.PunchOut, local(20, 11, 1))
	if err := back.l.VoidPunch(context.Background(), twice.ID, "E3", "pressed twice"); err != nil {
		t.Fatal(err)
	}
	front.punch(t, "E1", clockface.PunchIn, local(20, 9, 0))
	front.punch(t, "E2", clockface.PunchIn, local(20, 10, 0))
	front.punch(t, "E2", clockface.BreakStart, local(20, 11, 30))
	r.sync()
}

// period is 16-30 November 2026.
var period = dashboard.Period{From: local(16, 0, 0), To: local(30, 0, 0), Kind: hubdata.SemiMonthly}
