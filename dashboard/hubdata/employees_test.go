package hubdata_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/hubdata"
	"clockface/embeddings"
	"clockface/internal/clocktest"
	"clockface/sync/hub"
)

// faceModel is a small model for the ledgers' templates: the real
// ledger, vault and gallery code, with short vectors.
var faceModel = embeddings.Model{Name: "dlib", Version: "test1", Dim: 4}

func sample(seed float32) embeddings.Embedding {
	return embeddings.Embedding{seed, seed + 0.1, seed + 0.2, seed + 0.3}
}

// enrol records a consent and a template for number at k.
func (k *kiosk) enrol(t testing.TB, number string, seed float32) {
	t.Helper()
	ctx := context.Background()
	if _, err := k.l.RecordConsent(ctx, clockface.Consent{EmployeeNumber: number, TextVersion: "v1", Locale: "en",
		TextSHA256: "0000000000000000000000000000000000000000000000000000000000000000", Signature: number, RetentionPolicy: "r1"}); err != nil {
		t.Fatal(err)
	}
	tpl := embeddings.Template{Owner: number, Model: faceModel, Samples: []embeddings.Embedding{sample(seed), sample(seed + 0.05)}}
	if err := k.l.SaveTemplate(ctx, tpl, "hr"); err != nil {
		t.Fatal(err)
	}
}

// identify is who the kiosk's face matching finds for probe now, as the
// kiosk loads its gallery (ledger.Templates: only employees whose face may
// be used), with the model's accept band.
func (k *kiosk) identify(t testing.TB, probe embeddings.Embedding) string {
	t.Helper()
	ts, err := k.l.Templates(context.Background(), faceModel)
	if err != nil {
		t.Fatal(err)
	}
	g, err := embeddings.NewGallery(faceModel, ts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := embeddings.ProfileNamed(faceModel.Name)
	if err != nil {
		t.Fatal(err)
	}
	id := g.Identify(probe, p.Thresholds)
	if id.Band != embeddings.Accept {
		return ""
	}
	return id.Owner
}

// newClockedRig is newRig with the hub's API on hubClock: the hub
// computes the states it sends down at its own now. (The kiosks' clients
// sign with the system clock and adopt the hub's time on the first
// stale_timestamp answer, as a kiosk with a wrong clock does.)
func newClockedRig(t testing.TB, kind string, hubClock clockface.Clock) *rig {
	t.Helper()
	r := &rig{t: t, st: openHub(t, kind), screen: clocktest.New(now), kiosks: map[string]*kiosk{}}
	srv := hub.NewServer(r.st, hubClock, nil)
	r.srv = httptest.NewTLSServer(srv.Handler())
	t.Cleanup(r.srv.Close)
	return r
}

// TestStatusReachesEveryKiosk: HR terminates E1 and restricts E2 to PIN
// from the dashboard's Employees data; at their next sync both kiosks
// apply it. E1's templates are gone from both ledgers, their face no longer
// matches and they cannot punch; E2's face is no longer matched but their
// PIN still punches; E3 is untouched. The screen shows the changes pending
// until the kiosks report them applied. Then lifting E2's restriction
// reaches both kiosks too.
func TestStatusReachesEveryKiosk(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, kind, clockface.SystemClock{})
			front := r.kiosk("front", "E1", "Ana Díaz", "E2", "Bo Chen", "E3", "Cy Okafor")
			back := r.kiosk("back", "E1", "Ana Díaz", "E2", "Bo Chen", "E3", "Cy Okafor")
			for _, k := range []*kiosk{front, back} {
				k.enrol(t, "E1", 1)
				k.enrol(t, "E2", 5)
				k.enrol(t, "E3", 9)
			}
			r.sync() // the directory reaches the hub
			emp := hubdata.NewEmployees(r.data(), r.st, r.screen)
			for _, c := range []struct{ number, action, reason string }{
				{"E1", dashboard.EmployeeTerminate, "left the company"},
				{"E2", dashboard.EmployeeRestrict, "looks like E5: PIN and face"},
			} {
				if err := emp.ChangeStatus(ctx, c.number, c.action, c.reason, "hr@example.com"); err != nil {
					t.Fatalf("%s %s: %v", c.action, c.number, err)
				}
			}
			rows := directory(t, emp)
			if got := rows["E1"]; got.Status != clockface.StatusTerminated || got.Pending != 2 {
				t.Errorf("E1 before any sync: got %s pending on %d, want terminated pending on 2", got.Status, got.Pending)
			}
			for _, k := range []*kiosk{front, back} {
				if got := k.identify(t, sample(1)); got != "E1" {
					t.Fatalf("before the sync: E1's face matches %q, want E1", got)
				}
			}

			r.sync()
			for name, k := range map[string]*kiosk{"front": front, "back": back} {
				e1, err := k.l.Employee(ctx, "E1")
				if err != nil {
					t.Fatal(err)
				}
				if e1.Status != clockface.StatusTerminated || e1.HasFace {
					t.Errorf("%s: E1 is %s with templates=%v, want terminated with none", name, e1.Status, e1.HasFace)
				}
				for probe, want := range map[float32]string{1: "", 5: "", 9: "E3"} {
					if got := k.identify(t, sample(probe)); got != want {
						t.Errorf("%s: the face of seed %v matches %q, want %q", name, probe, got, want)
					}
				}
				if _, _, err := k.l.Punch(ctx, clockface.PunchRequest{Employee: "E1", Method: clockface.MethodPIN}); !errors.Is(err, clockface.ErrTerminated) {
					t.Errorf("%s: E1's PIN punch: got %v, want ErrTerminated", name, err)
				}
				if _, _, err := k.l.Punch(ctx, clockface.PunchRequest{Employee: "E2", Method: clockface.MethodFace}); !errors.Is(err, clockface.ErrRestricted) {
					t.Errorf("%s: E2's face punch: got %v, want ErrRestricted", name, err)
				}
				if _, created, err := k.l.Punch(ctx, clockface.PunchRequest{Employee: "E2", Method: clockface.MethodPIN}); err != nil || !created {
					t.Errorf("%s: E2's PIN punch: created=%v err=%v, want a punch", name, created, err)
				}
				entries, err := k.l.AuditEntries(ctx, "E1")
				if err != nil {
					t.Fatal(err)
				}
				if last := entries[len(entries)-1]; last.Action != "employee.terminate" || last.Actor != "hub:hr@example.com" {
					t.Errorf("%s: E1's last audit entry is %s by %s, want employee.terminate by hub:hr@example.com", name, last.Action, last.Actor)
				}
			}
			rows = directory(t, emp)
			if got := rows["E1"]; got.Pending != 0 || got.AppliedBy == "" || got.HubAction != dashboard.EmployeeTerminate {
				t.Errorf("E1 after the sync: got %+v, want applied everywhere", got)
			}
			if err := emp.ChangeStatus(ctx, "E1", dashboard.EmployeeRestrict, "again", "hr@example.com"); !errors.Is(err, dashboard.ErrTerminatedFinal) {
				t.Errorf("a change after termination: got %v, want ErrTerminatedFinal", err)
			}
			if err := emp.ChangeStatus(ctx, "E9", dashboard.EmployeeTerminate, "who", "hr@example.com"); !errors.Is(err, clockface.ErrUnknownEmployee) {
				t.Errorf("unknown employee: got %v, want ErrUnknownEmployee", err)
			}

			if err := emp.ChangeStatus(ctx, "E2", dashboard.EmployeeUnrestrict, "re-enrolled apart from E5", "owner@example.com"); err != nil {
				t.Fatal(err)
			}
			r.sync()
			for name, k := range map[string]*kiosk{"front": front, "back": back} {
				if got := k.identify(t, sample(5)); got != "E2" {
					t.Errorf("%s: after lifting, E2's face matches %q, want E2", name, got)
				}
			}
			entries, err := r.st.Audit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Actor+" "+e.Action+" "+e.Subject)
			}
			want := []string{"hr@example.com employee.terminate E1", "hr@example.com employee.restrict E2", "owner@example.com employee.unrestrict E2"}
			if len(actions) != len(want) || actions[0] != want[0] || actions[1] != want[1] || actions[2] != want[2] {
				t.Errorf("hub audit: got %q, want %q", actions, want)
			}
		})
	}
}

func directory(t testing.TB, d dashboard.Directory) map[string]dashboard.DirectoryEntry {
	t.Helper()
	rows, err := d.Employees(context.Background(), dashboard.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]dashboard.DirectoryEntry{}
	for _, r := range rows {
		out[r.Number] = r
	}
	return out
}

// TestDefaultKindAcrossKiosks: E1 clocks in at front; before a sync the
// back kiosk offers in (its own state); once both synced it offers out,
// and after E1 clocks out at back, front offers in again.
func TestDefaultKindAcrossKiosks(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			in := local(16, 8, 0)
			hubClock := clocktest.New(in.Add(time.Hour))
			r := newClockedRig(t, kind, hubClock)
			front := r.kiosk("front", "E1", "Ana Díaz")
			back := r.kiosk("back", "E1", "Ana Díaz")
			front.punch(t, "E1", clockface.PunchIn, in)
			back.clock.Set(in.Add(time.Hour))
			next := func(k *kiosk) clockface.PunchKind {
				t.Helper()
				n, err := k.l.NextKind(context.Background(), "E1")
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if got := next(back); got != clockface.PunchIn {
				t.Errorf("back before a sync: got %s, want in (its own state)", got)
			}
			r.sync()
			r.sync() // front's punch reached the hub in the first pass; back hears of it in either order
			if got := next(back); got != clockface.PunchOut {
				t.Errorf("back after the sync: got %s, want out", got)
			}
			back.punch(t, "E1", clockface.PunchOut, in.Add(8*time.Hour))
			hubClock.Set(in.Add(8*time.Hour + time.Minute))
			front.clock.Set(in.Add(8*time.Hour + time.Minute))
			if got := next(front); got != clockface.PunchOut {
				t.Errorf("front before a sync: got %s, want out (its own state)", got)
			}
			r.sync()
			r.sync()
			if got := next(front); got != clockface.PunchIn {
				t.Errorf("front after the sync: got %s, want in", got)
			}
		})
	}
}
