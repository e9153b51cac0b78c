package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/ledger"
	"clockface/sync/wire"
)

// step is one punch request in a table test: wait, then punch Kind ("" is
// the walk-up default).
type step struct {
	wait time.Duration
	kind clockface.PunchKind
}

// counts is what a refused operation must leave unchanged.
type counts struct {
	punches, outbox int
	audit           int64
}

func countsOf(t *testing.T, l *ledger.Ledger, number string) counts {
	t.Helper()
	ctx := context.Background()
	ps, err := l.EmployeePunches(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	n, err := l.OutboxLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seq, _, err := l.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return counts{len(ps), n, seq}
}

func TestStateAndNextKinds(t *testing.T) {
	tests := []struct {
		name      string
		breaks    bool
		steps     []step
		wantState clockface.PunchKind
		wantNext  []clockface.PunchKind
		wantStale bool
	}{
		{"never punched", false, nil, clockface.PunchOut, []clockface.PunchKind{"in"}, false},
		{"in", false, []step{{0, "in"}}, clockface.PunchIn, []clockface.PunchKind{"out", "break_start"}, false},
		{"on break", false, []step{{0, "in"}, {2 * time.Hour, "break_start"}}, clockface.BreakStart, []clockface.PunchKind{"break_end", "out"}, false},
		{"back from break", false, []step{{0, "in"}, {time.Hour, "break_start"}, {30 * time.Minute, "break_end"}},
			clockface.PunchIn, []clockface.PunchKind{"out", "break_start"}, false},
		{"out", false, []step{{0, "in"}, {8 * time.Hour, "out"}}, clockface.PunchOut, []clockface.PunchKind{"in"}, false},
		// A forgotten clock-out: 17 h later the employee counts as out.
		{"stale in", false, []step{{0, "in"}, {17 * time.Hour, ""}}, clockface.PunchOut, []clockface.PunchKind{"in"}, true},
		{"breaks: in offers a break first", true, []step{{0, "in"}}, clockface.PunchIn, []clockface.PunchKind{"break_start", "out"}, false},
		{"breaks: after the break, out first", true, []step{{0, "in"}, {time.Hour, "break_start"}, {30 * time.Minute, "break_end"}},
			clockface.PunchIn, []clockface.PunchKind{"out", "break_start"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t, func(c *ledger.Config) { c.Breaks = tc.breaks })
			addEmployee(t, l, "A", "")
			for _, s := range tc.steps {
				e.clock.Add(s.wait)
				if s.kind == "" {
					continue
				}
				if _, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: s.kind}); err != nil {
					t.Fatal(err)
				}
			}
			st, err := l.State(ctx, "A")
			if err != nil {
				t.Fatal(err)
			}
			if st.Kind != tc.wantState || st.Stale != tc.wantStale {
				t.Errorf("state %s (stale %v), want %s (stale %v)", st.Kind, st.Stale, tc.wantState, tc.wantStale)
			}
			next, err := l.NextKinds(ctx, "A")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(next, tc.wantNext) {
				t.Errorf("next kinds %v, want %v", next, tc.wantNext)
			}
			// The walk-up default (past the debounce) is the first of them.
			e.clock.Add(2 * time.Minute)
			res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
			if err != nil || !res.Created || res.Punch.Kind != tc.wantNext[0] || res.Flag != "" {
				t.Errorf("walk-up punch: %s created %v flag %q err %v; want %s, created, no flag", res.Punch.Kind, res.Created, res.Flag, err, tc.wantNext[0])
			}
		})
	}
	t.Run("unknown employee", func(t *testing.T) {
		l := newEnv(t).open(t)
		if _, err := l.State(context.Background(), "X"); !errors.Is(err, clockface.ErrUnknownEmployee) {
			t.Errorf("State(X): %v, want ErrUnknownEmployee", err)
		}
		if _, err := l.NextKinds(context.Background(), "X"); !errors.Is(err, clockface.ErrUnknownEmployee) {
			t.Errorf("NextKinds(X): %v, want ErrUnknownEmployee", err)
		}
	})
}

// The forgotten clock-out of issue 11: Monday in with no out, then Tuesday
// the walk-up default is in again, not a guessed out.
func TestForgottenClockOutDoesNotReverseTheNextDay(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	if _, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err != nil {
		t.Fatal(err)
	}
	var got []clockface.PunchKind
	for day := 1; day <= 2; day++ {
		e.clock.Set(t0.Add(time.Duration(day) * 24 * time.Hour))
		for _, d := range []time.Duration{0, 8 * time.Hour} {
			e.clock.Set(t0.Add(time.Duration(day)*24*time.Hour + d))
			res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, res.Punch.Kind)
		}
	}
	if want := []clockface.PunchKind{"in", "out", "in", "out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tue-Wed walk-up kinds %v, want %v", got, want)
	}
}

func TestDebounceOnlySameKind(t *testing.T) {
	tests := []struct {
		name        string
		second      clockface.PunchKind
		wantCreated bool
	}{
		{"walk-up look again", "", false},
		{"same kind chosen again", "in", false},
		{"other kind chosen on purpose", "out", true},
		{"break chosen on purpose", "break_start", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t)
			addEmployee(t, l, "A", "")
			first, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "in"})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(30 * time.Second)
			res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: tc.second})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != tc.wantCreated {
				t.Fatalf("created %v, want %v", res.Created, tc.wantCreated)
			}
			if !tc.wantCreated && res.Punch.ID != first.Punch.ID {
				t.Errorf("debounced: got punch %s, want the first %s", res.Punch.ID, first.Punch.ID)
			}
			if tc.wantCreated && res.Punch.Kind != tc.second {
				t.Errorf("kind %s, want the chosen %s", res.Punch.Kind, tc.second)
			}
			ps, _ := l.EmployeePunches(ctx, "A")
			if want := map[bool]int{true: 2, false: 1}[tc.wantCreated]; len(ps) != want {
				t.Errorf("%d punches stored, want %d", len(ps), want)
			}
		})
	}
}

func TestContradictingKindRecordedAndFlagged(t *testing.T) {
	tests := []struct {
		name  string
		first clockface.PunchKind // "" for none
		kind  clockface.PunchKind
		flag  string
	}{
		{"in while in", "in", "in", clockface.FlagContradictingKind},
		{"out while out", "", "out", clockface.FlagContradictingKind},
		{"break start while out", "", "break_start", clockface.FlagContradictingKind},
		{"break end while working", "in", "break_end", clockface.FlagContradictingKind},
		{"out while in", "in", "out", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t)
			addEmployee(t, l, "A", "")
			if tc.first != "" {
				if _, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: tc.first}); err != nil {
					t.Fatal(err)
				}
			}
			e.clock.Add(10 * time.Minute)
			res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: tc.kind})
			if err != nil || !res.Created {
				t.Fatalf("created %v, err %v; want a recorded punch", res.Created, err)
			}
			if res.Punch.Kind != tc.kind || res.Flag != tc.flag {
				t.Errorf("kind %s flag %q, want %s flag %q", res.Punch.Kind, res.Flag, tc.kind, tc.flag)
			}
			entries, err := l.AuditEntries(ctx, res.Punch.ID)
			if err != nil {
				t.Fatal(err)
			}
			audited := len(entries) == 1 && entries[0].Action == "punch.contradicting_kind"
			if audited != (tc.flag != "") {
				t.Errorf("audit entries %+v; want a punch.contradicting_kind entry: %v", entries, tc.flag != "")
			}
			evs, _ := l.PendingOutbox(ctx, 10)
			if last := evs[len(evs)-1]; last.Punch.ID != res.Punch.ID || last.Punch.Kind != tc.kind {
				t.Errorf("outbox ends with %+v, want the punch %s as %s", last.Punch, res.Punch.ID, tc.kind)
			}
		})
	}
}

func TestAddPunch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	e.clock.Add(10 * time.Hour) // 18:00
	at := t0                    // 08:00: the in-punch A forgot
	res, err := l.AddPunch(ctx, "A", clockface.PunchIn, at, "mgr", "forgot to clock in")
	if err != nil {
		t.Fatal(err)
	}
	p := res.Punch
	if !res.Created || res.Flag != "" || p.Method != clockface.MethodAdmin || p.Kind != clockface.PunchIn || !p.At.Equal(at) || p.KioskID != "kiosk-1" {
		t.Errorf("added %+v (flag %q), want an admin in-punch at %s on kiosk-1", p, res.Flag, at)
	}
	if st, _ := l.State(ctx, "A"); st.Kind != clockface.PunchIn || !st.Since.Equal(at) {
		t.Errorf("state after the added in-punch: %+v, want in since %s", st, at)
	}
	// It goes to the hub as an ordinary punch event the wire accepts.
	evs, err := l.PendingOutbox(ctx, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != clockface.EventPunch || evs[0].Punch.Method != clockface.MethodAdmin {
		t.Fatalf("outbox %+v, %v; want one punch event with method admin", evs, err)
	}
	b := wire.Batch{KioskID: "kiosk-1", KioskClock: e.clock.Now(), Events: []wire.Event{{
		ID: evs[0].ID, Seq: evs[0].Seq, Type: evs[0].Type, At: evs[0].At, Punch: wire.FromPunch(evs[0].Punch)}}}
	if err := b.Validate(); err != nil {
		t.Errorf("wire refuses the added punch: %v", err)
	}
	entries, _ := l.AuditEntries(ctx, p.ID)
	if len(entries) != 1 || entries[0].Action != "punch.add" || entries[0].Actor != "mgr" || !strings.Contains(string(entries[0].Detail), "forgot to clock in") {
		t.Errorf("audit %+v, want punch.add by mgr with the reason", entries)
	}
	// An added punch never debounces the person's own punch.
	if r, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err != nil || !r.Created || r.Punch.Kind != clockface.PunchOut {
		t.Errorf("walk-up after the repair: %s created %v err %v; want a new out-punch", r.Punch.Kind, r.Created, err)
	}
	// A contradicting added kind is added and flagged.
	res, err = l.AddPunch(ctx, "A", clockface.PunchOut, t0.Add(-time.Hour), "mgr", "left early yesterday")
	if err != nil || res.Flag != clockface.FlagContradictingKind {
		t.Errorf("out while out: flag %q err %v; want added and flagged", res.Flag, err)
	}
}

func TestAddPunchBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	now := e.clock.Now()
	tests := []struct {
		name     string
		employee string
		kind     clockface.PunchKind
		at       time.Time
		reason   string
		want     string
	}{
		{"unknown employee", "X", "in", now, "r", "unknown employee"},
		{"bad kind", "A", "lunch", now, "r", `unknown punch kind "lunch"`},
		{"empty kind", "A", "", now, "r", `unknown punch kind ""`},
		{"no reason", "A", "in", now, "  ", "a reason is required"},
		{"no time", "A", "in", time.Time{}, "r", "no time"},
		{"far future", "A", "in", now.Add(25 * time.Hour), "r", "ahead of now"},
	}
	before := countsOf(t, l, "A")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.AddPunch(ctx, tc.employee, tc.kind, tc.at, "mgr", tc.reason)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if got := countsOf(t, l, "A"); got != before {
				t.Errorf("after a refused add: %+v, want %+v", got, before)
			}
		})
	}
	// Just under the limit is fine.
	if _, err := l.AddPunch(ctx, "A", "in", now.Add(23*time.Hour), "mgr", "tomorrow's start"); err != nil {
		t.Errorf("23 h ahead: %v", err)
	}
}

func TestCorrectKindKeepsOriginal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	in, _ := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "in"})
	e.clock.Add(8 * time.Hour)
	// Tapped "in" by mistake at the end of the day.
	wrong, _ := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "in"})
	if wrong.Flag != clockface.FlagContradictingKind {
		t.Fatalf("in while in: flag %q, want it flagged", wrong.Flag)
	}
	p, err := l.Correct(ctx, wrong.Punch.ID, ledger.PunchChange{Kind: clockface.PunchOut}, "mgr", "tapped in instead of out")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != clockface.PunchOut || !p.Time().Equal(wrong.Punch.At) || p.Corrected == nil || p.Corrected.By != "mgr" {
		t.Errorf("corrected %+v, want kind out at the same time, corrected by mgr", p)
	}
	hist, err := l.Corrections(ctx, p.ID)
	if err != nil || len(hist) != 1 || hist[0].FromKind != "in" || hist[0].ToKind != "out" || hist[0].Reason != "tapped in instead of out" {
		t.Errorf("history %+v, %v; want one in → out with the reason", hist, err)
	}
	if st, _ := l.State(ctx, "A"); st.Kind != clockface.PunchOut {
		t.Errorf("state after the correction %s, want out", st.Kind)
	}
	// The hub gets a correction event carrying the new kind.
	evs, _ := l.PendingOutbox(ctx, 10)
	last := evs[len(evs)-1]
	if last.Type != clockface.EventCorrection || last.Punch.Kind != clockface.PunchOut || last.Punch.Corrected == nil {
		t.Errorf("last outbox event %s %+v, want a correction with kind out", last.Type, last.Punch)
	}
	b := wire.Batch{KioskID: "kiosk-1", KioskClock: e.clock.Now(), Events: []wire.Event{{
		ID: last.ID, Seq: last.Seq, Type: last.Type, At: last.At, Punch: wire.FromPunch(last.Punch)}}}
	if err := b.Validate(); err != nil {
		t.Errorf("wire refuses the kind correction: %v", err)
	}
	// Time and kind together; the original kiosk time stays.
	newAt := in.Punch.At.Add(-5 * time.Minute)
	p, err = l.Correct(ctx, in.Punch.ID, ledger.PunchChange{At: newAt, Kind: clockface.PunchIn}, "mgr", "clock was slow")
	if err != nil || !p.Time().Equal(newAt) || !p.At.Equal(in.Punch.At) || p.Kind != clockface.PunchIn {
		t.Errorf("time correction: %+v, %v; want effective %s, original %s", p, err, newAt, in.Punch.At)
	}
	if hist, _ := l.Corrections(ctx, in.Punch.ID); len(hist) != 1 || hist[0].FromKind != "" {
		t.Errorf("history %+v, want one time-only entry (no kind change)", hist)
	}
	entries, _ := l.AuditEntries(ctx, wrong.Punch.ID)
	if n := len(entries); n < 1 || entries[n-1].Action != "punch.correct" || !strings.Contains(string(entries[n-1].Detail), `"kind_to":"out"`) {
		t.Errorf("audit %+v, want punch.correct with the kind change", entries)
	}
}

func TestCorrectBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	in, _ := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "in"})
	e.clock.Add(time.Hour)
	gone, _ := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "out"})
	if err := l.VoidPunch(ctx, gone.Punch.ID, "kiosk", "undo"); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	tests := []struct {
		name   string
		id     string
		c      ledger.PunchChange
		reason string
		want   string
	}{
		{"unknown punch", "0190aaaa-0000-7000-8000-000000000000", ledger.PunchChange{Kind: "out"}, "r", "not found"},
		{"bad kind", in.Punch.ID, ledger.PunchChange{Kind: "lunch"}, "r", `unknown punch kind "lunch"`},
		{"nothing given", in.Punch.ID, ledger.PunchChange{}, "r", "nothing to correct"},
		{"nothing changes", in.Punch.ID, ledger.PunchChange{At: in.Punch.At, Kind: "in"}, "r", "nothing changes"},
		{"no reason", in.Punch.ID, ledger.PunchChange{Kind: "out"}, "", "a reason is required"},
		{"far future", in.Punch.ID, ledger.PunchChange{At: now.Add(48 * time.Hour)}, "r", "ahead of now"},
		{"voided", gone.Punch.ID, ledger.PunchChange{Kind: "in"}, "r", "voided"},
	}
	before := countsOf(t, l, "A")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Correct(ctx, tc.id, tc.c, "mgr", tc.reason)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if got := countsOf(t, l, "A"); got != before {
				t.Errorf("after a refused correction: %+v, want %+v", got, before)
			}
			if p, _ := l.GetPunch(ctx, in.Punch.ID); p.Kind != "in" || p.Corrected != nil {
				t.Errorf("punch changed: %+v", p)
			}
		})
	}
}

func TestRecordRefusesAdminMethod(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	_, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodAdmin})
	if err == nil || !strings.Contains(err.Error(), "AddPunch") {
		t.Errorf("admin method through Record: %v, want a refusal pointing at AddPunch", err)
	}
	if _, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: "lunch"}); err == nil {
		t.Error("bad kind accepted")
	}
	if c := countsOf(t, l, "A"); c.punches != 0 || c.outbox != 0 {
		t.Errorf("after refusals: %+v, want nothing stored", c)
	}
}

func TestPayrollIdentities(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	want := clockface.Employee{Number: "E7", Name: "Ana Diaz", FirstName: "Ana", LastName: "Díaz Ortega",
		Payroll: clockface.PayrollIDs{ADPFileNumber: "012345", PaychexWorkerID: "W77", GustoID: "g-1", QuickBooksName: "Diaz, Ana"}}
	if _, err := l.AddEmployee(ctx, want, ""); err != nil {
		t.Fatal(err)
	}
	got, err := l.Employee(ctx, "E7")
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != want.FirstName || got.LastName != want.LastName || got.Payroll != want.Payroll {
		t.Errorf("stored %+v, want the names and ids of %+v", got, want)
	}
	s := func(v string) *string { return &v }
	upd, err := l.UpdateEmployee(ctx, "E7", ledger.EmployeeChange{LastName: s("Díaz"), GustoID: s(""), PaychexWorkerID: s("W78")}, "hr")
	if err != nil {
		t.Fatal(err)
	}
	if upd.LastName != "Díaz" || upd.Payroll.GustoID != "" || upd.Payroll.PaychexWorkerID != "W78" || upd.Payroll.ADPFileNumber != "012345" || upd.Name != "Ana Diaz" {
		t.Errorf("updated %+v", upd)
	}
	if again, _ := l.Employee(ctx, "E7"); !reflect.DeepEqual(again, upd) {
		t.Errorf("read back %+v, want %+v", again, upd)
	}
	entries, _ := l.AuditEntries(ctx, "E7")
	last := entries[len(entries)-1]
	if last.Action != "employee.set" || last.Actor != "hr" || !strings.Contains(string(last.Detail), "gusto_id") || strings.Contains(string(last.Detail), "W78") {
		t.Errorf("audit %s by %s %s, want employee.set by hr naming the fields, not the values", last.Action, last.Actor, last.Detail)
	}
	// DSAR export includes them.
	out := filepath.Join(e.dir, "e7.zip")
	if err := l.ExportDSAR(ctx, "E7", out); err != nil {
		t.Fatal(err)
	}
	var prof struct {
		FirstName string               `json:"first_name"`
		LastName  string               `json:"last_name"`
		Payroll   clockface.PayrollIDs `json:"payroll"`
	}
	if err := json.Unmarshal(readZip(t, out)["profile.json"], &prof); err != nil {
		t.Fatal(err)
	}
	if prof.FirstName != "Ana" || prof.LastName != "Díaz" || prof.Payroll != upd.Payroll {
		t.Errorf("DSAR profile %+v, want the names and payroll ids", prof)
	}
	// The hub directory entry carries them.
	if w := wire.FromEmployee(upd); w.FirstName != "Ana" || w.LastName != "Díaz" || w.Payroll != upd.Payroll {
		t.Errorf("directory entry %+v", w)
	}
}

func TestPayrollIdentitiesBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	s := func(v string) *string { return &v }
	tests := []struct {
		name   string
		number string
		c      ledger.EmployeeChange
		want   string
	}{
		{"unknown employee", "X", ledger.EmployeeChange{FirstName: s("Ann")}, "unknown employee"},
		{"too long", "A", ledger.EmployeeChange{QuickBooksName: s(strings.Repeat("x", ledger.MaxEmployeeField+1))}, "at most 100"},
		{"tab", "A", ledger.EmployeeChange{LastName: s("Smith\t=1+1")}, "control character"},
		{"newline", "A", ledger.EmployeeChange{ADPFileNumber: s("12\n34")}, "control character"},
		{"padded", "A", ledger.EmployeeChange{GustoID: s(" g1")}, "space"},
		{"empty name", "A", ledger.EmployeeChange{Name: s(" ")}, "empty name"},
		{"nothing changes", "A", ledger.EmployeeChange{Name: s("Name A")}, "nothing changes"},
		{"nothing given", "A", ledger.EmployeeChange{}, "nothing changes"},
	}
	before, _ := l.Employee(ctx, "A")
	head, _, _ := l.AuditHead(ctx)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.UpdateEmployee(ctx, tc.number, tc.c, "hr")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if got, _ := l.Employee(ctx, "A"); !reflect.DeepEqual(got, before) {
				t.Errorf("employee changed: %+v", got)
			}
			if h, _, _ := l.AuditHead(ctx); h != head {
				t.Errorf("audit grew to %d from %d", h, head)
			}
		})
	}
	if _, err := l.AddEmployee(ctx, clockface.Employee{Number: "B", Name: "Bo", FirstName: "Bo\r"}, ""); err == nil || !strings.Contains(err.Error(), "control character") {
		t.Errorf("add with a CR in the first name: %v", err)
	}
	if _, err := l.Employee(ctx, "B"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("refused add stored B: %v", err)
	}
}

// The pure rules and the ledger agree: State here is attendance.State over
// the ledger's punches.
func TestStateMatchesAttendance(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	for _, s := range []step{{0, "in"}, {3 * time.Hour, "break_start"}, {10 * time.Minute, "break_end"}} {
		e.clock.Add(s.wait)
		if _, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN, Kind: s.kind}); err != nil {
			t.Fatal(err)
		}
	}
	ps, _ := l.EmployeePunches(ctx, "A")
	want := attendance.State(ps, e.clock.Now(), attendance.DefaultMaxShift)
	got, err := l.State(ctx, "A")
	if err != nil || got != want {
		t.Errorf("State %+v, %v; want %+v", got, err, want)
	}
}
