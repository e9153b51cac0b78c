package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"clockface/attendance"
)

// SiteZone is the site's time zone: flag if given, then the hub's
// SettingTZ (when st is not nil), then fallback (the CLI passes
// $CLOCKFACE_TZ). "" if none: the machine's zone is never used.
func SiteZone(ctx context.Context, st Settings, flag, fallback string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if st != nil {
		tz, err := st.Setting(ctx, SettingTZ)
		if err != nil || tz != "" {
			return tz, err
		}
	}
	return fallback, nil
}

// SiteRules is the rule set named rules (if given, else the hub's
// SettingRules, else flsa) in the site's zone (SiteZone of tz and
// fallback), with Now set to now.
func SiteRules(ctx context.Context, st Settings, tz, fallback, rules string, now time.Time) (attendance.Rules, error) {
	zone, err := SiteZone(ctx, st, tz, fallback)
	if err != nil {
		return attendance.Rules{}, err
	}
	if zone == "" {
		return attendance.Rules{}, errors.New("no site time zone: run `clockface hub config set tz ZONE` (e.g. America/Los_Angeles), or give --tz or CLOCKFACE_TZ")
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return attendance.Rules{}, fmt.Errorf("time zone %q: %w", zone, err)
	}
	name := rules
	if name == "" && st != nil {
		if name, err = st.Setting(ctx, SettingRules); err != nil {
			return attendance.Rules{}, err
		}
	}
	if name == "" {
		name = "flsa"
	}
	r, err := attendance.RuleSet(name)
	if err != nil {
		return attendance.Rules{}, fmt.Errorf("--rules: %w", err)
	}
	r.Location, r.Now = loc, now
	return r, nil
}
