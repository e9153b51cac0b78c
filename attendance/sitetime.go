package attendance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"clockface"
)

// localLayouts are the local-time forms ParseSiteTime takes besides
// RFC 3339.
var localLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

// ParseSiteTime reads a time an admin types: RFC 3339 with its offset, or
// a local time ("2026-03-02 08:00") in the site zone loc. A local time the
// zone skips (the spring-forward hour) is refused rather than moved.
func ParseSiteTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != s {
			return time.Time{}, fmt.Errorf("%q does not exist in %s (the clocks skip it)", s, loc)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-03-02T08:00:00-08:00) or a local time in %s (2026-03-02 08:00)", s, loc)
}

// Text is the state for people, with times in the site zone loc:
// "in since 2026-03-02 08:00:00 PST", "out (never punched here)".
func (st Status) Text(loc *time.Location) string {
	what := map[clockface.PunchKind]string{clockface.PunchIn: "in", clockface.BreakStart: "on a break", clockface.PunchOut: "out"}[st.Kind]
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05 MST") }
	switch {
	case st.Stale:
		return fmt.Sprintf("out (the in-punch of %s has no out-punch)", at(st.Since))
	case st.Since.IsZero():
		return what + " (never punched here)"
	}
	return what + " since " + at(st.Since)
}

// ParsePeriod reads a pay period typed as inclusive dates (YYYY-MM-DD,
// from --from and --to) in the site zone loc, as [from, to+1 day).
func ParsePeriod(from, to string, loc *time.Location) (Period, error) {
	if from == "" || to == "" {
		return Period{}, errors.New("--from and --to are required (YYYY-MM-DD)")
	}
	f, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return Period{}, fmt.Errorf("--from: want YYYY-MM-DD: %w", err)
	}
	t, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return Period{}, fmt.Errorf("--to: want YYYY-MM-DD: %w", err)
	}
	if t.Before(f) {
		return Period{}, fmt.Errorf("--to %s is before --from %s", to, from)
	}
	return Period{From: f, To: t.AddDate(0, 0, 1)}, nil
}
