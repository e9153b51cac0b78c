package attendance

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"clockface"
)

// Shift is an in-punch paired with its out-punch. In and Out are effective
// times (corrected, truncated to the minute, rounded) in the site's zone.
type Shift struct {
	In, Out           time.Time
	InPunch, OutPunch string
	InKiosk, OutKiosk string
	// Breaks is the unpaid break time deducted (meal breaks, and breaks
	// between the paid and meal limits); PaidBreaks the rest breaks kept.
	Breaks, PaidBreaks time.Duration
	// AutoMeal is the automatic meal deduction, when configured.
	AutoMeal time.Duration
	// Worked is Out − In − Breaks − AutoMeal.
	Worked time.Duration
	// Day is the local date (midnight) of the workday the shift starts in,
	// Week that of the first workday of its workweek.
	Day, Week time.Time
	// Hours is how Worked splits into pay categories.
	Hours Hours
}

// effective is a punch's time, truncated to the minute and rounded in the
// site's zone.
func effective(p *clockface.Punch, r *Rules) time.Time {
	t := p.Time().Truncate(time.Minute)
	if r.Rounding != 0 {
		_, off := t.In(r.Location).Zone()
		shift := time.Duration(off) * time.Second
		t = t.Add(shift).Round(r.Rounding).Add(-shift)
	}
	return t.In(r.Location)
}

// sortPunches orders punches by effective time, then id: the order they
// happened in, whichever kiosk recorded them and whenever they arrived.
func sortPunches(ps []*clockface.Punch) {
	slices.SortFunc(ps, func(a, b *clockface.Punch) int {
		if c := a.Time().Compare(b.Time()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// machine pairs one employee's punches in time order.
type machine struct {
	r      *Rules
	number string
	state  clockface.PunchKind // PunchOut, PunchIn or BreakStart (on break)
	since  time.Time           // when the state began (punch time)
	sinceP *clockface.Punch    // the punch that set the state
	open   Shift               // the shift being built, when not out
	openP  *clockface.Punch    // its in-punch
	brk    time.Time           // effective start of the running break
	brkP   *clockface.Punch    // its break_start punch
	last   *clockface.Punch    // the last punch that counted, for doubles
	shifts []Shift
	excs   []Exception
}

func newMachine(number string, r *Rules) *machine {
	return &machine{r: r, number: number, state: clockface.PunchOut}
}

func (m *machine) flag(kind ExceptionKind, p *clockface.Punch, format string, args ...any) {
	m.excs = append(m.excs, Exception{Employee: m.number, Kind: kind, Severity: kind.Severity(),
		At: p.Time().In(m.r.Location), PunchID: p.ID, Detail: fmt.Sprintf(format, args...)})
}

// when writes t for a person, in the site's zone.
func (m *machine) when(t time.Time) string { return t.In(m.r.Location).Format(stamp) }

func (m *machine) step(p *clockface.Punch) {
	raw := p.Time()
	if raw.After(m.r.Now.Add(m.r.FutureTolerance)) {
		m.flag(FuturePunch, p, "punch at %s is after now (%s)", m.when(raw), m.when(m.r.Now))
	}
	if !p.Kind.Valid() {
		m.flag(UnknownKind, p, "punch kind %q is not in, out, break_start or break_end; not paired", p.Kind)
		return
	}
	if m.last != nil && m.last.Kind == p.Kind && raw.Sub(m.last.Time()) <= m.r.DuplicateWindow {
		m.flag(DoublePunch, p, "%s again %s after the one at %s; the repeat is not paired", p.Kind,
			gap(raw.Sub(m.last.Time())), m.when(m.last.Time()))
		return
	}
	m.last = p
	if m.state != clockface.PunchOut && raw.Sub(m.openP.Time()) > m.r.MaxShift {
		m.flag(MissingOut, m.openP, "in-punch at %s has no out-punch within %s (next punch: %s at %s)",
			m.when(m.openP.Time()), hm(m.r.MaxShift), p.Kind, m.when(raw))
		m.state = clockface.PunchOut
	}
	t := effective(p, m.r)
	switch p.Kind {
	case clockface.PunchIn:
		if m.state != clockface.PunchOut {
			what := "in"
			if m.state == clockface.BreakStart {
				what = "on break"
			}
			m.flag(MissingOut, m.openP, "in-punch at %s is followed by another in-punch at %s before any out-punch",
				m.when(m.openP.Time()), m.when(raw))
			m.flag(Contradiction, p, "in-punch while %s since %s", what, m.when(m.since))
		}
		m.state, m.since, m.sinceP, m.openP = clockface.PunchIn, raw, p, p
		m.open = Shift{In: t, InPunch: p.ID, InKiosk: p.KioskID}
	case clockface.PunchOut:
		switch m.state {
		case clockface.PunchOut:
			m.flag(MissingIn, p, "out-punch at %s without an in-punch", m.when(raw))
			m.state, m.since, m.sinceP = clockface.PunchOut, raw, p
			return
		case clockface.BreakStart:
			m.flag(BadBreak, m.brkP, "break started at %s was not ended before the out-punch at %s; not deducted",
				m.when(m.brkP.Time()), m.when(raw))
		}
		m.close(p, t)
		m.state, m.since, m.sinceP = clockface.PunchOut, raw, p
	case clockface.BreakStart:
		switch m.state {
		case clockface.PunchOut:
			m.flag(Contradiction, p, "break start at %s while clocked out", m.when(raw))
		case clockface.BreakStart:
			m.flag(Contradiction, p, "break start at %s while on break since %s", m.when(raw), m.when(m.since))
		default:
			m.state, m.since, m.sinceP, m.brk, m.brkP = clockface.BreakStart, raw, p, t, p
		}
	case clockface.BreakEnd:
		switch m.state {
		case clockface.PunchOut:
			m.flag(Contradiction, p, "break end at %s while clocked out", m.when(raw))
		case clockface.PunchIn:
			m.flag(BadBreak, p, "break end at %s without a break start", m.when(raw))
		default:
			m.endBreak(p, t)
			m.state, m.since, m.sinceP = clockface.PunchIn, raw, p
		}
	}
}

// endBreak classifies a finished break: under PaidBreakMax it is a paid
// rest break, from MealBreakMin an unpaid meal, in between unpaid with a
// warning.
func (m *machine) endBreak(p *clockface.Punch, t time.Time) {
	d := max(t.Sub(m.brk), 0)
	switch {
	case d < m.r.PaidBreakMax:
		m.open.PaidBreaks += d
	case d >= m.r.MealBreakMin:
		m.open.Breaks += d
	default:
		m.open.Breaks += d
		m.flag(ShortMeal, p, "break of %s from %s: longer than a paid rest break (under %s), shorter than a meal break (%s); deducted as unpaid",
			hm(d), m.when(m.brkP.Time()), hm(m.r.PaidBreakMax), hm(m.r.MealBreakMin))
	}
}

func (m *machine) close(p *clockface.Punch, t time.Time) {
	sh := m.open
	sh.Out, sh.OutPunch, sh.OutKiosk = t, p.ID, p.KioskID
	span := max(sh.Out.Sub(sh.In), 0)
	if m.r.AutoMealAfter > 0 && sh.Breaks == 0 && span-sh.PaidBreaks > m.r.AutoMealAfter {
		sh.AutoMeal = m.r.AutoMeal
	}
	sh.Worked = max(span-sh.Breaks-sh.AutoMeal, 0)
	sh.Day = m.r.workday(sh.In)
	sh.Week = m.r.weekOf(sh.Day)
	switch {
	case span > m.r.LongShift:
		m.flag(LongShift, m.openP, "shift of %s from %s to %s is longer than %s", hm(span), m.when(sh.In), m.when(sh.Out), hm(m.r.LongShift))
	case span < m.r.ShortShift:
		m.flag(ShortShift, m.openP, "shift of %s from %s to %s is shorter than %s", hm(span), m.when(sh.In), m.when(sh.Out), hm(m.r.ShortShift))
	}
	m.shifts = append(m.shifts, sh)
}

// finish flags a shift still open after the last punch.
func (m *machine) finish() {
	if m.state == clockface.PunchOut {
		return
	}
	in := m.openP.Time()
	if m.r.Now.Sub(in) > m.r.MaxShift {
		m.flag(MissingOut, m.openP, "in-punch at %s has no out-punch within %s", m.when(in), hm(m.r.MaxShift))
		return
	}
	m.flag(OpenShift, m.openP, "still clocked in since %s; the shift counts once it has an out-punch", m.when(in))
}

// overlaps flags a shift that starts before the previous one ends. Pairing
// in time order cannot produce one today; the check guards the invariant
// payroll relies on.
func (m *machine) overlaps() {
	for i := 1; i < len(m.shifts); i++ {
		prev, sh := m.shifts[i-1], m.shifts[i]
		if sh.In.Before(prev.Out) {
			m.excs = append(m.excs, Exception{Employee: m.number, Kind: Overlap, Severity: Overlap.Severity(), At: sh.In,
				PunchID: sh.InPunch, Detail: fmt.Sprintf("shift from %s starts before the shift from %s ends at %s",
					m.when(sh.In), m.when(prev.In), m.when(prev.Out))})
		}
	}
}

// gap writes a short interval: "40s", "2m".
func gap(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return hm(d.Truncate(time.Minute))
}

// hm writes a duration as "8h10m" ("45m", "9h").
func hm(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	h, mm := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%s%dm", neg, mm)
	case mm == 0:
		return fmt.Sprintf("%s%dh", neg, h)
	}
	return fmt.Sprintf("%s%dh%02dm", neg, h, mm)
}

// Status is an employee's state as last known: working, on break or out,
// and since when.
type Status struct {
	// Kind is PunchIn (working), BreakStart (on break) or PunchOut (out).
	Kind clockface.PunchKind
	// Since is the time of the punch that set the state (zero if the
	// employee never punched).
	Since time.Time
	// ShiftStart is the in-punch's time while working or on break.
	ShiftStart time.Time
	// PunchID and KioskID name the punch that set the state.
	PunchID, KioskID string
	// Stale: the last in-punch is older than the maximum shift, so the
	// employee counts as out (the shift gets missing_out).
	Stale bool
}

// State returns the state of one employee at at, from their punches at
// every kiosk (voided ones and those after at are ignored), paired exactly
// as Build pairs them. maxShift 0 means DefaultMaxShift. The kiosk offers
// NextKinds(State(...))[0] as the default kind; the dashboard's "who's in"
// shows Kind and Since.
func State(punches []clockface.Punch, at time.Time, maxShift time.Duration) Status {
	ps := make([]*clockface.Punch, 0, len(punches))
	for i := range punches {
		if punches[i].Voided == nil && !punches[i].Time().After(at) {
			ps = append(ps, &punches[i])
		}
	}
	sortPunches(ps)
	return state(ps, at, maxShift)
}

// States is State for every employee in punches, by employee number.
func States(punches []clockface.Punch, at time.Time, maxShift time.Duration) map[string]Status {
	by := map[string][]*clockface.Punch{}
	for i := range punches {
		p := &punches[i]
		if p.Voided == nil && !p.Time().After(at) {
			by[p.EmployeeNumber] = append(by[p.EmployeeNumber], p)
		}
	}
	out := make(map[string]Status, len(by))
	for n, ps := range by {
		sortPunches(ps)
		out[n] = state(ps, at, maxShift)
	}
	return out
}

func state(ps []*clockface.Punch, at time.Time, maxShift time.Duration) Status {
	r := Rules{Location: time.UTC, Now: at, MaxShift: maxShift}
	r.fill()
	m := newMachine("", &r)
	for _, p := range ps {
		m.step(p)
	}
	if m.sinceP == nil {
		return Status{Kind: clockface.PunchOut}
	}
	if m.state != clockface.PunchOut && at.Sub(m.openP.Time()) > r.MaxShift {
		return Status{Kind: clockface.PunchOut, Since: m.openP.Time(), PunchID: m.openP.ID, KioskID: m.openP.KioskID, Stale: true}
	}
	st := Status{Kind: m.state, Since: m.since, PunchID: m.sinceP.ID, KioskID: m.sinceP.KioskID}
	if m.state != clockface.PunchOut {
		st.ShiftStart = m.openP.Time()
	}
	return st
}

// NextKinds lists the kinds that make sense in state s, the likely one
// first: out → in; working → out, break start; on break → break end, out.
// The kiosk preselects the first and offers the rest one tap away; any
// other kind is still accepted and flagged contradicting_kind.
func NextKinds(s Status) []clockface.PunchKind {
	switch s.Kind {
	case clockface.PunchIn:
		return []clockface.PunchKind{clockface.PunchOut, clockface.BreakStart}
	case clockface.BreakStart:
		return []clockface.PunchKind{clockface.BreakEnd, clockface.PunchOut}
	}
	return []clockface.PunchKind{clockface.PunchIn}
}
