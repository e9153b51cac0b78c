package attendance

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // site zones never depend on the machine's zoneinfo
)

// The defaults a zero Rules field takes. Each is a named limit so a
// deployment can see and change it in one place.
const (
	// DefaultWeeklyOT: hours past 40 in a workweek are overtime (FLSA).
	DefaultWeeklyOT = 40 * time.Hour
	// DefaultMaxShift: an open in-punch older than this closes nothing; it
	// gets missing_out and the next punch starts afresh.
	DefaultMaxShift = 16 * time.Hour
	// DefaultLongShift: a shift longer than this is a warning.
	DefaultLongShift = 12 * time.Hour
	// DefaultShortShift: a shift shorter than this is a warning.
	DefaultShortShift = 5 * time.Minute
	// DefaultPaidBreakMax: breaks shorter than this are rest breaks, paid
	// (29 CFR 785.18: rest periods of 5 to 20 minutes are hours worked).
	DefaultPaidBreakMax = 20 * time.Minute
	// DefaultMealBreakMin: breaks of this or longer are meal breaks, unpaid
	// (29 CFR 785.19).
	DefaultMealBreakMin = 30 * time.Minute
	// DefaultAutoMeal is the length deducted when AutoMealAfter is set.
	DefaultAutoMeal = 30 * time.Minute
	// DefaultDuplicateWindow: the same kind punched again within this is
	// a double punch, flagged and left out of pairing.
	DefaultDuplicateWindow = 5 * time.Minute
	// DefaultFutureTolerance: a punch later than Now plus this is in the
	// future (the hub accepts kiosk clocks up to 5 minutes off).
	DefaultFutureTolerance = 5 * time.Minute
)

// Rules configure a computation. Location and Now are required; every
// other zero field takes the default named above (or "off" where said).
type Rules struct {
	// Name is the rule set the rules came from ("flsa", "california"), or
	// empty for hand-made rules. Informational.
	Name string
	// Location is the site's time zone: workdays, workweeks and every time
	// written for a person are in it. Required; the machine's zone
	// (time.Local) is refused, so it is never used silently.
	Location *time.Location
	// Now is the caller's clock reading: punches after it are in the
	// future. Required (the package has no clock).
	Now time.Time
	// WeekStart is the first day of the workweek (zero: Sunday).
	WeekStart time.Weekday
	// DayStartHour is the local hour (0-23) a workday begins at (zero:
	// midnight). A shift belongs to the workday it starts in.
	DayStartHour int
	// WeeklyOT: regular hours past it in a workweek are overtime (0: 40 h).
	WeeklyOT time.Duration
	// DailyOT: hours past it in a workday are overtime (0: off).
	DailyOT time.Duration
	// DoubleTime: hours past it in a workday are double time (0: off).
	DoubleTime time.Duration
	// SeventhDay: on the seventh consecutive workday of a workweek, hours
	// up to DailyOT are overtime and beyond it double time (California).
	SeventhDay bool
	// Rounding: punches round to the nearest 5, 6 or 15 minutes (0: none,
	// times are only truncated to the minute).
	Rounding time.Duration
	// MaxShift: see DefaultMaxShift.
	MaxShift time.Duration
	// LongShift and ShortShift: see DefaultLongShift, DefaultShortShift.
	LongShift, ShortShift time.Duration
	// PaidBreakMax and MealBreakMin: see DefaultPaidBreakMax and
	// DefaultMealBreakMin. A break in between is deducted, with a warning.
	PaidBreakMax, MealBreakMin time.Duration
	// AutoMealAfter: a shift longer than this without an unpaid break has
	// AutoMeal deducted (0: off, no automatic deduction).
	AutoMealAfter time.Duration
	// AutoMeal: see DefaultAutoMeal.
	AutoMeal time.Duration
	// DuplicateWindow and FutureTolerance: see their defaults.
	DuplicateWindow, FutureTolerance time.Duration
}

// RuleSets lists the known rule set names, for help text.
func RuleSets() []string { return []string{"california", "flsa"} }

// RuleSet returns the named rule set with every default filled in. The
// caller sets Location and Now (and may change WeekStart, DayStartHour or
// any limit) before Build.
//
//   - "flsa": overtime past 40 h in a workweek, nothing daily.
//   - "california": daily overtime past 8 h, double time past 12 h, weekly
//     overtime past 40 h, and the seventh-consecutive-day rule.
func RuleSet(name string) (Rules, error) {
	var r Rules
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "flsa":
		r = Rules{Name: "flsa"}
	case "california":
		r = Rules{Name: "california", DailyOT: 8 * time.Hour, DoubleTime: 12 * time.Hour, SeventhDay: true}
	default:
		return Rules{}, fmt.Errorf("unknown rule set %q (known: %s)", name, strings.Join(RuleSets(), ", "))
	}
	r.fill()
	return r, nil
}

// fill sets the defaults of zero fields.
func (r *Rules) fill() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&r.WeeklyOT, DefaultWeeklyOT)
	def(&r.MaxShift, DefaultMaxShift)
	def(&r.LongShift, DefaultLongShift)
	def(&r.ShortShift, DefaultShortShift)
	def(&r.PaidBreakMax, DefaultPaidBreakMax)
	def(&r.MealBreakMin, DefaultMealBreakMin)
	def(&r.AutoMeal, DefaultAutoMeal)
	def(&r.DuplicateWindow, DefaultDuplicateWindow)
	def(&r.FutureTolerance, DefaultFutureTolerance)
}

// check fills the defaults and validates; Now is checked by Build only
// (Window does not need it).
func (r *Rules) check() error {
	if r.Location == nil {
		return fmt.Errorf("rules: no time zone: set Location to the site's IANA zone (e.g. America/Los_Angeles)")
	}
	if r.Location == time.Local {
		return fmt.Errorf("rules: Location is the machine's zone (time.Local): set the site's IANA zone by name")
	}
	r.fill()
	switch r.Rounding {
	case 0, 5 * time.Minute, 6 * time.Minute, 15 * time.Minute:
	default:
		return fmt.Errorf("rules: rounding %s: want none, 5, 6 or 15 minutes", r.Rounding)
	}
	if r.WeekStart < time.Sunday || r.WeekStart > time.Saturday {
		return fmt.Errorf("rules: week start %d is not a weekday", r.WeekStart)
	}
	if r.DayStartHour < 0 || r.DayStartHour > 23 {
		return fmt.Errorf("rules: workday start hour %d: want 0 to 23", r.DayStartHour)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"weekly overtime", r.WeeklyOT}, {"daily overtime", r.DailyOT}, {"double time", r.DoubleTime},
		{"max shift", r.MaxShift}, {"long shift", r.LongShift}, {"short shift", r.ShortShift},
		{"paid break", r.PaidBreakMax}, {"meal break", r.MealBreakMin}, {"auto meal after", r.AutoMealAfter},
		{"auto meal", r.AutoMeal}, {"duplicate window", r.DuplicateWindow}, {"future tolerance", r.FutureTolerance}} {
		if d.v < 0 {
			return fmt.Errorf("rules: negative %s %s", d.name, d.v)
		}
	}
	if r.DailyOT > 0 && r.DoubleTime > 0 && r.DoubleTime <= r.DailyOT {
		return fmt.Errorf("rules: double time after %s must exceed daily overtime after %s", r.DoubleTime, r.DailyOT)
	}
	if r.SeventhDay && r.DailyOT == 0 {
		return fmt.Errorf("rules: the seventh-day rule needs daily overtime (DailyOT) for its double-time limit")
	}
	if r.PaidBreakMax > r.MealBreakMin {
		return fmt.Errorf("rules: paid breaks under %s overlap meal breaks from %s", r.PaidBreakMax, r.MealBreakMin)
	}
	if r.MaxShift > 7*24*time.Hour {
		return fmt.Errorf("rules: max shift %s is longer than a week", r.MaxShift)
	}
	return nil
}

// workday returns the local date (midnight) of the workday t falls in.
func (r *Rules) workday(t time.Time) time.Time {
	lt := t.In(r.Location)
	y, m, d := lt.Date()
	if lt.Before(time.Date(y, m, d, r.DayStartHour, 0, 0, 0, r.Location)) {
		y, m, d = lt.AddDate(0, 0, -1).Date()
	}
	return time.Date(y, m, d, 0, 0, 0, 0, r.Location)
}

// dayStart is the instant the workday dated day (local midnight) begins.
func (r *Rules) dayStart(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, r.DayStartHour, 0, 0, 0, r.Location)
}

// weekOf returns the date (local midnight) of the first workday of the
// workweek that the workday dated day belongs to.
func (r *Rules) weekOf(day time.Time) time.Time {
	back := (int(day.Weekday()) - int(r.WeekStart) + 7) % 7
	return day.AddDate(0, 0, -back)
}

// Window returns the exact range of punches Build needs for the period
// [from, to): from the start of the first workweek touching the period,
// less MaxShift (an in-punch that an early out-punch closes), to the end of
// the last workweek touching it, plus MaxShift (the out-punch of a shift
// that starts before that end). Load every punch whose effective time is in
// [loadFrom, loadTo).
func Window(from, to time.Time, r Rules) (loadFrom, loadTo time.Time, err error) {
	if err := r.check(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if err := checkPeriod(from, to, r.Location); err != nil {
		return time.Time{}, time.Time{}, err
	}
	first := r.dayStart(r.weekOf(r.workday(from)))
	last := r.dayStart(r.weekOf(r.workday(to.Add(-time.Nanosecond))).AddDate(0, 0, 7))
	return first.Add(-r.MaxShift), last.Add(r.MaxShift), nil
}

// checkPeriod refuses an empty or reversed range.
func checkPeriod(from, to time.Time, loc *time.Location) error {
	if from.IsZero() || to.IsZero() {
		return fmt.Errorf("period: from and to are both required")
	}
	if !to.After(from) {
		what := "empty"
		if to.Before(from) {
			what = "reversed"
		}
		return fmt.Errorf("period %s to %s is %s: want from before to", from.In(loc).Format(stamp), to.In(loc).Format(stamp), what)
	}
	return nil
}

// stamp is how times are written for a person: in the site's zone, with
// the zone's abbreviation.
const stamp = "Mon 2 Jan 2006 15:04 MST"
