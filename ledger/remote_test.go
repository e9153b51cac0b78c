package ledger_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/sync/wire"
)

func change(seq int64, emp, action string) wire.StatusChange {
	return wire.StatusChange{Seq: seq, Employee: emp, Action: action, Reason: "reason " + action, Actor: "hr@example.com", At: t0}
}

func down(states []wire.RemoteState, changes ...wire.StatusChange) wire.Downstream {
	return wire.Downstream{Changes: changes, States: states, HubTime: t0}
}

// TestApplyDownstreamStatus: hub status changes are applied as the
// kiosk's own termination and restriction are, audited with the hub user;
// a replayed or older change, an unknown employee and a change after a
// termination change nothing.
func TestApplyDownstreamStatus(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", "4321")
	addEmployee(t, l, "E2", "4321")
	enrol(t, l, "E1", 1)
	enrol(t, l, "E2", 20)

	steps := []struct {
		name        string
		d           wire.Downstream
		wantApplied int
		wantCursor  int64
		// what E1 and E2 are after the step
		wantE1, wantE2 string // active, restricted, terminated
	}{
		{"restrict E2", down(nil, change(3, "E2", wire.ActionRestrict)), 1, 3, "active", "restricted"},
		{"the same again (a replay)", down(nil, change(3, "E2", wire.ActionRestrict)), 0, 3, "active", "restricted"},
		{"an older unrestrict", down(nil, change(2, "E2", wire.ActionUnrestrict)), 0, 3, "active", "restricted"},
		{"unknown employee", down(nil, change(4, "E9", wire.ActionTerminate)), 0, 4, "active", "restricted"},
		{"terminate E1, lift E2", down(nil, change(5, "E1", wire.ActionTerminate), change(6, "E2", wire.ActionUnrestrict)), 2, 6, "terminated", "active"},
		{"terminated is final", down(nil, change(7, "E1", wire.ActionRestrict)), 0, 7, "terminated", "active"},
	}
	for _, s := range steps {
		n, err := l.ApplyDownstream(ctx, s.d)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		cur, err := l.DownstreamCursor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != s.wantApplied || cur != s.wantCursor {
			t.Errorf("%s: got %d applied, cursor %d; want %d, %d", s.name, n, cur, s.wantApplied, s.wantCursor)
		}
		for emp, want := range map[string]string{"E1": s.wantE1, "E2": s.wantE2} {
			got, err := l.Employee(ctx, emp)
			if err != nil {
				t.Fatal(err)
			}
			state := "active"
			if got.RestrictedToPIN {
				state = "restricted"
			}
			if got.Status == clockface.StatusTerminated {
				state = "terminated"
			}
			if state != want {
				t.Errorf("%s: %s is %s, want %s", s.name, emp, state, want)
			}
		}
	}
	if _, err := l.Employee(ctx, "E9"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("E9: got %v, want unknown (never created from the hub)", err)
	}
	e1, _ := l.Employee(ctx, "E1")
	if e1.HasFace {
		t.Error("E1's templates are still stored after the hub's termination")
	}
	ts, err := l.Templates(ctx, testModel)
	if err != nil {
		t.Fatal(err)
	}
	if got := owners(ts); !slices.Equal(got, []string{"E2"}) {
		t.Errorf("face matching considers %v, want [E2]", got)
	}
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "E1", Method: clockface.MethodPIN}); !errors.Is(err, clockface.ErrTerminated) {
		t.Errorf("punch of terminated E1: got %v, want ErrTerminated", err)
	}
	es, err := l.AuditEntries(ctx, "E1")
	if err != nil {
		t.Fatal(err)
	}
	last := es[len(es)-1]
	if last.Action != "employee.terminate" || last.Actor != "hub:hr@example.com" {
		t.Errorf("E1's last audit entry: got %s by %s, want employee.terminate by hub:hr@example.com", last.Action, last.Actor)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

func owners(ts []embeddings.Template) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Owner)
	}
	return out
}

// TestStateTakesTheLaterOfOwnAndHub: the kiosk's default kind comes from
// the later of its own last punch and the one the hub last sent from the
// other kiosks; without a sync, its own.
func TestStateTakesTheLaterOfOwnAndHub(t *testing.T) {
	const pid = "0190f5d2-3c4e-7a1b-8c2d-0123456789ab"
	remote := func(kind clockface.PunchKind, at, shift time.Duration) []wire.RemoteState {
		s := wire.RemoteState{Employee: "E1", Kind: string(kind), At: t0.Add(at), KioskID: "front", PunchID: pid}
		if kind != clockface.PunchOut {
			s.ShiftStart = t0.Add(shift)
		}
		return []wire.RemoteState{s}
	}
	tests := []struct {
		name     string
		own      []clockface.PunchKind // punched here, an hour apart from t0
		remote   []wire.RemoteState
		now      time.Duration // after t0
		want     clockface.PunchKind
		wantNext clockface.PunchKind
	}{
		{"no sync, never punched", nil, nil, 4 * time.Hour, clockface.PunchOut, clockface.PunchIn},
		{"no sync, in here", []clockface.PunchKind{clockface.PunchIn}, nil, 4 * time.Hour, clockface.PunchIn, clockface.PunchOut},
		{"in at the other kiosk", nil, remote(clockface.PunchIn, 0, 0), 4 * time.Hour, clockface.PunchIn, clockface.PunchOut},
		{"in here, later out there", []clockface.PunchKind{clockface.PunchIn}, remote(clockface.PunchOut, 3*time.Hour, 0), 4 * time.Hour, clockface.PunchOut, clockface.PunchIn},
		{"in there, later out here", []clockface.PunchKind{clockface.PunchIn, clockface.PunchOut}, remote(clockface.PunchIn, 30*time.Minute, 30*time.Minute), 4 * time.Hour, clockface.PunchOut, clockface.PunchIn},
		{"on break there", nil, remote(clockface.BreakStart, 2*time.Hour, 0), 3 * time.Hour, clockface.BreakStart, clockface.BreakEnd},
		{"in there, too long ago", nil, remote(clockface.PunchIn, 0, 0), 17 * time.Hour, clockface.PunchOut, clockface.PunchIn},
		{"the hub's punch is after now", nil, remote(clockface.PunchIn, 5*time.Hour, 5*time.Hour), 4 * time.Hour, clockface.PunchOut, clockface.PunchIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t)
			addEmployee(t, l, "E1", "4321")
			addEmployee(t, l, "E2", "4321")
			for i, k := range tt.own {
				e.clock.Set(t0.Add(time.Duration(i) * time.Hour))
				if _, created, err := l.Punch(ctx, clockface.PunchRequest{Employee: "E1", Method: clockface.MethodPIN, Kind: k}); err != nil || !created {
					t.Fatalf("punch %s: created=%v err=%v", k, created, err)
				}
			}
			if tt.remote != nil {
				// E9 is not held here: ignored, never created.
				states := append(tt.remote, wire.RemoteState{Employee: "E9", Kind: "out", At: t0, KioskID: "front", PunchID: pid})
				if _, err := l.ApplyDownstream(ctx, down(states)); err != nil {
					t.Fatal(err)
				}
			}
			e.clock.Set(t0.Add(tt.now))
			st, err := l.State(ctx, "E1")
			if err != nil {
				t.Fatal(err)
			}
			next, err := l.NextKind(ctx, "E1")
			if err != nil {
				t.Fatal(err)
			}
			if st.Kind != tt.want || next != tt.wantNext {
				t.Errorf("got state %s, next %s; want %s, %s", st.Kind, next, tt.want, tt.wantNext)
			}
			if other, err := l.State(ctx, "E2"); err != nil || other.Kind != clockface.PunchOut {
				t.Errorf("E2: got %v (%v), want out: another employee's state is not theirs", other.Kind, err)
			}
			if _, err := l.Employee(ctx, "E9"); !errors.Is(err, clockface.ErrUnknownEmployee) {
				t.Errorf("E9: got %v, want unknown", err)
			}
		})
	}
}
