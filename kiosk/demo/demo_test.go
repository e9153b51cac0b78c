package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/kiosk/demo"
)

func TestRunUntil(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		punches int
		cancel  bool
		wantErr string
	}{
		{"first punch ends it", time.Minute, 2, false, ""},
		{"no punch in time", time.Millisecond, 0, false, "no punch within 1ms"},
		{"closed before a punch", 0, 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d := demo.New("", tt.timeout)
			var seen []string
			onPunch := d.OnPunch(func(p clockface.Punch) { seen = append(seen, p.ID) })
			for i := range tt.punches {
				onPunch(clockface.Punch{ID: string(rune('a' + i))})
			}
			if tt.cancel {
				cancel()
			}
			err := d.Until(true)(ctx, nil)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
			if got, want := d.Punched(), tt.punches > 0; got != want {
				t.Errorf("punched: got %v, want %v", got, want)
			}
			if len(seen) != tt.punches {
				t.Errorf("next saw %d punches, want %d", len(seen), tt.punches)
			}
		})
	}
}
