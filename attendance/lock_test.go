package attendance_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

// TestLockedPeriod: 1-15 March is locked. A correction inside it is
// refused; the caller may instead carry the difference into 16-31 March.
func TestLockedPeriod(t *testing.T) {
	march1 := attendance.Period{From: date(la, "2026-03-01"), To: date(la, "2026-03-16")}
	march2 := attendance.Period{From: date(la, "2026-03-16"), To: date(la, "2026-04-01")}
	approvals := []attendance.Approval{{Employee: "E1", Period: march1, Approver: "mgr@example.com", At: tm(la, "2026-03-16 08:00")}}
	if !attendance.Approved(approvals, "E1", march1) || attendance.Approved(approvals, "E2", march1) || attendance.Approved(approvals, "E1", march2) {
		t.Error("Approved: want E1 approved for 1-15 March only")
	}
	lock := attendance.Lock{Period: march1, By: "payroll@example.com", At: tm(la, "2026-03-16 09:00")}
	locks := []attendance.Lock{lock}

	err := attendance.CheckEditable(locks, tm(la, "2026-03-10 08:00"))
	var le *attendance.LockedError
	if !errors.As(err, &le) || !errors.Is(err, attendance.ErrLocked) || le.Lock != lock {
		t.Fatalf("inside the lock: got %v, want a *LockedError for %s", err, march1)
	}
	for _, at := range []string{"2026-03-16 00:00", "2026-02-28 23:59"} {
		if err := attendance.CheckEditable(locks, tm(la, at)); err != nil {
			t.Errorf("%s: got %v, want nil", at, err)
		}
	}
	next, err := attendance.NextOpen(locks, []attendance.Period{march1, march2}, march1.To)
	if err != nil || next != march2 {
		t.Errorf("NextOpen: got %v %v, want %s", next, err, march2)
	}
	if _, err := attendance.NextOpen([]attendance.Lock{lock, {Period: march2}}, []attendance.Period{march1, march2}, march1.To); err == nil {
		t.Error("NextOpen with every candidate locked: got nil error, want one")
	}

	// As exported: Tue 10 Mar 08:00-16:00 = 8 h. The out is corrected to 17:30: 9.5 h.
	b := punches("E1", la).shift("2026-03-10", "08:00", "16:00")
	r := rules(t, "flsa", la)
	old := build(t, b.ps, march1.From, march1.To, r)
	b.last().Corrected = &clockface.Correction{At: tm(la, "2026-03-10 17:30"), By: "mgr", Reason: "stayed late"}
	fixed := build(t, b.ps, march1.From, march1.To, r)
	adj, err := attendance.Adjust(old, fixed, march2, "mgr", "stayed late on 10 Mar", tm(la, "2026-03-20 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(adj) != 1 || adj[0].Delta != hrs("1h30m", "0", "0") || adj[0].Into != march2 || adj[0].Locked != march1 {
		t.Errorf("got adjustments %+v, want +1h30m regular from %s into %s", adj, march1, march2)
	}
	if _, err := attendance.Adjust(old, fixed, march2, "mgr", " ", time.Time{}); err == nil {
		t.Error("adjustment without a reason: got nil error, want one")
	}
	if _, err := attendance.Adjust(old, fixed, march1, "mgr", "x", time.Time{}); err == nil {
		t.Error("adjustment into the locked period itself: got nil error, want one")
	}
}

// TestDiff: a re-export after a change says what changed, per employee.
func TestDiff(t *testing.T) {
	from, to := date(la, "2026-03-01"), date(la, "2026-03-08")
	r := rules(t, "flsa", la)
	b := punches("E1", la).shift("2026-03-02", "08:00", "16:00")
	ps := append(b.ps, punches("E2", la).shift("2026-03-02", "08:00", "12:00").ps...)
	old := build(t, ps, from, to, r)
	ps[1].Corrected = &clockface.Correction{At: tm(la, "2026-03-02 17:00"), By: "mgr", Reason: "late"}
	ps = append(ps, punches("E3", la).in("2026-03-03 09:00").ps...)
	new := build(t, ps, from, to, r)
	got := attendance.Diff(old, new)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"E1: regular 8h → 9h (+1h); Mon 2 Mar 8h → 9h",
		"E3: added; exceptions 0 → 1",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if d := attendance.Diff(old, old); len(d) != 0 {
		t.Errorf("same sheet: got %v, want no changes", d)
	}
}
