package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clockface/attendance"
)

// Site settings, `hub config set KEY VALUE`.
const (
	// SettingTZ is the site's IANA time zone: exports default to it, and
	// pairing hands it to each kiosk.
	SettingTZ = "tz"
	// SettingRules is the default overtime rule set (attendance.RuleSet).
	SettingRules = "rules"
)

// settingChecks validates each known setting's value.
var settingChecks = map[string]func(string) error{
	SettingTZ: func(v string) error {
		if v == "" || v == "Local" {
			return fmt.Errorf("want an IANA zone such as America/Los_Angeles")
		}
		_, err := time.LoadLocation(v)
		return err
	},
	SettingRules: func(v string) error { _, err := attendance.RuleSet(v); return err },
}

// SettingKeys lists the known settings.
func SettingKeys() []string {
	keys := make([]string, 0, len(settingChecks))
	for k := range settingChecks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Settings are the hub's site settings.
type Settings interface {
	// SetSetting stores a checked value (an unknown key or a bad value is
	// refused, nothing changed) and audits it.
	SetSetting(ctx context.Context, key, value, actor string, now time.Time) error
	// Setting returns key's value, "" if unset.
	Setting(ctx context.Context, key string) (string, error)
	// AllSettings returns every stored setting.
	AllSettings(ctx context.Context) (map[string]string, error)
}

var _ Settings = (*DB)(nil)

func (s *DB) SetSetting(ctx context.Context, key, value, actor string, now time.Time) error {
	check, ok := settingChecks[key]
	if !ok {
		return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(SettingKeys(), ", "))
	}
	if err := check(value); err != nil {
		return fmt.Errorf("setting %s %q: %w", key, value, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var before string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT value FROM settings WHERE key = ?`), key).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("setting %s: %w", key, err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			key, value, actor, nanos(now)); err != nil {
			return fmt.Errorf("setting %s: %w", key, err)
		}
		return s.audit(ctx, tx, now, actor, "setting.set", key, map[string]string{"before": before, "after": value})
	})
}

func (s *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT value FROM settings WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

func (s *DB) AllSettings(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SiteZone is the configured site time zone ("" if unset), for the
// pairing answer.
func (s *DB) SiteZone(ctx context.Context) (string, error) { return s.Setting(ctx, SettingTZ) }
