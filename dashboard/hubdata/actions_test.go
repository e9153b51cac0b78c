package hubdata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/dashboard/hubdata"
)

// TestActionsOnRealHub: the dashboard's repair and period actions change
// the real hub: an added clock-out resolves E2's missing punch and the
// timesheet pays it; after the period is locked, a correction inside it is
// refused with attendance.ErrLocked and nothing changes.
func TestActionsOnRealHub(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			r.sync()
			d := r.data()
			act := hubdata.NewActions(r.st, r.screen, rules(t))
			ctx := context.Background()
			p, err := d.CurrentPeriod(ctx, r.screen.Now())
			if err != nil {
				t.Fatal(err)
			}
			total := func(emp string) time.Duration {
				t.Helper()
				ts, err := d.Timesheet(ctx, "front", p, dashboard.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range ts.Rows {
					if row.Employee == emp {
						return row.Total
					}
				}
				t.Fatalf("no row for %s", emp)
				return 0
			}
			if got, want := total("E2"), 4*time.Hour+30*time.Minute; got != want {
				t.Fatalf("E2 before the repair: got %v, want %v", got, want)
			}
			id, err := act.Add(ctx, dashboard.NewPunch{Employee: "E2", Kind: "out", At: local(18, 16, 0), Site: "front"}, "forgot to clock out", "hr@example.com")
			if err != nil || id == "" {
				t.Fatalf("add: %q %v", id, err)
			}
			if got, want := total("E2"), 12*time.Hour+30*time.Minute; got != want {
				t.Errorf("E2 after adding Wed 16:00 out: got %v, want %v (4:30 + 8:00)", got, want)
			}
			if _, err := act.Add(ctx, dashboard.NewPunch{Employee: "E2", Kind: "lunch", At: local(18, 12, 0)}, "x", "hr@example.com"); err == nil {
				t.Error("unknown kind: got no error")
			}
			if err := act.Approve(ctx, "E2", p, "manager@example.com"); err != nil {
				t.Fatalf("approve: %v", err)
			}
			if err := act.Lock(ctx, p, "payroll@example.com"); err != nil {
				t.Fatalf("lock: %v", err)
			}
			if err := act.Correct(ctx, id, local(18, 17, 0), "stayed late", "hr@example.com"); !errors.Is(err, attendance.ErrLocked) {
				t.Errorf("correct inside the locked period: got %v, want ErrLocked", err)
			}
			if got, want := total("E2"), 12*time.Hour+30*time.Minute; got != want {
				t.Errorf("E2 after the refused correction: got %v, want %v (unchanged)", got, want)
			}
			edits, err := r.st.PunchEdits(ctx, id)
			if err != nil || len(edits) == 0 || edits[0].Actor != "hr@example.com" || edits[0].Reason != "forgot to clock out" {
				t.Errorf("edit record of the added punch: got %+v %v, want the actor and reason", edits, err)
			}
		})
	}
}
