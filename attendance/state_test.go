package attendance_test

import (
	"slices"
	"testing"

	"clockface"
	"clockface/attendance"
)

// TestState: the employee's state as last known, across kiosks.
func TestState(t *testing.T) {
	day := "2026-03-02"
	tests := []struct {
		name  string
		punch *pb
		at    string
		want  clockface.PunchKind
		since string
		next  []clockface.PunchKind
	}{
		{"never punched", punches("E1", la), "12:00", clockface.PunchOut, "", []clockface.PunchKind{clockface.PunchIn}},
		{"in", punches("E1", la).in(day + " 08:00"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"on break", punches("E1", la).in(day+" 08:00").add(clockface.BreakStart, day+" 10:00"), "10:05", clockface.BreakStart, "10:00",
			[]clockface.PunchKind{clockface.BreakEnd, clockface.PunchOut}},
		{"back from break", punches("E1", la).in(day+" 08:00").brk(day, "10:00", "10:10"), "11:00", clockface.PunchIn, "10:10",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"out at the other kiosk", punches("E1", la).in(day + " 08:00").at("back").out(day + " 16:00"), "17:00", clockface.PunchOut, "16:00",
			[]clockface.PunchKind{clockface.PunchIn}},
		{"a later punch is not yet known", punches("E1", la).in(day + " 08:00").out(day + " 16:00"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"double punch keeps the first", punches("E1", la).in(day + " 08:00").in(day + " 08:02"), "12:00", clockface.PunchIn, "08:00",
			[]clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}},
		{"a contradicting kind does not change the state", punches("E1", la).shift(day, "08:00", "11:00").add(clockface.BreakStart, day+" 11:30"), "12:00",
			clockface.PunchOut, "11:00", []clockface.PunchKind{clockface.PunchIn}},
		{"a forgotten out goes stale", punches("E1", la).in("2026-03-01 08:00"), "12:00", clockface.PunchOut, "",
			[]clockface.PunchKind{clockface.PunchIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := attendance.State(tt.punch.ps, tm(la, day+" "+tt.at), 0)
			if st.Kind != tt.want {
				t.Errorf("got %s, want %s", st.Kind, tt.want)
			}
			if tt.since != "" && !st.Since.Equal(tm(la, day+" "+tt.since)) {
				t.Errorf("got since %s, want %s", st.Since.In(la), tt.since)
			}
			if tt.since != "" && st.PunchID == "" {
				t.Errorf("got no punch id for the state")
			}
			if got := attendance.NextKinds(st); !slices.Equal(got, tt.next) {
				t.Errorf("got next kinds %v, want %v", got, tt.next)
			}
		})
	}
	ps := punches("E1", la).in(day + " 08:00").ps
	ps = append(ps, punches("E2", la).shift(day, "06:00", "09:00").ps...)
	all := attendance.States(ps, tm(la, day+" 10:00"), 0)
	if all["E1"].Kind != clockface.PunchIn || all["E2"].Kind != clockface.PunchOut || len(all) != 2 {
		t.Errorf("got %+v, want E1 in and E2 out", all)
	}
}
