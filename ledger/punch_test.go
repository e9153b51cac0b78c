package ledger_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/ledger"
)

func TestNextKind(t *testing.T) {
	tests := []struct {
		name   string
		breaks bool
		want   []clockface.PunchKind
	}{
		{"no breaks", false, []clockface.PunchKind{"in", "out", "in", "out", "in"}},
		{"breaks", true, []clockface.PunchKind{"in", "break_start", "break_end", "out", "in", "break_start"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t, func(c *ledger.Config) { c.Breaks = tc.breaks })
			addEmployee(t, l, "A", "")
			var got []clockface.PunchKind
			for range tc.want {
				next, err := l.NextKind(ctx, "A")
				if err != nil {
					t.Fatal(err)
				}
				p, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
				if err != nil || !created {
					t.Fatalf("punch: %v, created %v", err, created)
				}
				if p.Kind != next {
					t.Errorf("NextKind said %s, punch got %s", next, p.Kind)
				}
				got = append(got, p.Kind)
				e.clock.Add(2 * time.Minute)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("kinds %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPunchDebounce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	first, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
	if err != nil || !created {
		t.Fatalf("first punch: %v %v", created, err)
	}
	e.clock.Add(59 * time.Second)
	again, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
	if err != nil {
		t.Fatal(err)
	}
	if created || again.ID != first.ID {
		t.Errorf("within 59 s: created %v, id %s; want the first punch %s", created, again.ID, first.ID)
	}
	if n, _ := l.OutboxLen(ctx); n != 1 {
		t.Errorf("outbox %d after a debounced punch, want 1", n)
	}
	e.clock.Add(time.Second)
	later, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
	if err != nil || !created || later.ID == first.ID || later.Kind != clockface.PunchOut {
		t.Fatalf("after 60 s: %+v created %v err %v; want a new out punch", later, created, err)
	}
	// A voided punch does not debounce the next one (the kiosk's undo).
	if err := l.VoidPunch(ctx, later.ID, "kiosk", "undo"); err != nil {
		t.Fatal(err)
	}
	redo, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
	if err != nil || !created || redo.Kind != clockface.PunchOut {
		t.Fatalf("after undo: %+v created %v err %v; want a new out punch", redo, created, err)
	}
	ps, _ := l.EmployeePunches(ctx, "A")
	if got, want := len(ps), 3; got != want {
		t.Errorf("%d punches stored, want %d", got, want)
	}
}

func TestPunchIDAndOutboxInOneTransaction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	var ids []string
	for i := 0; i < 5; i++ {
		p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
		if err != nil {
			t.Fatal(err)
		}
		u, err := uuid.Parse(p.ID)
		if err != nil || u.Version() != 7 {
			t.Fatalf("punch id %q: version %d, %v; want a UUIDv7", p.ID, u.Version(), err)
		}
		ids = append(ids, p.ID)
		e.clock.Add(time.Hour)
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("UUIDv7 ids not in time order: %v", ids)
	}
	evs, err := l.PendingOutbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Type != clockface.EventPunch {
			t.Errorf("event type %q", ev.Type)
		}
		got = append(got, ev.Punch.ID)
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("outbox punches %v, want %v", got, ids)
	}
	if err := l.AckOutbox(ctx, []int64{evs[0].Seq, evs[1].Seq, 999}); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.OutboxLen(ctx); n != 3 {
		t.Errorf("outbox %d after acking 2, want 3", n)
	}
	// A punch whose outbox insert fails is not stored: make the outbox
	// refuse inserts and punch.
	if _, err := l.DB().Exec(`CREATE TRIGGER outbox_fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err == nil {
		t.Fatal("punch succeeded with the outbox refusing")
	}
	if ps, _ := l.EmployeePunches(ctx, "A"); len(ps) != 5 {
		t.Errorf("%d punches after a failed outbox insert, want 5", len(ps))
	}
}

func TestPunchRefusals(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "R", "")
	addEmployee(t, l, "T", "")
	if err := l.Restrict(ctx, "R", true, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := l.Terminate(ctx, "T", "admin"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		req    clockface.PunchRequest
		wantIs error
	}{
		{"unknown", clockface.PunchRequest{Employee: "X", Method: clockface.MethodPIN}, clockface.ErrUnknownEmployee},
		{"restricted face", clockface.PunchRequest{Employee: "R", Method: clockface.MethodFace}, clockface.ErrRestricted},
		{"terminated face", clockface.PunchRequest{Employee: "T", Method: clockface.MethodFace}, clockface.ErrTerminated},
		{"terminated pin", clockface.PunchRequest{Employee: "T", Method: clockface.MethodPIN}, clockface.ErrTerminated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := l.Punch(ctx, tc.req)
			if !errors.Is(err, tc.wantIs) {
				t.Errorf("got %v, want %v", err, tc.wantIs)
			}
		})
	}
	for _, bad := range []clockface.PunchRequest{
		{Employee: "R", Method: "retina"},
		{Employee: "R", Method: clockface.MethodPIN, Kind: "lunch"},
		{Employee: "R", Method: clockface.MethodPIN, Evidence: clockface.Evidence{Distance: 0.3}},
	} {
		if _, _, err := l.Punch(ctx, bad); err == nil {
			t.Errorf("punch %+v accepted", bad)
		}
	}
	// Restricted employees still punch by PIN.
	if _, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "R", Method: clockface.MethodPIN}); err != nil || !created {
		t.Errorf("restricted PIN punch: %v", err)
	}
	if n, _ := l.OutboxLen(ctx); n != 1 {
		t.Errorf("outbox %d, want only the restricted employee's PIN punch", n)
	}
}

// Promise 2: an employee who refused consent punches by PIN with the same
// result and the same record as a face employee: same kinds, same columns,
// same outbox event, same place in timesheets.
func TestPINOnlyEmployeeSameRecordAsFace(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "FACE", "1234")
	enrol(t, l, "FACE", 1)
	addEmployee(t, l, "PIN", "5678") // no consent, no template
	start := e.clock.Now()
	var face, pin []clockface.Punch
	for i := 0; i < 4; i++ {
		if err := l.CheckPIN(ctx, "PIN", "5678"); err != nil {
			t.Fatal(err)
		}
		p, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "PIN", Method: clockface.MethodPIN})
		if err != nil || !created {
			t.Fatalf("PIN punch: %v", err)
		}
		pin = append(pin, p)
		f, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "FACE", Method: clockface.MethodFace,
			Evidence: clockface.Evidence{Distance: 0.31, Margin: 0.2, Liveness: "pass", Model: testModel.String()}})
		if err != nil || !created {
			t.Fatalf("face punch: %v", err)
		}
		face = append(face, f)
		e.clock.Add(4 * time.Hour)
	}
	for i := range face {
		if face[i].Kind != pin[i].Kind {
			t.Errorf("punch %d: face %s, PIN %s", i, face[i].Kind, pin[i].Kind)
		}
		if !face[i].At.Equal(pin[i].At) || face[i].KioskID != pin[i].KioskID {
			t.Errorf("punch %d differs in time or kiosk", i)
		}
	}
	// The same JSON fields in the outbox, apart from the evidence values.
	evs, err := l.PendingOutbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		var m map[string]any
		json.Unmarshal(b, &m)
		var ks []string
		for k := range m["punch"].(map[string]any) {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		keys[ev.Punch.EmployeeNumber] = ks
	}
	if !reflect.DeepEqual(keys["PIN"], keys["FACE"]) {
		t.Errorf("outbox punch fields: PIN %v, face %v", keys["PIN"], keys["FACE"])
	}
	// Timesheets see both the same way.
	all, err := l.Punches(ctx, start, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range all {
		count[p.EmployeeNumber]++
	}
	if count["PIN"] != 4 || count["FACE"] != 4 {
		t.Errorf("timesheet counts %v, want 4 each", count)
	}
}

func TestPINHashAndLockout(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "2468")
	var hash string
	if err := l.DB().QueryRow(`SELECT pin_hash FROM employees WHERE number = 'A'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id-pepper1$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, "2468") {
		t.Errorf("stored PIN hash %q, want keyed argon2id with its parameters", hash)
	}
	if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	if err := l.CheckPIN(ctx, "X", "2468"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("unknown employee: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := l.CheckPIN(ctx, "A", "0000"); !errors.Is(err, clockface.ErrBadPIN) {
			t.Fatalf("failure %d: got %v, want ErrBadPIN", i+1, err)
		}
	}
	wantLocked := func(d time.Duration) {
		t.Helper()
		err := l.CheckPIN(ctx, "A", "2468")
		var le *clockface.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("got %v, want LockedError even with the right PIN", err)
		}
		if got, want := le.Until, e.clock.Now().Add(d); !got.Equal(want) {
			t.Errorf("locked until %s, want %s", got, want)
		}
		if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); !errors.As(err, &le) {
			t.Errorf("punch while locked: got %v, want LockedError", err)
		}
	}
	wantLocked(30 * time.Second)
	// Locks: 30 s after the 3rd failure, then 60 s, 120 s, 240 s.
	for _, d := range []time.Duration{60 * time.Second, 120 * time.Second, 240 * time.Second} {
		e.clock.Add(time.Hour)
		if err := l.RecordFailure(ctx, "A", clockface.MethodFace); err != nil {
			t.Fatal(err)
		}
		wantLocked(d)
	}
	e.clock.Add(240 * time.Second)
	if err := l.Lockout(ctx, "A"); err != nil {
		t.Fatalf("lock did not expire: %v", err)
	}
	if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
		t.Fatalf("right PIN after the lock: %v", err)
	}
	// Success reset the count: two failures do not lock.
	l.CheckPIN(ctx, "A", "1")
	l.CheckPIN(ctx, "A", "1")
	if err := l.Lockout(ctx, "A"); err != nil {
		t.Errorf("locked after success and two failures: %v", err)
	}
	if err := l.CheckPIN(ctx, "A", "1"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Fatal(err)
	}
	if err := l.Lockout(ctx, "A"); err == nil {
		t.Error("not locked after three failures since the success")
	}
}

func TestCorrectAndVoidKeepOriginal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour)
	fixed := p.At.Add(-15 * time.Minute)
	c, err := l.CorrectPunch(ctx, p.ID, fixed, "manager", "forgot to punch at the door")
	if err != nil {
		t.Fatal(err)
	}
	if !c.At.Equal(p.At) {
		t.Errorf("original time changed: %s, want %s", c.At, p.At)
	}
	if c.Corrected == nil || !c.Time().Equal(fixed) || c.Corrected.By != "manager" || c.Corrected.Reason != "forgot to punch at the door" || !c.Corrected.When.Equal(e.clock.Now()) {
		t.Errorf("correction %+v, want by manager at %s", c.Corrected, fixed)
	}
	e.clock.Add(time.Hour)
	again := fixed.Add(5 * time.Minute)
	if _, err := l.CorrectPunch(ctx, p.ID, again, "hr", "second look"); err != nil {
		t.Fatal(err)
	}
	hist, err := l.Corrections(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || !hist[0].From.Equal(p.At) || !hist[0].To.Equal(fixed) || !hist[1].From.Equal(fixed) || !hist[1].To.Equal(again) || hist[1].By != "hr" {
		t.Errorf("history %+v", hist)
	}
	if _, err := l.CorrectPunch(ctx, p.ID, again, "hr", ""); err == nil {
		t.Error("correction without a reason accepted")
	}
	if _, err := l.CorrectPunch(ctx, "nope", again, "hr", "x"); !errors.Is(err, clockface.ErrNotFound) {
		t.Errorf("unknown punch: %v", err)
	}
	if err := l.VoidPunch(ctx, p.ID, "kiosk", "undo"); err != nil {
		t.Fatal(err)
	}
	got, err := l.GetPunch(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Voided == nil || got.Voided.By != "kiosk" || !got.At.Equal(p.At) {
		t.Errorf("voided punch %+v", got)
	}
	if err := l.VoidPunch(ctx, p.ID, "kiosk", "undo"); err == nil {
		t.Error("second void accepted")
	}
	evs, _ := l.PendingOutbox(ctx, 10)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	if want := []string{"punch", "correction", "correction", "void"}; !reflect.DeepEqual(types, want) {
		t.Errorf("outbox %v, want %v", types, want)
	}
	if evs[3].Punch.Voided == nil || evs[2].Punch.Corrected == nil {
		t.Error("outbox events do not carry the punch's state after the event")
	}
	var actions []string
	entries, _ := l.AuditEntries(ctx, p.ID)
	for _, a := range entries {
		actions = append(actions, a.Action)
	}
	if want := []string{"punch.correct", "punch.correct", "punch.void"}; !reflect.DeepEqual(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
}

// Promise 7: what sync sends (the outbox) carries no image or descriptor
// bytes: a face punch's event holds the evidence numbers and a snapshot id.
func TestOutboxCarriesNoBiometrics(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	img := []byte("JPEG-MARKER-BYTES-OF-A-FACE")
	sid, err := l.SaveSnapshot(ctx, "A", img, ledger.SnapshotPunch)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodFace,
		Evidence: clockface.Evidence{Distance: 0.3, Margin: 0.25, Liveness: "pass", SnapshotID: sid, Model: testModel.String()}}); err != nil {
		t.Fatal(err)
	}
	evs, err := l.PendingOutbox(ctx, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("outbox: %d events, %v", len(evs), err)
	}
	b, _ := json.Marshal(evs[0])
	var stored []byte
	for _, q := range []string{`SELECT ciphertext FROM snapshots`, `SELECT ciphertext FROM templates`} {
		if err := l.DB().QueryRow(q).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) < 32 || strings.Contains(string(b), string(stored[:16])) || strings.Contains(string(b), base64.StdEncoding.EncodeToString(stored[:12])) {
			t.Errorf("outbox event carries stored bytes of %q", q)
		}
	}
	if strings.Contains(string(b), "MARKER") || strings.Contains(string(b), base64.StdEncoding.EncodeToString(img[:12])) {
		t.Error("outbox event carries image bytes")
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	var keys []string
	for k := range m["punch"].(map[string]any)["evidence"].(map[string]any) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got, want := strings.Join(keys, ","), "distance,liveness,margin,model,snapshot_id"; got != want {
		t.Errorf("evidence fields %s, want %s", got, want)
	}
}

// One face decision is one trip to the ledger: a face that lingers in front
// of the kiosk makes many decisions within the debounce, and only the first
// stores a punch and a snapshot. The snapshot is encrypted, points from the
// punch's evidence and reads back as the decision frame.
func TestRecordLingeringFaceStoresOnePunchOneSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	enrol(t, l, "A", 1)
	frame := []byte("\xff\xd8 JPEG-MARKER decision frame \xff\xd9")
	var first clockface.PunchResult
	for i := range 6 {
		res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodFace,
			Evidence: clockface.Evidence{Distance: 0.3, Liveness: "pass", Model: testModel.String()}, Snapshot: frame})
		if err != nil {
			t.Fatalf("decision %d: %v", i, err)
		}
		if got, want := res.Created, i == 0; got != want {
			t.Errorf("decision %d: created %v, want %v", i, got, want)
		}
		if got, want := res.Employee.Number, "A"; got != want {
			t.Errorf("decision %d: employee %q, want %q", i, got, want)
		}
		if i == 0 {
			first = res
		} else if res.Punch.ID != first.Punch.ID {
			t.Errorf("decision %d: punch %s, want the first %s", i, res.Punch.ID, first.Punch.ID)
		}
		e.clock.Add(5 * time.Second)
	}
	ps, err := l.EmployeePunches(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	sns, err := l.Snapshots(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || len(sns) != 1 {
		t.Fatalf("got %d punches and %d snapshots, want 1 and 1", len(ps), len(sns))
	}
	if got, want := ps[0].Evidence.SnapshotID, sns[0].ID; got != want || got == 0 {
		t.Errorf("punch evidence snapshot %d, want %d", got, want)
	}
	if got, want := sns[0].Purpose, ledger.SnapshotPunch; got != want {
		t.Errorf("snapshot purpose %q, want %q", got, want)
	}
	var stored []byte
	if err := l.DB().QueryRow(`SELECT ciphertext FROM snapshots`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "MARKER") {
		t.Error("the snapshot is stored in the clear")
	}
	img, err := l.Snapshot(ctx, sns[0].ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if string(img) != string(frame) {
		t.Errorf("snapshot reads back %q, want %q", img, frame)
	}
	// Past the debounce the same face punches out, with its own snapshot.
	e.clock.Add(ledger.DefaultDebounce)
	res, err := l.Record(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodFace, Snapshot: frame})
	if err != nil || !res.Created || res.Punch.Kind != clockface.PunchOut {
		t.Fatalf("after the debounce: got %+v, %v, want a created punch out", res, err)
	}
	if sns, _ := l.Snapshots(ctx, "A"); len(sns) != 2 {
		t.Errorf("after the debounce: %d snapshots, want 2", len(sns))
	}
}

// A refused face punch (locked out, restricted, no template, terminated)
// stores no snapshot, and a malformed request is refused whole.
func TestRecordRefusedStoresNoSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	for _, n := range []string{"LOCKED", "RESTRICTED", "NOFACE", "GONE", "OK"} {
		addEmployee(t, l, n, "1234")
		if n != "NOFACE" {
			enrol(t, l, n, 1)
		}
	}
	for range 3 {
		if err := l.RecordFailure(ctx, "LOCKED", clockface.MethodFace); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Restrict(ctx, "RESTRICTED", true, "hr"); err != nil {
		t.Fatal(err)
	}
	if err := l.Terminate(ctx, "GONE", "hr"); err != nil {
		t.Fatal(err)
	}
	frame := []byte("jpeg")
	face := func(n string) clockface.PunchRequest {
		return clockface.PunchRequest{Employee: n, Method: clockface.MethodFace, Snapshot: frame}
	}
	var locked *clockface.LockedError
	tests := []struct {
		name     string
		req      clockface.PunchRequest
		want     func(error) bool
		employee string
	}{
		{"locked out", face("LOCKED"), func(err error) bool { return errors.As(err, &locked) }, "LOCKED"},
		{"restricted", face("RESTRICTED"), func(err error) bool { return errors.Is(err, clockface.ErrRestricted) }, "RESTRICTED"},
		{"no template", face("NOFACE"), func(err error) bool { return errors.Is(err, clockface.ErrRestricted) }, "NOFACE"},
		{"terminated", face("GONE"), func(err error) bool { return errors.Is(err, clockface.ErrTerminated) }, "GONE"},
		{"unknown", face("NOBODY"), func(err error) bool { return errors.Is(err, clockface.ErrUnknownEmployee) }, ""},
		{"snapshot on a PIN punch", clockface.PunchRequest{Employee: "OK", Method: clockface.MethodPIN, Snapshot: frame},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "face evidence") }, ""},
		{"snapshot and a snapshot id", clockface.PunchRequest{Employee: "OK", Method: clockface.MethodFace, Snapshot: frame,
			Evidence: clockface.Evidence{SnapshotID: 7}}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "snapshot id") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := l.Record(ctx, tc.req)
			if !tc.want(err) {
				t.Fatalf("got error %v, want the %s refusal", err, tc.name)
			}
			if res.Created || res.Punch.ID != "" {
				t.Errorf("got punch %+v with the refusal, want none", res.Punch)
			}
			if got := res.Employee.Number; got != tc.employee {
				t.Errorf("employee with the refusal: got %q, want %q", got, tc.employee)
			}
		})
	}
	var punches, snaps int
	if err := l.DB().QueryRow(`SELECT (SELECT count(*) FROM punches), (SELECT count(*) FROM snapshots)`).Scan(&punches, &snaps); err != nil {
		t.Fatal(err)
	}
	if punches != 0 || snaps != 0 {
		t.Errorf("after refusals: %d punches and %d snapshots, want none", punches, snaps)
	}
}
