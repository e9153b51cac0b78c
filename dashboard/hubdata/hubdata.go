// Package hubdata gives the dashboard its data screens on the hub's store:
// who's in, timesheets, the exceptions queue, the employee directory, the
// kiosks and an employee's own time and records. It computes with the
// attendance rules exactly as `clockface export` does (attendance.Window,
// attendance.Build, then the payroll summary), so a timesheet's totals are
// the export file's.
//
// Sites are the hub's named sites, each with the kiosks assigned to it; a
// kiosk with no site is a site of its own, its id the site id. The who's-in
// board of a site lists the employees whose state was set at one of its
// kiosks (where they are). An employee belongs to a site's timesheet and
// exceptions by the site HR set for them on the hub, or, when none is set,
// by having punched at one of its kiosks in the period's window. A
// manager's department scope matches the department HR set on the hub; an
// employee with none is seen by no department-scoped manager.
package hubdata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/dashboard"
	"clockface/payroll"
	"clockface/sync/hub"
)

// presenceLookback is how far back the who's-in board reads punches: the
// longest shift plus the double-punch window. An open shift's in-punch is
// at most MaxShift old (older, the employee counts as out), and a punch
// just before it that would make it a double punch is read too, so the
// state is what States gives over every punch. Someone whose last punch
// is older is out and on no board.
func presenceLookback(r attendance.Rules) time.Duration {
	maxShift, dup := r.MaxShift, r.DuplicateWindow
	if maxShift == 0 {
		maxShift = attendance.DefaultMaxShift
	}
	if dup == 0 {
		dup = attendance.DefaultDuplicateWindow
	}
	return maxShift + dup
}

// The reads this package makes of the hub (*hub.DB implements them all).

// PunchReads reads punches by effective time.
type PunchReads interface {
	// PresencePunches is hub.PunchesBetween with only what States and
	// Build need.
	PresencePunches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error)
	// PunchesOf is one employee's punches; zero bounds mean none.
	PunchesOf(ctx context.Context, employee string, from, to time.Time) ([]clockface.Punch, error)
}

// DirectoryReads reads the employee directory the relays upload, and
// where HR placed each employee.
type DirectoryReads interface {
	Employees(ctx context.Context) ([]clockface.Employee, error)
	// Roster is number, name, site and department of everyone.
	Roster(ctx context.Context) ([]hub.RosterEntry, error)
	PlacementOf(ctx context.Context, number string) (hub.Placement, error)
	// LastKiosks maps employees to the kiosk of their latest punch.
	LastKiosks(ctx context.Context) (map[string]string, error)
}

// KioskReads lists the paired kiosks and the named sites.
type KioskReads interface {
	Kiosks(ctx context.Context) ([]hub.Kiosk, error)
	NamedSites(ctx context.Context) ([]hub.Site, error)
}

// RecordReads reads what else the hub holds about one employee.
type RecordReads interface {
	SharesOf(ctx context.Context, employee string) ([]hub.ShareRecord, error)
}

// Reads is every read; *hub.DB is one.
type Reads interface {
	PunchReads
	DirectoryReads
	KioskReads
	RecordReads
}

var _ Reads = (*hub.DB)(nil)

// Config is what New needs.
type Config struct {
	Reads Reads
	Clock clockface.Clock
	// Rules are the attendance rules, as the export uses them: Location
	// (the site's zone) is required; Now is set from Clock on every call.
	Rules   attendance.Rules
	Periods PayPeriods
	// Payroll holds the company values and earnings names the payroll
	// formats need (as `clockface export --config` reads them); nil is
	// payroll.DefaultConfig, which runs the generic and Gusto formats only.
	Payroll *payroll.Config
}

// Data implements the dashboard's read-only Data interfaces.
type Data struct {
	r       Reads
	clock   clockface.Clock
	rules   attendance.Rules
	periods PayPeriods
}

// New checks cfg and returns the data source.
func New(cfg Config) (*Data, error) {
	if cfg.Reads == nil || cfg.Clock == nil {
		return nil, errors.New("hubdata: Reads and Clock are required")
	}
	if cfg.Rules.Location == nil || cfg.Rules.Location == time.Local {
		return nil, errors.New("hubdata: the site's time zone (Rules.Location) is required, and never the machine's")
	}
	if err := cfg.Periods.check(); err != nil {
		return nil, err
	}
	return &Data{r: cfg.Reads, clock: cfg.Clock, rules: cfg.Rules, periods: cfg.Periods}, nil
}

// Dashboard returns the dashboard.Data with every screen this package
// serves. The actions (punch edits, approval, lock, export runs) are not
// here: they are the hub's writes.
func (d *Data) Dashboard() dashboard.Data {
	return dashboard.Data{Sites: d, WhoIsIn: d, Timesheets: d, Exceptions: d, Directory: d, Kiosks: d,
		MyTime: d, MyRecords: d, Punches: d}
}

func (d *Data) now() attendance.Rules {
	r := d.rules
	r.Now = d.clock.Now()
	return r
}

// allows reports whether f lets the user see employee number n of
// department dept: a department filter matches only those departments (an
// employee with none is in none).
func allows(f dashboard.Filter, n, dept string) bool {
	if len(f.Departments) > 0 && !slices.Contains(f.Departments, dept) {
		return false
	}
	return f.Employee == "" || f.Employee == n
}

func names(people []clockface.Employee) map[string]clockface.Employee {
	m := make(map[string]clockface.Employee, len(people))
	for _, p := range people {
		m[p.Number] = p
	}
	return m
}

// kioskSites maps every kiosk to its site: the named site it is assigned
// to, or its own id.
func (d *Data) kioskSites(ctx context.Context) (map[string]string, []hub.Kiosk, error) {
	ks, err := d.r.Kiosks(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(ks))
	for _, k := range ks {
		m[k.ID] = k.ID
		if k.Site != "" {
			m[k.ID] = k.Site
		}
	}
	return m, ks, nil
}

// roster maps employee numbers to their roster entry.
func (d *Data) roster(ctx context.Context) (map[string]hub.RosterEntry, error) {
	rs, err := d.r.Roster(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]hub.RosterEntry, len(rs))
	for _, r := range rs {
		m[r.Number] = r
	}
	return m, nil
}

// Sites lists the named sites, then one site per kiosk without a site
// (revoked kiosks too: their punches stay).
func (d *Data) Sites(ctx context.Context) ([]dashboard.Site, error) {
	named, err := d.r.NamedSites(ctx)
	if err != nil {
		return nil, err
	}
	ks, err := d.r.Kiosks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.Site, 0, len(named)+len(ks))
	for _, s := range named {
		out = append(out, dashboard.Site{ID: s.ID, Name: s.Name})
	}
	for _, k := range ks {
		if k.Site == "" {
			out = append(out, dashboard.Site{ID: k.ID, Name: k.ID, Kiosk: true})
		}
	}
	return out, nil
}

// WhoIsIn is attendance.States over the last MaxShift (plus the double-
// punch window) of punches, for the employees whose state was set at one
// of site's kiosks. It reads the punches' few columns States needs and the
// roster (number, name, site, department), not the whole directory.
func (d *Data) WhoIsIn(ctx context.Context, site string, f dashboard.Filter) ([]dashboard.Presence, error) {
	now := d.clock.Now()
	ps, err := d.r.PresencePunches(ctx, now.Add(-presenceLookback(d.rules)), now.Add(time.Nanosecond))
	if err != nil {
		return nil, err
	}
	sites, _, err := d.kioskSites(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := d.roster(ctx)
	if err != nil {
		return nil, err
	}
	var out []dashboard.Presence
	for n, st := range attendance.States(ps, now, d.rules.MaxShift) {
		e := dir[n]
		if sites[st.KioskID] != site || !allows(f, n, e.Department) {
			continue
		}
		p := dashboard.Presence{Employee: n, Name: e.Name, Department: e.Department, State: dashboard.PresenceOut,
			Since: st.Since.In(d.rules.Location), Kiosk: st.KioskID}
		switch {
		case st.Stale:
		case st.Kind == clockface.PunchIn:
			p.State = dashboard.PresenceIn
		case st.Kind == clockface.BreakStart:
			p.State = dashboard.PresenceBreak
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b dashboard.Presence) int {
		if c := presenceOrder(a.State) - presenceOrder(b.State); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Employee, b.Employee)
	})
	return out, nil
}

func presenceOrder(s dashboard.PresenceState) int {
	switch s {
	case dashboard.PresenceIn:
		return 0
	case dashboard.PresenceBreak:
		return 1
	}
	return 2
}

// CurrentPeriod is the pay period holding now's date in the site's zone.
func (d *Data) CurrentPeriod(_ context.Context, now time.Time) (dashboard.Period, error) {
	from, end := d.periods.Containing(now, d.rules.Location)
	return dashboard.Period{From: from, To: end.AddDate(0, 0, -1), Kind: d.periods.Kind}, nil
}

// sheet is one period computed as the export computes it.
type sheet struct {
	from, end time.Time
	punches   []clockface.Punch
	sheet     attendance.Sheet
	summary   payroll.Summary
	dir       map[string]clockface.Employee
}

// compute reads the whole workweeks the period needs (attendance.Window),
// builds the sheet and summarises it through payroll.Build, exactly as
// `clockface export` does.
func (d *Data) compute(ctx context.Context, p dashboard.Period, punches func(from, to time.Time) ([]clockface.Punch, error)) (sheet, error) {
	r := d.now()
	from := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, r.Location)
	end := time.Date(p.To.Year(), p.To.Month(), p.To.Day()+1, 0, 0, 0, 0, r.Location)
	qFrom, qTo, err := attendance.Window(from, end, r)
	if err != nil {
		return sheet{}, err
	}
	ps, err := punches(qFrom, qTo)
	if err != nil {
		return sheet{}, err
	}
	people, err := d.r.Employees(ctx)
	if err != nil {
		return sheet{}, err
	}
	sh, err := attendance.Build(ps, from, end, r)
	if err != nil {
		return sheet{}, err
	}
	dir := names(people)
	cfg := payroll.DefaultConfig()
	cfg.Format, cfg.AllowEmpty, cfg.AllowExceptions = payroll.Generic, true, true
	file, err := payroll.Build(payroll.Input{Sheet: sh, Directory: dir, ExportID: "dashboard"}, cfg)
	if err != nil {
		return sheet{}, fmt.Errorf("timesheet summary: %w", err)
	}
	return sheet{from: from, end: end, punches: ps, sheet: sh, summary: file.Summary, dir: dir}, nil
}

// sheetPunches reads what Build needs of every punch in a window: the
// export's PunchesBetween without the match evidence and the corrections'
// texts, which no total depends on (the test against payroll.Export's file
// holds it to that).
func (d *Data) sheetPunches(ctx context.Context) func(from, to time.Time) ([]clockface.Punch, error) {
	return func(from, to time.Time) ([]clockface.Punch, error) { return d.r.PresencePunches(ctx, from, to) }
}

// members is who belongs to site in a sheet's window: those HR placed
// there, and those placed nowhere with a punch at one of its kiosks among
// ps. It returns their departments too, for the filter.
func (d *Data) members(ctx context.Context, ps []clockface.Punch, site string) (map[string]string, error) {
	sites, _, err := d.kioskSites(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := d.roster(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for n, e := range dir {
		if e.Site == site {
			m[n] = e.Department
		}
	}
	for _, p := range ps {
		if e := dir[p.EmployeeNumber]; e.Site == "" && sites[p.KioskID] == site {
			m[p.EmployeeNumber] = e.Department
		}
	}
	return m, nil
}

func minutes(m int64) time.Duration { return time.Duration(m) * time.Minute }

// Timesheet is employees x days for site: each row's Total is the payroll
// summary's line, so it is what the export file writes.
func (d *Data) Timesheet(ctx context.Context, site string, p dashboard.Period, f dashboard.Filter) (dashboard.Timesheet, error) {
	s, err := d.compute(ctx, p, d.sheetPunches(ctx))
	if err != nil {
		return dashboard.Timesheet{}, err
	}
	ts := dashboard.Timesheet{Period: p}
	index := map[string]int{}
	for day := s.from; day.Before(s.end); day = day.AddDate(0, 0, 1) {
		index[day.Format(time.DateOnly)] = len(ts.Days)
		ts.Days = append(ts.Days, day)
	}
	here, err := d.members(ctx, s.punches, site)
	if err != nil {
		return dashboard.Timesheet{}, err
	}
	lines := map[string]payroll.Line{}
	for _, l := range s.summary.Lines {
		lines[l.Number] = l
	}
	excs := map[string][]attendance.Exception{}
	for _, e := range s.sheet.Exceptions {
		excs[e.Employee] = append(excs[e.Employee], e)
	}
	for _, e := range s.sheet.Employees {
		dept, ok := here[e.Number]
		if !ok || !allows(f, e.Number, dept) {
			continue
		}
		l := lines[e.Number]
		row := dashboard.TimesheetRow{Employee: e.Number, Name: l.Name, Days: make([]time.Duration, len(ts.Days)),
			Total: minutes(l.Total()), Exceptions: map[int][]string{}}
		for _, day := range e.Days {
			if i, ok := index[day.Date.Format(time.DateOnly)]; ok {
				row.Days[i] = minutes(int64(day.Total() / time.Minute))
			}
		}
		for _, x := range excs[e.Number] {
			if i, ok := index[x.At.In(d.rules.Location).Format(time.DateOnly)]; ok {
				row.Exceptions[i] = append(row.Exceptions[i], string(x.Kind)+": "+x.Detail)
			}
		}
		ts.Rows = append(ts.Rows, row)
	}
	return ts, nil
}

// Exceptions is the sheet's exceptions (Sheet.Exceptions: from the start
// of the period's first workweek to its end) for site's employees.
func (d *Data) Exceptions(ctx context.Context, site string, p dashboard.Period, f dashboard.Filter) ([]dashboard.Exception, error) {
	s, err := d.compute(ctx, p, d.sheetPunches(ctx))
	if err != nil {
		return nil, err
	}
	here, err := d.members(ctx, s.punches, site)
	if err != nil {
		return nil, err
	}
	var out []dashboard.Exception
	for i, e := range s.sheet.Exceptions {
		dept, ok := here[e.Employee]
		if !ok || !allows(f, e.Employee, dept) {
			continue
		}
		at := e.At.In(d.rules.Location)
		out = append(out, dashboard.Exception{ID: fmt.Sprintf("%s-%d", e.Employee, i), Employee: e.Employee,
			Name: s.dir[e.Employee].Name, Day: time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, d.rules.Location),
			Kind: string(e.Kind), Reason: e.Detail, Blocking: e.Blocking(), PunchID: e.PunchID})
	}
	return out, nil
}

// Employees is the hub directory; Site is the site HR set, or else the
// site of the kiosk of the latest punch.
func (d *Data) Employees(ctx context.Context, f dashboard.Filter) ([]dashboard.DirectoryEntry, error) {
	people, err := d.r.Employees(ctx)
	if err != nil {
		return nil, err
	}
	last, err := d.r.LastKiosks(ctx)
	if err != nil {
		return nil, err
	}
	sites, _, err := d.kioskSites(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := d.roster(ctx)
	if err != nil {
		return nil, err
	}
	var out []dashboard.DirectoryEntry
	for _, e := range people {
		pl := dir[e.Number]
		if !allows(f, e.Number, pl.Department) {
			continue
		}
		site := pl.Site
		if site == "" {
			site = sites[last[e.Number]]
		}
		out = append(out, dashboard.DirectoryEntry{Number: e.Number, Name: e.Name, Status: e.Status, Site: site,
			Department: pl.Department, RestrictedToPIN: e.RestrictedToPIN, Payroll: e.Payroll})
	}
	return out, nil
}

// Kiosks is the hub's kiosk listing. The hub does not hear kiosks'
// software versions or backlogs yet: Version is empty and Backlog -1.
func (d *Data) Kiosks(ctx context.Context) ([]dashboard.KioskInfo, error) {
	ks, err := d.r.Kiosks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.KioskInfo, 0, len(ks))
	for _, k := range ks {
		site := k.Site
		if site == "" {
			site = k.ID
		}
		out = append(out, dashboard.KioskInfo{ID: k.ID, Site: site, RevokeReason: k.RevokeReason, Paired: k.CreatedAt, Revoked: k.RevokedAt,
			LastSeen: k.LastSeen, Skew: k.LastSkew, Backlog: -1, AuditSeq: k.AuditSeq, AuditHash: k.AuditHash,
			AuditFlags: k.AuditFlags})
	}
	return out, nil
}
