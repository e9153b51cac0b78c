package attendance_test

import (
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/attendance"
)

func TestParseSiteTime(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2026-03-02T08:00:00-08:00", time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), ""},
		{"2026-03-02 08:00", time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), ""},
		{" 2026-03-02T08:00:30 ", time.Date(2026, 3, 2, 16, 0, 30, 0, time.UTC), ""},
		{"2026-03-08 02:30", time.Time{}, "does not exist in America/Los_Angeles"},
		{"tomorrow", time.Time{}, "want RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := attendance.ParseSiteTime(tt.in, la)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	at := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		st   attendance.Status
		want string
	}{
		{"never", attendance.Status{Kind: clockface.PunchOut}, "out (never punched here)"},
		{"in", attendance.Status{Kind: clockface.PunchIn, Since: at}, "in since 2026-03-02 08:00:00 PST"},
		{"break", attendance.Status{Kind: clockface.BreakStart, Since: at}, "on a break since 2026-03-02 08:00:00 PST"},
		{"stale", attendance.Status{Kind: clockface.PunchOut, Since: at, Stale: true}, "out (the in-punch of 2026-03-02 08:00:00 PST has no out-punch)"},
	}
	for _, tt := range tests {
		if got := tt.st.Text(la); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, to string
		want     attendance.Period
		wantErr  string
	}{
		{"2026-03-01", "2026-03-15", attendance.Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, la), To: time.Date(2026, 3, 16, 0, 0, 0, 0, la)}, ""},
		{"2026-03-02", "2026-03-02", attendance.Period{From: time.Date(2026, 3, 2, 0, 0, 0, 0, la), To: time.Date(2026, 3, 3, 0, 0, 0, 0, la)}, ""},
		{"", "2026-03-15", attendance.Period{}, "--from and --to are required"},
		{"March", "2026-03-15", attendance.Period{}, "--from: want YYYY-MM-DD"},
		{"2026-03-01", "15/03/2026", attendance.Period{}, "--to: want YYYY-MM-DD"},
		{"2026-03-15", "2026-03-01", attendance.Period{}, "--to 2026-03-01 is before --from 2026-03-15"},
	}
	for _, tt := range tests {
		t.Run(tt.from+"_"+tt.to, func(t *testing.T) {
			got, err := attendance.ParsePeriod(tt.from, tt.to, la)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
