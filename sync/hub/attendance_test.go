package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/attendance"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// punchBatch is a batch of kiosk punches for emp at the given times, of
// the given kinds in turn.
func punchBatch(kiosk, emp string, seq0 int64, at []time.Time, kinds []clockface.PunchKind, people ...wire.Employee) wire.Batch {
	b := wire.Batch{KioskID: kiosk, KioskClock: t0, Employees: people}
	for i, ts := range at {
		p := clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: emp, Kind: kinds[i%len(kinds)],
			Method: clockface.MethodPIN, At: ts, KioskID: kiosk}
		b.Events = append(b.Events, wire.Event{ID: uuid.Must(uuid.NewV7()).String(), Seq: seq0 + int64(i) + 1,
			Type: wire.TypePunch, At: ts, Punch: wire.FromPunch(p)})
	}
	return b
}

var inOut = []clockface.PunchKind{clockface.PunchIn, clockface.PunchOut}

func at(day, hour, min int) time.Time { return time.Date(2026, 3, day, hour, min, 0, 0, time.UTC) }

// send posts b and fails the test unless the hub takes it.
// send delivers b as the kiosk would, right after its punches were made:
// a hub clock behind the batch's last punch moves up to it (the hub
// refuses punches more than a day ahead of its own clock).
func (h *testHub) send(t *testing.T, secret []byte, b wire.Batch) {
	t.Helper()
	for _, e := range b.Events {
		if e.Punch.At.After(h.clock.Now()) {
			h.clock.Set(e.Punch.At)
		}
	}
	if s, e, _ := h.post(t, mustJSON(t, b), b.KioskID, secret, h.clock.Now(), wire.NewNonce()); s != http.StatusOK {
		t.Fatalf("batch: got %d %+v", s, e)
	}
}

func flsa(t *testing.T, now time.Time) attendance.Rules {
	t.Helper()
	r, err := attendance.RuleSet("flsa")
	if err != nil {
		t.Fatal(err)
	}
	r.Location, r.Now = time.UTC, now
	return r
}

// weekHours is E1's sheet for Mon 2 to Sun 8 March.
func weekSheet(t *testing.T, st *hub.DB, now time.Time) attendance.Sheet {
	t.Helper()
	r := flsa(t, now)
	from, to := at(2, 0, 0), at(9, 0, 0)
	qf, qt, err := attendance.Window(from, to, r)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := st.PunchesBetween(context.Background(), qf, qt)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := attendance.Build(ps, from, to, r)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func hoursOf(sh attendance.Sheet, n string) time.Duration {
	e, _ := sh.Employee(n)
	return e.Hours.Total()
}

func auditLen(t *testing.T, st *hub.DB) int {
	t.Helper()
	n, err := st.VerifyAudit(context.Background())
	if err != nil {
		t.Fatalf("hub audit: %v", err)
	}
	return n
}

func TestDirectoryHubEditsWin(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			h.send(t, secret, wire.Batch{KioskID: "k1", KioskClock: t0, Employees: []wire.Employee{{Number: "E1", Name: "Ann Lee",
				Status: "active", FirstName: "Ann", Payroll: clockface.PayrollIDs{ADPFileNumber: "111111"}}}})
			e, err := h.st.SetEmployeeFields(ctx, "E1", map[string]string{hub.FieldADP: "222222", hub.FieldLastName: "Lee"}, "hr", t0)
			if err != nil {
				t.Fatal(err)
			}
			if e.Payroll.ADPFileNumber != "222222" || e.FirstName != "Ann" || e.LastName != "Lee" {
				t.Errorf("after the hub edit: got %+v, want ADP 222222, Ann Lee", e)
			}
			// A later upload changes the name, but neither blanks the first
			// name nor overrides the hub's File #.
			h.send(t, secret, wire.Batch{KioskID: "k1", KioskClock: t0, Employees: []wire.Employee{{Number: "E1", Name: "Ann B. Lee",
				Status: "active", Payroll: clockface.PayrollIDs{ADPFileNumber: "333333", GustoID: "g-1"}}}})
			es, err := h.st.Employees(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := clockface.Employee{Number: "E1", Name: "Ann B. Lee", Status: clockface.StatusActive, FirstName: "Ann", LastName: "Lee",
				Payroll: clockface.PayrollIDs{ADPFileNumber: "222222", GustoID: "g-1"}}
			if len(es) != 1 || es[0] != want {
				t.Errorf("directory: got %+v, want %+v", es, want)
			}
			for _, bad := range []struct {
				name   string
				number string
				fields map[string]string
			}{
				{"unknown employee", "E9", map[string]string{hub.FieldADP: "1"}},
				{"unknown field", "E1", map[string]string{"ssn": "1"}},
				{"control character", "E1", map[string]string{hub.FieldQB: "Ann\tLee"}},
				{"nothing", "E1", nil},
			} {
				if _, err := h.st.SetEmployeeFields(ctx, bad.number, bad.fields, "hr", t0); err == nil {
					t.Errorf("%s: got no error", bad.name)
				}
			}
			if _, err := h.st.SetEmployeeFields(ctx, "E9", map[string]string{hub.FieldADP: "1"}, "hr", t0); !errors.Is(err, clockface.ErrUnknownEmployee) {
				t.Errorf("unknown employee: got %v, want ErrUnknownEmployee", err)
			}
			if e, _ := h.st.Employee(ctx, "E1"); e != want {
				t.Errorf("after refused edits: got %+v, want %+v", e, want)
			}
			if n := auditLen(t, h.st); n != 1 {
				t.Errorf("hub audit: got %d entries, want 1", n)
			}
		})
	}
}

func TestPunchRepairs(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			h.send(t, secret, punchBatch("k1", "E1", 0, []time.Time{at(2, 8, 0)}, inOut, wire.Employee{Number: "E1", Name: "Ann", Status: "active"}))
			now := at(3, 9, 0)
			sh := weekSheet(t, h.st, now)
			if len(sh.Blocking()) != 1 || sh.Blocking()[0].Kind != attendance.MissingOut {
				t.Fatalf("before the repair: got %+v, want one missing_out", sh.Blocking())
			}
			ed := hub.PunchEdit{Actor: "admin", Reason: "forgot to clock out", Now: now}
			// Entered as an in by mistake, then corrected to an out.
			added, err := h.st.AddPunch(ctx, "E1", clockface.PunchIn, at(2, 16, 0), ed)
			if err != nil {
				t.Fatal(err)
			}
			if p := added.Punch; p.KioskID != hub.HubKioskID || p.Method != hub.MethodAdmin || uuid.MustParse(p.ID).Version() != 7 {
				t.Errorf("added punch: got %+v, want kiosk hub, method admin, a UUIDv7", p)
			}
			out := clockface.PunchOut
			if _, err := h.st.CorrectPunch(ctx, added.Punch.ID, hub.PunchChange{Kind: out}, ed); err != nil {
				t.Fatal(err)
			}
			sh = weekSheet(t, h.st, now)
			if got := hoursOf(sh, "E1"); got != 8*time.Hour || len(sh.Blocking()) != 0 {
				t.Errorf("after add and kind correction: got %s, blocking %+v; want 8h and none", got, sh.Blocking())
			}
			// The in-punch moves to 07:30: 8 h 30 m; its recorded time stays.
			ps, _ := h.st.PunchesBetween(ctx, at(2, 0, 0), at(2, 9, 0))
			in := ps[0]
			early := at(2, 7, 30)
			res, err := h.st.CorrectPunch(ctx, in.ID, hub.PunchChange{At: &early}, ed)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Punch.At.Equal(at(2, 8, 0)) || !res.Punch.Time().Equal(early) || res.Punch.Corrected.By != "admin" {
				t.Errorf("corrected: got %+v, want 08:00 kept and 07:30 effective by admin", res.Punch)
			}
			// A stray punch at 17:00, voided.
			stray, err := h.st.AddPunch(ctx, "E1", clockface.PunchIn, at(2, 17, 0), ed)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.st.VoidPunch(ctx, stray.Punch.ID, ed); err != nil {
				t.Fatal(err)
			}
			sh = weekSheet(t, h.st, now)
			if got := hoursOf(sh, "E1"); got != 8*time.Hour+30*time.Minute || len(sh.Blocking()) != 0 {
				t.Errorf("after all repairs: got %s, blocking %+v; want 8h30m and none", got, sh.Blocking())
			}
			edits, err := h.st.PunchEdits(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, e := range edits {
				fields = append(fields, e.Field+":"+e.Before+">"+e.After)
			}
			wantFields := []string{"punch:>in 2026-03-02T16:00:00Z", "kind:in>out", "at:2026-03-02T08:00:00Z>2026-03-02T07:30:00Z",
				"punch:>in 2026-03-02T17:00:00Z", "void:>voided"}
			if len(fields) != len(wantFields) {
				t.Fatalf("edits: got %q, want %q", fields, wantFields)
			}
			for i := range fields {
				if fields[i] != wantFields[i] {
					t.Errorf("edit %d: got %q, want %q", i, fields[i], wantFields[i])
				}
			}
			if n := auditLen(t, h.st); n != 5 {
				t.Errorf("hub audit: got %d entries, want 5", n)
			}

			// Bad input: a clear error, nothing changed.
			far := now.Add(24 * time.Hour)
			for _, bad := range []struct {
				name string
				do   func() error
			}{
				{"unknown employee", func() error { _, err := h.st.AddPunch(ctx, "E9", clockface.PunchIn, at(2, 9, 0), ed); return err }},
				{"bad kind", func() error { _, err := h.st.AddPunch(ctx, "E1", "lunch", at(2, 9, 0), ed); return err }},
				{"far future", func() error { _, err := h.st.AddPunch(ctx, "E1", clockface.PunchIn, far, ed); return err }},
				{"no reason", func() error {
					_, err := h.st.AddPunch(ctx, "E1", clockface.PunchIn, at(2, 9, 0), hub.PunchEdit{Actor: "a", Now: now})
					return err
				}},
				{"unknown punch", func() error { _, err := h.st.VoidPunch(ctx, uuid.NewString(), ed); return err }},
				{"void again", func() error { _, err := h.st.VoidPunch(ctx, stray.Punch.ID, ed); return err }},
				{"correct to the future", func() error {
					_, err := h.st.CorrectPunch(ctx, in.ID, hub.PunchChange{At: &far}, ed)
					return err
				}},
				{"correct nothing", func() error { _, err := h.st.CorrectPunch(ctx, in.ID, hub.PunchChange{}, ed); return err }},
			} {
				if err := bad.do(); err == nil {
					t.Errorf("%s: got no error", bad.name)
				}
			}
			if n := auditLen(t, h.st); n != 5 {
				t.Errorf("hub audit after refused edits: got %d entries, want 5", n)
			}
			if got := hoursOf(weekSheet(t, h.st, now), "E1"); got != 8*time.Hour+30*time.Minute {
				t.Errorf("after refused edits: got %s, want 8h30m", got)
			}
		})
	}
}

func TestLockAndAdjust(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			h.send(t, secret, punchBatch("k1", "E1", 0, []time.Time{at(10, 8, 0), at(10, 16, 0)}, inOut,
				wire.Employee{Number: "E1", Name: "Ann", Status: "active"}))
			first := attendance.Period{From: at(1, 0, 0), To: at(16, 0, 0)}
			second := attendance.Period{From: at(16, 0, 0), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
			now := at(20, 9, 0)
			if err := h.st.Lock(ctx, attendance.Lock{Period: first, By: "payroll", At: now}); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []attendance.Lock{
				{Period: attendance.Period{From: at(10, 0, 0), To: at(20, 0, 0)}, By: "payroll", At: now}, // overlaps
				{Period: attendance.Period{From: at(20, 0, 0), To: at(18, 0, 0)}, By: "payroll", At: now}, // reversed
			} {
				if err := h.st.Lock(ctx, bad); err == nil {
					t.Errorf("lock %v: got no error", bad.Period)
				}
			}
			if err := h.st.Approve(ctx, attendance.Approval{Employee: "E9", Period: second, Approver: "mgr", At: now}); !errors.Is(err, clockface.ErrUnknownEmployee) {
				t.Errorf("approve an unknown employee: got %v, want ErrUnknownEmployee", err)
			}
			ps, _ := h.st.PunchesBetween(ctx, at(10, 0, 0), at(11, 0, 0))
			out := ps[1]
			later := at(10, 17, 30)
			ed := hub.PunchEdit{Actor: "admin", Reason: "stayed late", Now: now, Rules: flsa(t, now)}
			_, err := h.st.CorrectPunch(ctx, out.ID, hub.PunchChange{At: &later}, ed)
			if !errors.Is(err, attendance.ErrLocked) {
				t.Fatalf("correction in a locked period: got %v, want ErrLocked", err)
			}
			if p, _ := h.st.Punch(ctx, out.ID); p.Corrected != nil {
				t.Errorf("refused correction changed the punch: %+v", p)
			}
			if edits, _ := h.st.PunchEdits(ctx, ""); len(edits) != 0 {
				t.Errorf("refused correction recorded edits: %+v", edits)
			}
			if err := h.st.Approve(ctx, attendance.Approval{Employee: "E1", Period: first, Approver: "mgr", At: now}); err != nil {
				t.Fatal(err)
			}
			ed.Adjust = true
			res, err := h.st.CorrectPunch(ctx, out.ID, hub.PunchChange{At: &later}, ed)
			if err != nil {
				t.Fatal(err)
			}
			want := attendance.Adjustment{Employee: "E1", Locked: first, Into: second, Delta: attendance.Hours{Regular: 90 * time.Minute},
				By: "admin", Reason: "stayed late", At: now}
			if len(res.Adjustments) != 1 || !sameAdjustment(res.Adjustments[0], want) {
				t.Errorf("adjustments: got %+v, want %+v", res.Adjustments, want)
			}
			if len(res.Unapproved) != 1 {
				t.Errorf("unapproved: got %+v, want E1's approval of the first half withdrawn", res.Unapproved)
			}
			stored, err := h.st.Adjustments(ctx, second.From, second.To)
			if err != nil || len(stored) != 1 || !sameAdjustment(stored[0], want) {
				t.Errorf("stored adjustments: got %+v %v, want %+v", stored, err, want)
			}
			if as, _ := h.st.Approvals(ctx); len(as) != 0 {
				t.Errorf("approvals after the edit: got %+v, want none", as)
			}
			locks, err := h.st.Locks(ctx)
			if err != nil || len(locks) != 1 || !locks[0].Period.From.Equal(first.From) {
				t.Errorf("locks: got %+v %v", locks, err)
			}
		})
	}
}

func sameAdjustment(a, b attendance.Adjustment) bool {
	return a.Employee == b.Employee && a.Locked.From.Equal(b.Locked.From) && a.Locked.To.Equal(b.Locked.To) &&
		a.Into.From.Equal(b.Into.From) && a.Into.To.Equal(b.Into.To) && a.Delta == b.Delta && a.By == b.By &&
		a.Reason == b.Reason && a.At.Equal(b.At)
}

func TestExportRecords(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			st := sc.open(t)
			data := []byte("employee,hours\nE1,8.00\n")
			sum := sha256.Sum256(data)
			p := attendance.Period{From: at(1, 0, 0), To: at(16, 0, 0)}
			r := hub.ExportRecord{ID: uuid.NewString(), FileName: "hours.csv",
				ExportRecord: attendance.ExportRecord{By: "payroll", At: at(16, 9, 0), Period: p, Format: "generic", Rules: "flsa",
					SHA256: hex.EncodeToString(sum[:])},
				Totals: []hub.EmployeeTotal{{Number: "E1", Hours: attendance.Hours{Regular: 8 * time.Hour},
					Days: []attendance.Day{{Date: at(2, 0, 0), Hours: attendance.Hours{Regular: 8 * time.Hour}}}}}}
			bad := r
			bad.ID, bad.SHA256 = uuid.NewString(), hex.EncodeToString(make([]byte, 32))
			if err := st.RecordExport(ctx, bad, data); err == nil {
				t.Error("record with a wrong SHA-256: got no error")
			}
			if err := st.RecordExport(ctx, r, data); err != nil {
				t.Fatal(err)
			}
			last, ok, err := st.LastExport(ctx, p, "generic")
			if err != nil || !ok || last.ID != r.ID {
				t.Fatalf("last export: got %+v %v %v, want %s", last, ok, err, r.ID)
			}
			if d := attendance.Diff(last.Sheet(time.UTC), last.Sheet(time.UTC)); len(d) != 0 {
				t.Errorf("diff of a record with itself: got %v", d)
			}
			if _, ok, _ := st.LastExport(ctx, p, "adp"); ok {
				t.Error("last ADP export: got one, want none")
			}
			got, bytesBack, err := st.ExportFile(ctx, r.ID)
			if err != nil || !bytes.Equal(bytesBack, data) || got.SHA256 != r.SHA256 || got.Totals[0].Hours.Regular != 8*time.Hour {
				t.Errorf("export file: got %+v %q %v, want the same bytes and totals", got, bytesBack, err)
			}
			if _, _, err := st.ExportFile(ctx, "nope"); !errors.Is(err, hub.ErrUnknownExport) {
				t.Errorf("unknown export: got %v", err)
			}
			if list, err := st.Exports(ctx); err != nil || len(list) != 1 {
				t.Errorf("exports: got %d %v, want 1", len(list), err)
			}
		})
	}
}

func TestSettingsAndPairingZone(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			for _, bad := range [][2]string{{"tz", "Mars/Olympus"}, {"tz", "Local"}, {"tz", ""}, {"colour", "blue"}, {"rules", "mars"}} {
				if err := h.st.SetSetting(ctx, bad[0], bad[1], "admin", t0); err == nil {
					t.Errorf("setting %s=%q: got no error", bad[0], bad[1])
				}
			}
			if err := h.st.SetSetting(ctx, hub.SettingTZ, "America/Los_Angeles", "admin", t0); err != nil {
				t.Fatal(err)
			}
			code, err := hub.NewPairingCode(ctx, h.st, t0, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(wire.PairRequest{Code: code, KioskID: "k1"})
			resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var pr wire.PairResponse
			if err := json.NewDecoder(resp.Body).Decode(&pr); err != nil || pr.TimeZone != "America/Los_Angeles" {
				t.Errorf("pairing answer: got %+v %v, want time zone America/Los_Angeles", pr, err)
			}
			if all, _ := h.st.AllSettings(ctx); len(all) != 1 {
				t.Errorf("settings: got %v, want only tz", all)
			}
		})
	}
}

// TestHubAuditTamperDetected: an edited entry breaks the chain.
func TestHubAuditTamperDetected(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	for _, z := range []string{"UTC", "Europe/Madrid"} {
		if err := st.SetSetting(ctx, hub.SettingTZ, z, "admin", t0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.VerifyAudit(ctx); err != nil || n != 2 {
		t.Fatalf("verify: got %d %v, want 2 entries", n, err)
	}
	raw, err := sql.Open("sqlite3", dbPath(t, st))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE hub_audit SET actor = 'someone else' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	var broken *hub.AuditBrokenError
	if _, err := st.VerifyAudit(ctx); !errors.As(err, &broken) || broken.Seq != 1 {
		t.Errorf("verify after tampering: got %v, want entry 1 broken", err)
	}
}
