package attendance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Period is a pay period [From, To).
type Period struct {
	From, To time.Time
}

// NewPeriod checks that [from, to) is a real range.
func NewPeriod(from, to time.Time) (Period, error) {
	if err := checkPeriod(from, to, time.UTC); err != nil {
		return Period{}, err
	}
	return Period{From: from, To: to}, nil
}

// Contains reports whether t is in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

func (p Period) String() string {
	return p.From.Format(time.DateOnly) + " to " + p.To.Add(-time.Nanosecond).Format(time.DateOnly)
}

// Approval records that an approver (a manager) accepted one employee's
// timesheet for a period.
type Approval struct {
	Employee string
	Period   Period
	Approver string
	At       time.Time
}

// Approved reports whether employee's timesheet for period p is approved.
// An edit inside an approved period should withdraw the approval: the
// approver saw other hours.
func Approved(approvals []Approval, employee string, p Period) bool {
	return slices.ContainsFunc(approvals, func(a Approval) bool { return a.Employee == employee && a.Period == p })
}

// Lock records that a period is closed for payroll: punches in it can no
// longer be added or corrected.
type Lock struct {
	Period Period
	By     string
	At     time.Time
}

// ErrLocked matches every *LockedError with errors.Is.
var ErrLocked = errors.New("period locked")

// LockedError refuses an edit at At inside a locked period.
type LockedError struct {
	Lock Lock
	At   time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("period %s is locked (by %s at %s): no edit at %s; enter it as an adjustment in an open period",
		e.Lock.Period, e.Lock.By, e.Lock.At.Format(stamp), e.At.Format(stamp))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// CheckEditable says whether a punch at t may be added, corrected or
// voided: nil, or a *LockedError naming the lock. A correction moves a
// punch from one time to another: check both.
func CheckEditable(locks []Lock, t time.Time) error {
	for _, l := range locks {
		if l.Period.Contains(t) {
			return &LockedError{Lock: l, At: t}
		}
	}
	return nil
}

// NextOpen returns the first of the candidate periods (in the order given)
// that starts at or after after and is not locked: where an adjustment for
// a locked period is paid.
func NextOpen(locks []Lock, candidates []Period, after time.Time) (Period, error) {
	for _, c := range candidates {
		if c.From.Before(after) {
			continue
		}
		if !slices.ContainsFunc(locks, func(l Lock) bool { return l.Period.From.Before(c.To) && c.From.Before(l.Period.To) }) {
			return c, nil
		}
	}
	return Period{}, fmt.Errorf("no open period after %s among %d candidates", after.Format(time.DateOnly), len(candidates))
}

// Adjustment carries a change to a locked period's hours into an open one:
// the locked file stays as exported and Delta (signed) is paid in Into.
type Adjustment struct {
	Employee string
	Locked   Period // where the hours were worked
	Into     Period // the open period that pays them
	Delta    Hours  // new minus old; negative claws back
	By       string
	Reason   string
	At       time.Time
}

// Adjust returns the adjustments that carry the differences between a
// locked period's sheet as exported (old) and as it is after a correction
// (new) into the open period into, one per employee whose hours changed.
func Adjust(old, new Sheet, into Period, by, reason string, at time.Time) ([]Adjustment, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("adjustment: a reason is required")
	}
	if !old.From.Equal(new.From) || !old.To.Equal(new.To) {
		return nil, fmt.Errorf("adjustment: sheets are of different periods")
	}
	locked := Period{From: old.From, To: old.To}
	if into.From.Before(locked.To) {
		return nil, fmt.Errorf("adjustment: period %s does not follow the locked period %s", into, locked)
	}
	var out []Adjustment
	for _, c := range Diff(old, new) {
		if d := c.New.sub(c.Old); d != (Hours{}) {
			out = append(out, Adjustment{Employee: c.Employee, Locked: locked, Into: into, Delta: d, By: by, Reason: reason, At: at})
		}
	}
	return out, nil
}

// ExportRecord is what an export leaves behind: who wrote which file for
// which period, when, and the file's SHA-256 (hex), so a re-export can say
// whether and how it differs.
type ExportRecord struct {
	By     string
	At     time.Time
	Period Period
	Format string
	Rules  string // rule set name
	SHA256 string
}

// Change is how one employee's period differs between two sheets.
type Change struct {
	Employee string
	Old, New Hours
	// Added: only in the new sheet; Removed: only in the old one.
	Added, Removed bool
	Days           []DayChange
	// Exceptions is the count in each sheet, when it differs.
	OldExceptions, NewExceptions int
}

// DayChange is one workday whose hours differ.
type DayChange struct {
	Date     time.Time
	Old, New Hours
}

// Diff says what changed per employee from old to new (a re-export after
// a correction prints it). Employees with the same hours, days and
// exception count are left out.
func Diff(old, new Sheet) []Change {
	excs := func(s Sheet) map[string]int {
		m := map[string]int{}
		for _, e := range s.Exceptions {
			m[e.Employee]++
		}
		return m
	}
	oe, ne := excs(old), excs(new)
	numbers := map[string]bool{}
	for _, s := range []Sheet{old, new} {
		for _, e := range s.Employees {
			numbers[e.Number] = true
		}
		for _, e := range s.Exceptions {
			numbers[e.Employee] = true
		}
	}
	var out []Change
	for _, n := range sortedKeys(numbers) {
		o, inOld := old.Employee(n)
		w, inNew := new.Employee(n)
		c := Change{Employee: n, Old: o.Hours, New: w.Hours, Added: inNew && !inOld, Removed: inOld && !inNew,
			OldExceptions: oe[n], NewExceptions: ne[n]}
		days := map[time.Time][2]Hours{}
		for _, d := range o.Days {
			v := days[d.Date]
			v[0] = d.Hours
			days[d.Date] = v
		}
		for _, d := range w.Days {
			v := days[d.Date]
			v[1] = d.Hours
			days[d.Date] = v
		}
		for d, v := range days {
			if v[0] != v[1] {
				c.Days = append(c.Days, DayChange{Date: d, Old: v[0], New: v[1]})
			}
		}
		slices.SortFunc(c.Days, func(a, b DayChange) int { return a.Date.Compare(b.Date) })
		if c.Added || c.Removed || c.Old != c.New || len(c.Days) > 0 || c.OldExceptions != c.NewExceptions {
			out = append(out, c)
		}
	}
	return out
}

func (c Change) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", c.Employee)
	switch {
	case c.Added:
		b.WriteString(" added;")
	case c.Removed:
		b.WriteString(" removed;")
	}
	for _, f := range []struct {
		name     string
		old, new time.Duration
	}{{"regular", c.Old.Regular, c.New.Regular}, {"overtime", c.Old.Overtime, c.New.Overtime}, {"double", c.Old.Double, c.New.Double}} {
		if f.old != f.new {
			fmt.Fprintf(&b, " %s %s → %s (%s);", f.name, hm(f.old), hm(f.new), signed(f.new-f.old))
		}
	}
	for _, d := range c.Days {
		fmt.Fprintf(&b, " %s %s → %s;", d.Date.Format("Mon 2 Jan"), hm(d.Old.Total()), hm(d.New.Total()))
	}
	if c.OldExceptions != c.NewExceptions {
		fmt.Fprintf(&b, " exceptions %d → %d;", c.OldExceptions, c.NewExceptions)
	}
	return strings.TrimSuffix(b.String(), ";")
}

func signed(d time.Duration) string {
	if d > 0 {
		return "+" + hm(d)
	}
	return hm(d)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
