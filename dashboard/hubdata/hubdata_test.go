package hubdata_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/dashboard/hubdata"
	"clockface/internal/clocktest"
	"clockface/payroll"
)

// TestScreensOnRealHub checks every read-only screen against a hub fed by
// two kiosks' real syncs, on both stores.
func TestScreensOnRealHub(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			d := r.data()
			ctx := context.Background()

			sites, err := d.Sites(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range sites {
				ids = append(ids, s.ID)
			}
			slices.Sort(ids)
			if want := []string{"back", "front"}; !slices.Equal(ids, want) {
				t.Errorf("sites: got %v, want %v (one per kiosk)", ids, want)
			}

			for _, tc := range []struct {
				site string
				want []string
			}{
				{"front", []string{"E1 in 2026-11-20 09:00 front", "E2 break 2026-11-20 11:30 front"}},
				{"back", []string{"E3 out 2026-11-20 11:00 back"}},
			} {
				rows, err := d.WhoIsIn(ctx, tc.site, dashboard.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range rows {
					got = append(got, strings.Join([]string{p.Employee, string(p.State), p.Since.Format("2006-01-02 15:04"), p.Kiosk}, " "))
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("who's in at %s: got %q, want %q", tc.site, got, tc.want)
				}
			}

			p, err := d.CurrentPeriod(ctx, r.screen.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !p.From.Equal(period.From) || !p.To.Equal(period.To) || p.Kind != "semi-monthly" {
				t.Fatalf("current period: got %v - %v %s, want 16-30 November semi-monthly", p.From, p.To, p.Kind)
			}
			for _, tc := range []struct {
				site string
				want map[string]time.Duration
			}{
				{"front", map[string]time.Duration{"E1": 17*time.Hour + 30*time.Minute, "E2": 4*time.Hour + 30*time.Minute}},
				{"back", map[string]time.Duration{"E1": 17*time.Hour + 30*time.Minute, "E3": 11 * time.Hour}},
			} {
				ts, err := d.Timesheet(ctx, tc.site, p, dashboard.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(ts.Days) != 15 {
					t.Errorf("%s: %d days, want 15", tc.site, len(ts.Days))
				}
				got := map[string]time.Duration{}
				for _, row := range ts.Rows {
					got[row.Employee] = row.Total
					var sum time.Duration
					for _, h := range row.Days {
						sum += h
					}
					if sum != row.Total {
						t.Errorf("%s %s: days add up to %v, total %v", tc.site, row.Employee, sum, row.Total)
					}
				}
				if len(got) != len(tc.want) {
					t.Errorf("%s: rows %v, want %v", tc.site, got, tc.want)
				}
				for n, w := range tc.want {
					if got[n] != w {
						t.Errorf("%s timesheet %s: total %v, want %v", tc.site, n, got[n], w)
					}
				}
			}
			ts, _ := d.Timesheet(ctx, "front", p, dashboard.Filter{})
			if e2 := ts.Rows[1]; e2.Employee != "E2" || len(e2.Exceptions[2]) == 0 || !strings.HasPrefix(e2.Exceptions[2][0], "missing_out") {
				t.Errorf("E2's Wednesday should carry missing_out, got %+v", e2.Exceptions)
			}

			excs, err := d.Exceptions(ctx, "front", p, dashboard.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range excs {
				kinds = append(kinds, e.Employee+" "+e.Kind+" "+e.Day.Format(time.DateOnly))
				if e.Reason == "" || !e.Blocking {
					t.Errorf("exception %+v: want a reason and blocking", e)
				}
			}
			for _, want := range []string{"E2 missing_out 2026-11-18", "E1 open_shift 2026-11-20"} {
				if !slices.Contains(kinds, want) {
					t.Errorf("front's exceptions %q lack %q", kinds, want)
				}
			}
			if back, _ := d.Exceptions(ctx, "back", p, dashboard.Filter{Employee: "E3"}); len(back) != 0 {
				t.Errorf("E3 has no exceptions (the double out was voided), got %+v", back)
			}

			dir, err := d.Employees(ctx, dashboard.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, e := range dir {
				rows = append(rows, e.Number+" "+e.Name+" "+string(e.Status)+" "+e.Site)
			}
			if want := []string{"E1 Ana Díaz active front", "E2 Bo Chen active front", "E3 Cy Okafor active back"}; !slices.Equal(rows, want) {
				t.Errorf("directory: got %q, want %q", rows, want)
			}

			ks, err := d.Kiosks(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range ks {
				if k.LastSeen == nil || k.AuditSeq == 0 || k.AuditHash == "" || k.AuditFlags != 0 || k.Site != k.ID {
					t.Errorf("kiosk %+v: want last sync, an audit head, no flags, site = id", k)
				}
			}

			my, err := d.MyPeriod(ctx, "E2", r.screen.Now())
			if err != nil {
				t.Fatal(err)
			}
			if my.Total != 4*time.Hour+30*time.Minute || len(my.Punches) != 5 {
				t.Errorf("E2's time: total %v with %d punches, want 4h30m with 5", my.Total, len(my.Punches))
			}
			var corrected []string
			for _, mp := range my.Punches {
				if mp.Corrected {
					corrected = append(corrected, mp.Original.Format("15:04")+"->"+mp.At.Format("15:04")+" "+mp.Note)
				}
			}
			if want := []string{"12:00->12:30 left at 12:30, kiosk queue"}; !slices.Equal(corrected, want) {
				t.Errorf("E2's corrections: got %q, want %q", corrected, want)
			}

			b, err := d.MyRecords(ctx, "E3")
			if err != nil {
				t.Fatal(err)
			}
			var rec hubdata.Records
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("records are not JSON: %v\n%s", err, b)
			}
			if rec.Directory == nil || rec.Directory.Name != "Cy Okafor" || len(rec.Punches) != 5 || rec.Statement != hubdata.FaceStatement {
				t.Errorf("E3's records: got %+v", rec)
			}
			voided := 0
			for _, p := range rec.Punches {
				if p.Void != nil && p.Void.Reason == "pressed twice" {
					voided++
				}
			}
			if voided != 1 || strings.Contains(string(b), "E1") || !strings.Contains(rec.Statement, "clockface dsar export NUMBER") {
				t.Errorf("E3's records: want the voided punch, nobody else's data and the kiosk export command:\n%s", b)
			}
		})
	}
}

// TestFiltersApplied: an employee filter narrows every screen to that
// employee; a department filter matches no one (the hub has no
// departments yet: it fails closed).
func TestFiltersApplied(t *testing.T) {
	r := newRig(t, "sqlite", clockface.SystemClock{})
	scenario(r)
	d := r.data()
	ctx := context.Background()
	ts, _ := d.Timesheet(ctx, "front", period, dashboard.Filter{Employee: "E2"})
	if len(ts.Rows) != 1 || ts.Rows[0].Employee != "E2" {
		t.Errorf("employee filter: rows %+v, want E2 only", ts.Rows)
	}
	dept := dashboard.Filter{Departments: []string{"kitchen"}}
	who, _ := d.WhoIsIn(ctx, "front", dept)
	ts, _ = d.Timesheet(ctx, "front", period, dept)
	ex, _ := d.Exceptions(ctx, "front", period, dept)
	dir, _ := d.Employees(ctx, dept)
	ps, _ := d.EmployeePunches(ctx, "front", "E1", period, dept)
	if len(who)+len(ts.Rows)+len(ex)+len(dir)+len(ps) != 0 {
		t.Errorf("department filter: got %d %d %d %d %d rows, want none", len(who), len(ts.Rows), len(ex), len(dir), len(ps))
	}
	if ps, _ := d.EmployeePunches(ctx, "back", "E2", period, dashboard.Filter{}); len(ps) != 0 {
		t.Errorf("E2 never punched at back: got %d punches there", len(ps))
	}
}

// TestTimesheetTotalsMatchExport: the timesheet's totals are the bytes
// payroll.Export writes for the same period, computed the way `clockface
// export` computes them, on both stores.
func TestTimesheetTotalsMatchExport(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			ctx := context.Background()
			// The export, step by step as cmd/clockface/export.go runs it.
			ru := rules(t)
			ru.Now = r.screen.Now()
			from, end := local(16, 0, 0), local(30, 0, 0).AddDate(0, 0, 1)
			qFrom, qTo, err := attendance.Window(from, end, ru)
			if err != nil {
				t.Fatal(err)
			}
			punches, err := r.st.PunchesBetween(ctx, qFrom, qTo)
			if err != nil {
				t.Fatal(err)
			}
			people, err := r.st.Employees(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sheet, err := attendance.Build(punches, from, end, ru)
			if err != nil {
				t.Fatal(err)
			}
			dir := map[string]clockface.Employee{}
			for _, p := range people {
				dir[p.Number] = p
			}
			cfg := payroll.DefaultConfig()
			cfg.Format, cfg.AllowExceptions = payroll.Generic, true
			out := t.TempDir()
			res, err := payroll.Export(out, payroll.Input{Sheet: sheet, Directory: dir, ExportID: "x"}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(res.File)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := slices.Index(recs[0], "total_hours")
			file := map[string]string{}
			for _, rec := range recs[1:] {
				file[rec[0]] = rec[col]
			}
			page := map[string]string{}
			d := r.data()
			for _, site := range []string{"front", "back"} {
				ts, err := d.Timesheet(ctx, site, period, dashboard.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range ts.Rows {
					page[row.Employee] = payroll.Hours(int64(row.Total / time.Minute))
				}
			}
			if len(file) != 3 || len(page) != len(file) {
				t.Fatalf("file has %v, page %v: want the same 3 employees", file, page)
			}
			for n, want := range file {
				if page[n] != want {
					t.Errorf("%s: page total %s, file %s (%s)", n, page[n], want, filepath.Base(res.File))
				}
			}
		})
	}
}

// TestPeriods: the pay period holding a date, for every kind.
func TestPeriods(t *testing.T) {
	anchor := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC) // a Sunday
	tests := []struct {
		kind     string
		at       time.Time
		from, to string // inclusive
	}{
		{hubdata.Weekly, local(20, 12, 0), "2026-11-15", "2026-11-21"},
		{hubdata.Weekly, local(15, 0, 0), "2026-11-15", "2026-11-21"},
		{hubdata.Biweekly, local(20, 12, 0), "2026-11-08", "2026-11-21"}, // 22 fortnights after 4 January
		{hubdata.Biweekly, time.Date(2025, 12, 30, 12, 0, 0, 0, zone), "2025-12-21", "2026-01-03"},
		{hubdata.SemiMonthly, local(15, 23, 59), "2026-11-01", "2026-11-15"},
		{hubdata.SemiMonthly, local(16, 0, 0), "2026-11-16", "2026-11-30"},
		{hubdata.SemiMonthly, time.Date(2027, 2, 20, 12, 0, 0, 0, zone), "2027-02-16", "2027-02-28"},
		{hubdata.Monthly, time.Date(2026, 12, 31, 23, 0, 0, 0, zone), "2026-12-01", "2026-12-31"},
		// 04:00 UTC on the 16th is still the 15th in New York.
		{hubdata.SemiMonthly, time.Date(2026, 11, 16, 4, 0, 0, 0, time.UTC), "2026-11-01", "2026-11-15"},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.at.String(), func(t *testing.T) {
			r := newRigless(t, tc.kind, anchor)
			p, err := r.CurrentPeriod(context.Background(), tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.From.Format(time.DateOnly) + " " + p.To.Format(time.DateOnly); got != tc.from+" "+tc.to {
				t.Errorf("got %s, want %s %s", got, tc.from, tc.to)
			}
			if p.From.Location() != zone || p.From.Hour() != 0 {
				t.Errorf("From %v: want local midnight in the site's zone", p.From)
			}
		})
	}
}

// newRigless is a Data on a hub that is never read (periods only).
func newRigless(t *testing.T, kind string, anchor time.Time) *hubdata.Data {
	t.Helper()
	d, err := hubdata.New(hubdata.Config{Reads: openHub(t, "sqlite"), Clock: clocktest.New(now), Rules: rules(t),
		Periods: hubdata.PayPeriods{Kind: kind, Anchor: anchor}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBadConfig: a missing or machine zone, an unknown period kind and a
// weekly period without its anchor are refused with what to fix.
func TestBadConfig(t *testing.T) {
	st := openHub(t, "sqlite")
	clk := clocktest.New(now)
	noZone := rules(t)
	noZone.Location = nil
	machine := rules(t)
	machine.Location = time.Local
	tests := []struct {
		name string
		cfg  hubdata.Config
		want string
	}{
		{"no zone", hubdata.Config{Reads: st, Clock: clk, Rules: noZone, Periods: hubdata.PayPeriods{Kind: hubdata.Monthly}}, "time zone"},
		{"machine zone", hubdata.Config{Reads: st, Clock: clk, Rules: machine, Periods: hubdata.PayPeriods{Kind: hubdata.Monthly}}, "never the machine's"},
		{"unknown kind", hubdata.Config{Reads: st, Clock: clk, Rules: rules(t), Periods: hubdata.PayPeriods{Kind: "fortnightly"}}, `unknown kind "fortnightly"`},
		{"weekly without anchor", hubdata.Config{Reads: st, Clock: clk, Rules: rules(t), Periods: hubdata.PayPeriods{Kind: hubdata.Weekly}}, "anchor"},
		{"no clock", hubdata.Config{Reads: st, Rules: rules(t), Periods: hubdata.PayPeriods{Kind: hubdata.Monthly}}, "Clock"},
		{"no reads", hubdata.Config{Clock: clk, Rules: rules(t), Periods: hubdata.PayPeriods{Kind: hubdata.Monthly}}, "Reads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hubdata.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
