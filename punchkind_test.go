package clockface_test

import (
	"testing"

	"clockface"
)

func TestParsePunchKind(t *testing.T) {
	tests := []struct {
		in   string
		want clockface.PunchKind
		ok   bool
	}{
		{"in", clockface.PunchIn, true},
		{" OUT ", clockface.PunchOut, true},
		{"break-start", clockface.BreakStart, true},
		{"break_end", clockface.BreakEnd, true},
		{"lunch", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := clockface.ParsePunchKind(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Fatalf("got %q, %v; want %q (ok %v)", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestPunchKindVerb(t *testing.T) {
	tests := []struct {
		kind clockface.PunchKind
		want string
	}{
		{clockface.PunchIn, "clocked in"},
		{clockface.PunchOut, "clocked out"},
		{clockface.BreakStart, "started a break"},
		{clockface.BreakEnd, "ended a break"},
		{"odd", "odd"},
	}
	for _, tt := range tests {
		if got := tt.kind.Verb(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.kind, got, tt.want)
		}
	}
}
