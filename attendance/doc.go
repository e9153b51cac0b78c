// Package attendance turns punches into shifts, workday and workweek
// totals, overtime and exceptions for one pay period. It is pure
// computation: no I/O and no clock (the caller passes Now in Rules), and it
// imports only the standard library and the root package. Storage, the CLI,
// the wire and the kiosk call it:
//
//	r, err := attendance.RuleSet("california")   // or "flsa"
//	r.Location, r.Now = site, clock.Now()       // both required
//	loadFrom, loadTo, err := attendance.Window(from, to, r)
//	punches := store.Punches(ctx, loadFrom, loadTo) // every kiosk's
//	sheet, err := attendance.Build(punches, from, to, r)
//	if b := sheet.Blocking(); len(b) > 0 { /* list them, write no file */ }
//
// The kiosk offers attendance.NextKinds(attendance.State(punches, now,
// r.MaxShift))[0] as the default kind, and the dashboard's "who's in" shows
// attendance.States(...). An edit checks attendance.CheckEditable(locks, t)
// first; an export records an ExportRecord, and a re-export prints
// attendance.Diff(previous, current).
//
// # Rule 1: overtime over whole workweeks, whatever the pay period
//
// Each workweek is computed once, in full, in time order. A period pays
// the hours of the shifts that start in it, and the hours past 40 are
// overtime in the period where they fall in time order. So Build needs the
// punches of every workweek that touches the period: Window returns that
// range (the first workweek's start less MaxShift, to the last one's end
// plus MaxShift). Sheet.Exceptions holds the exceptions from the start of
// the first such workweek to the period's end, because that week's earlier
// days decide this period's overtime.
//
// Example (FLSA 29 CFR 778.104, workweek from Sunday, semi-monthly
// periods). Mon 30 Mar 8 h, Tue 31 Mar 8 h, Wed 1 to Fri 3 Apr 10 h each,
// Sat 4 Apr 8 h: 54 h in the workweek of Sun 29 Mar. The 16-31 March file
// pays Mon and Tue, 16 h regular (the week so far is 16). The 1-15 April
// file pays Wed 10 and Thu 10 regular (36 so far), Fri 4 regular and 6
// overtime, Sat 8 overtime: 24 regular and 14 overtime. 14 h overtime in
// all, none lost and none paid twice.
//
// # Rule 2: punch kinds are chosen, and paired across kiosks by time
//
// A punch is in, out, break_start or break_end, as the person chose it.
// Each employee's punches from every kiosk are sorted by effective time
// (the corrected time if any; then id) and paired in that order, not in the
// order they were recorded or arrived. Voided punches are ignored.
//
//   - An in-punch that finds an open in-punch older than MaxShift (default
//     16 h) closes nothing: the old one gets missing_out and the new one
//     starts a shift. Mon in 08:00 with no out, then Tue-Fri 08:00-16:00,
//     is 4 × 8 = 32 h regular and one missing_out on Monday.
//   - An out-punch more than MaxShift after its in-punch closes nothing
//     either: missing_out on the in, missing_in on the out.
//   - The same kind again within DuplicateWindow (default 5 minutes) is a
//     double punch: flagged (duplicate_punch, a warning) and not paired.
//     In 08:00, in 08:02, out 16:00 is one 8 h shift.
//   - An out-punch while out is missing_in. Any other kind that contradicts
//     the state (in while in, a break while out, a break start on a break)
//     is kept and flagged contradicting_kind, never dropped; an in while in
//     also gives the earlier in-punch missing_out.
//   - In at the front kiosk 08:00 and out at the back one 16:00, two days
//     running, are two 8 h shifts.
//
// State replays the same pairing up to a moment and says whether the
// employee is in, on a break or out, and since when; NextKinds says what
// makes sense next, the likely kind first.
//
// # Rule 3: exceptions with severity
//
// Blocking (an export stops): missing_in, missing_out, open_shift (still
// clocked in, within MaxShift of Now), overlapping_shifts, future_punch
// (later than Now plus FutureTolerance, default 5 minutes, as kiosk clocks
// may be off by that much), contradicting_kind, unpaired_break (a break
// end without a start, or a break never ended, which is then not
// deducted), unknown_kind. Each of these either leaves hours uncounted or
// counts hours nobody can vouch for.
//
// Warning (counted as computed, listed for review): long_shift (over
// LongShift, default 12 h), short_shift (under ShortShift, default 5
// minutes), duplicate_punch, short_meal_break.
//
// Missing and open shifts add no hours; long, short and future shifts add
// theirs. Every employee with a punch or shift in the period is in the
// sheet, with zero hours if nothing pairs: an employee whose only punch is
// an open in-punch appears with 0 h and missing_out (or open_shift).
// Exception times and every time in Detail are in the site's zone.
// Overlapping shifts cannot come out of time-ordered pairing today; the
// check guards the invariant.
//
// # Rule 4: breaks
//
// A break (break_start to break_end) shorter than PaidBreakMax (default
// 20 minutes) is a paid rest break (29 CFR 785.18); one of MealBreakMin
// (default 30 minutes) or more is an unpaid meal (29 CFR 785.19). A break
// in between is deducted as unpaid and flagged short_meal_break (a
// warning), for a person to decide. Nothing is deducted automatically
// unless AutoMealAfter is set: then a shift longer than it with no unpaid
// break loses AutoMeal (default 30 minutes).
//
// Example: 08:00-16:40 with a 10-minute break and a 30-minute meal is
// 8 h 40 m − 30 m = 8 h 10 m (8.17 h); the 10 minutes stay paid.
//
// # Rule 5: the site's time zone
//
// Rules.Location is required: Build and Window refuse nil and time.Local,
// so neither the machine's zone nor UTC is ever used silently. The zone
// database is embedded (time/tzdata). Workdays, workweeks, rounding and
// every time written for a person are in that zone, and hours are real
// elapsed time: in Los Angeles a 22:00-06:00 shift is 7 h on the night of
// 8 March 2026 (clocks forward) and 9 h on the night of 1 November 2026
// (clocks back).
//
// # Rule 6: rule sets, workweek and workday
//
// RuleSet("flsa"): overtime past 40 h in a workweek. RuleSet("california"):
// daily overtime past 8 h, double time past 12 h, weekly overtime past
// 40 h, and the seventh-day rule: on the seventh consecutive workday of
// the workweek, the first 8 h are overtime and the rest double time. An
// unknown name is refused with the known ones listed. WeekStart (default
// Sunday) and DayStartHour (default 0, midnight) set where workweeks and
// workdays begin; a shift belongs to the workday its in-punch falls in, so
// with DayStartHour 6 a 02:00-05:00 shift on Tuesday counts on Monday.
//
// Within a workday, worked time in time order is regular up to DailyOT,
// overtime up to DoubleTime, double time beyond (on the seventh day,
// overtime up to DailyOT, then double time). Then regular time past
// WeeklyOT in the workweek, in time order, becomes overtime. Each minute
// counts once (no pyramiding): daily overtime never counts toward the 40.
//
// Examples under California: a 14 h day is 8 regular, 4 overtime, 2
// double. Mon-Sat 8 h each is 40 regular and 8 overtime (Saturday's, weekly).
// Sun-Fri 6 h each and Sat 10 h: 36 regular; Saturday is the seventh
// consecutive day, 8 overtime and 2 double: 36/8/2. With Friday off,
// Saturday is an ordinary 10 h day: 38 regular, 2 overtime.
//
// Times are truncated to the minute, then rounded to Rounding (none, 5, 6
// or 15 minutes; halves round up) in the site's zone. All totals are whole
// minutes, so every export reconciles exactly.
//
// # Rule 7: approval, lock, adjustment, export record
//
// An Approval records that an approver accepted one employee's period; a
// Lock closes a period. CheckEditable(locks, t) refuses an edit at t inside
// a locked period with a *LockedError (errors.Is(err, ErrLocked)); check
// both the old and the new time of a correction. When the caller asks for
// it instead, Adjust(exported, corrected, into, ...) turns the difference
// into one Adjustment per employee, paid in the next open period (NextOpen
// finds it): 1-15 March locked with Tue 10 Mar exported as 8 h, a
// correction to 9 h 30 m becomes +1 h 30 m regular in 16-31 March, and the
// locked file stays as it was. An ExportRecord keeps who, when, period,
// format and the file's SHA-256; Diff(old, new) says what changed per
// employee, e.g. "E1: regular 8h → 9h (+1h); Mon 2 Mar 8h → 9h".
//
// # Rule 8: bad input
//
// A reversed, empty or zero range, a missing or machine time zone, a
// missing Now, an unknown rule set, inconsistent limits (double time
// before daily overtime, the seventh-day rule without daily overtime, a
// paid-break limit above the meal limit, a workday hour outside 0-23) and
// a punch without an employee number are refused with an error that says
// what to fix; nothing is computed.
package attendance
