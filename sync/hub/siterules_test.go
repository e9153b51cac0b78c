package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"clockface/sync/hub"
)

func TestSiteRules(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                         string
		settings                     map[string]string
		tz, fallback, rules          string
		wantZone, wantRules, wantErr string
	}{
		{"flag wins", map[string]string{hub.SettingTZ: "Europe/Madrid"}, "America/Los_Angeles", "UTC", "", "America/Los_Angeles", "flsa", ""},
		{"hub setting", map[string]string{hub.SettingTZ: "Europe/Madrid", hub.SettingRules: "california"}, "", "UTC", "", "Europe/Madrid", "california", ""},
		{"fallback", nil, "", "America/New_York", "", "America/New_York", "flsa", ""},
		{"rules flag wins", map[string]string{hub.SettingRules: "california"}, "UTC", "", "flsa", "UTC", "flsa", ""},
		{"no zone", nil, "", "", "", "", "", "no site time zone"},
		{"bad zone", nil, "Mars/Olympus", "", "", "", "", `time zone "Mars/Olympus"`},
		{"bad rules", nil, "UTC", "", "nonsense", "", "", "--rules: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := openSQLite(t)
			for k, v := range tt.settings {
				if err := st.SetSetting(ctx, k, v, "test", now); err != nil {
					t.Fatal(err)
				}
			}
			r, err := hub.SiteRules(ctx, st, tt.tz, tt.fallback, tt.rules, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Location.String() != tt.wantZone || r.Name != tt.wantRules || !r.Now.Equal(now) {
				t.Errorf("got zone %s, rules %s, now %v; want %s, %s, %v", r.Location, r.Name, r.Now, tt.wantZone, tt.wantRules, now)
			}
		})
	}
}
