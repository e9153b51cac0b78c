package hubdata

import (
	"fmt"
	"time"
)

// The pay period kinds a Config may name.
const (
	Weekly      = "weekly"
	Biweekly    = "biweekly"
	SemiMonthly = "semi-monthly"
	Monthly     = "monthly"
)

// PeriodKinds lists the kinds, for help text.
var PeriodKinds = []string{Weekly, Biweekly, SemiMonthly, Monthly}

// PayPeriods says how the employer's pay periods fall: Kind, and for
// weekly and biweekly periods the first day of any one period (Anchor, a
// date; only its year, month and day count). Semi-monthly periods are the
// 1st to the 15th and the 16th to the month's end; monthly periods are
// calendar months.
type PayPeriods struct {
	Kind   string
	Anchor time.Time
}

// check says what is wrong with p, or nil.
func (p PayPeriods) check() error {
	switch p.Kind {
	case Weekly, Biweekly:
		if p.Anchor.IsZero() {
			return fmt.Errorf("pay periods: %s periods need the first day of one period (an anchor date)", p.Kind)
		}
	case SemiMonthly, Monthly:
	default:
		return fmt.Errorf("pay periods: unknown kind %q (want weekly, biweekly, semi-monthly or monthly)", p.Kind)
	}
	return nil
}

// Containing returns the period holding t's date in loc: from is the first
// day's local midnight, end the local midnight after the last day.
func (p PayPeriods) Containing(t time.Time, loc *time.Location) (from, end time.Time) {
	y, m, d := t.In(loc).Date()
	switch p.Kind {
	case Weekly, Biweekly:
		n := 7
		if p.Kind == Biweekly {
			n = 14
		}
		ay, am, ad := p.Anchor.Date()
		days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)).Hours() / 24)
		k := days / n
		if days < 0 && days%n != 0 {
			k--
		}
		from = time.Date(ay, am, ad+k*n, 0, 0, 0, 0, loc)
		return from, time.Date(ay, am, ad+(k+1)*n, 0, 0, 0, 0, loc)
	case SemiMonthly:
		if d <= 15 {
			return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m, 16, 0, 0, 0, 0, loc)
		}
		return time.Date(y, m, 16, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
}
