package dashboard_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"clockface"
	"clockface/dashboard"
)

// fakeData is the in-test stand-in for the hub's records: two sites, a
// few employees, one exception. It applies the Filter as the real
// implementations must, and remembers the last one it was given.
type fakeData struct {
	mu         sync.Mutex
	lastFilter dashboard.Filter
	day        time.Time
	changes    []change
}

func newFakeData() *fakeData {
	return &fakeData{day: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)}
}

func (f *fakeData) Data() dashboard.Data {
	return dashboard.Data{Sites: f, WhoIsIn: f, Timesheets: f, Exceptions: f, Exports: f, Directory: f, Kiosks: f, MyTime: f,
		MyRecords: f, Punches: f, PunchEditor: f, PeriodControl: f, ExportRunner: f, EmployeeControl: f}
}

// change is one action the fake was asked to take.
type change struct {
	What, Subject, Reason, Actor string
	At                           time.Time
}

func (f *fakeData) record(c change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, c)
}

func (f *fakeData) taken() []change {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.changes)
}

func (f *fakeData) MyRecords(_ context.Context, employee string) ([]byte, error) {
	return []byte(`{"employee":"` + employee + `"}`), nil
}

func (f *fakeData) EmployeePunches(_ context.Context, site, employee string, p dashboard.Period, fl dashboard.Filter) ([]dashboard.PunchRow, error) {
	for _, e := range f.match(site, fl) {
		if e.number != employee {
			continue
		}
		in := p.From.Add(8 * time.Hour)
		return []dashboard.PunchRow{
			{ID: "p-" + employee + "-1", At: in, Kind: "in", Kiosk: "kiosk-" + site, Method: "pin", Corrected: true,
				Original: in.Add(-7 * time.Minute), ChangedBy: "hr@example.com", ChangeNote: "badge reader down", ChangedAt: in.Add(24 * time.Hour)},
			{ID: "p-" + employee + "-2", At: in.Add(8 * time.Hour), Kind: "out", Kiosk: "kiosk-" + site, Method: "face"},
			{ID: "p-" + employee + "-3", At: in.Add(9 * time.Hour), Kind: "out", Kiosk: "kiosk-" + site, Method: "pin", Voided: true,
				VoidBy: "E1", VoidNote: "pressed twice", VoidAt: in.Add(9 * time.Hour)},
		}, nil
	}
	return nil, nil
}

func (f *fakeData) Add(_ context.Context, p dashboard.NewPunch, reason, actor string) (string, error) {
	f.record(change{What: "add " + p.Kind, Subject: p.Employee, Reason: reason, Actor: actor, At: p.At})
	return "p-new", nil
}

func (f *fakeData) Correct(_ context.Context, id string, at time.Time, reason, actor string) error {
	f.record(change{What: "correct", Subject: id, Reason: reason, Actor: actor, At: at})
	return nil
}

func (f *fakeData) Void(_ context.Context, id, reason, actor string) error {
	f.record(change{What: "void", Subject: id, Reason: reason, Actor: actor})
	return nil
}

func (f *fakeData) Approve(_ context.Context, employee string, p dashboard.Period, actor string) error {
	f.record(change{What: "approve", Subject: employee, Actor: actor, At: p.From})
	return nil
}

func (f *fakeData) Lock(_ context.Context, p dashboard.Period, actor string) error {
	f.record(change{What: "lock", Actor: actor, At: p.From})
	return nil
}

func (f *fakeData) Preview(_ context.Context, p dashboard.Period, format string) (dashboard.ExportPreview, error) {
	l := dashboard.ExportLine{Employee: "E1", Name: "Ana Díaz", Regular: 80 * time.Hour, Overtime: 2 * time.Hour}
	return dashboard.ExportPreview{Period: p, Format: format, Lines: []dashboard.ExportLine{l}, Totals: l}, nil
}

func (f *fakeData) Run(_ context.Context, p dashboard.Period, format, actor string) (dashboard.ExportFile, error) {
	f.record(change{What: "export " + format, Actor: actor, At: p.From})
	return dashboard.ExportFile{Record: dashboard.ExportRecord{ID: "x1", Period: p, Format: format}, Name: "payroll.csv", Data: []byte("a,b\n")}, nil
}

func (f *fakeData) History(ctx context.Context) ([]dashboard.ExportRecord, error) {
	return f.ExportHistory(ctx)
}

func (f *fakeData) Download(_ context.Context, id string) (dashboard.ExportFile, error) {
	if id != "x1" {
		return dashboard.ExportFile{}, dashboard.ErrNotFound
	}
	return dashboard.ExportFile{Record: dashboard.ExportRecord{ID: "x1"}, Name: "payroll.csv", Data: []byte("a,b\n")}, nil
}

type fakeEmployee struct{ number, name, site, dept string }

var fakeEmployees = []fakeEmployee{
	{"E1", "Ana Díaz", "A", "kitchen"},
	{"E2", "Bo Chen", "A", "front"},
	{"E3", "Cy Okafor", "B", "kitchen"},
	{"E4", "Dee Long-Name-For-Wrapping Smith", "B", "front"},
}

func (f *fakeData) match(site string, fl dashboard.Filter) []fakeEmployee {
	f.mu.Lock()
	f.lastFilter = fl
	f.mu.Unlock()
	var out []fakeEmployee
	for _, e := range fakeEmployees {
		if (site == "" || e.site == site) && (len(fl.Departments) == 0 || slices.Contains(fl.Departments, e.dept)) &&
			(fl.Employee == "" || fl.Employee == e.number) {
			out = append(out, e)
		}
	}
	return out
}

func (f *fakeData) filter() dashboard.Filter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastFilter
}

func (f *fakeData) Sites(context.Context) ([]dashboard.Site, error) {
	return []dashboard.Site{{ID: "A", Name: "Site A (Main St)"}, {ID: "B", Name: "Site B (Harbour)"}}, nil
}

func (f *fakeData) WhoIsIn(_ context.Context, site string, fl dashboard.Filter) ([]dashboard.Presence, error) {
	var out []dashboard.Presence
	states := []dashboard.PresenceState{dashboard.PresenceIn, dashboard.PresenceBreak, dashboard.PresenceOut}
	for i, e := range f.match(site, fl) {
		out = append(out, dashboard.Presence{Employee: e.number, Name: e.name, Department: e.dept,
			State: states[i%3], Since: f.day.Add(8 * time.Hour), Kiosk: "kiosk-" + e.site})
	}
	return out, nil
}

func (f *fakeData) period() dashboard.Period {
	return dashboard.Period{From: f.day, To: f.day.AddDate(0, 0, 14), Kind: "semi-monthly"}
}

func (f *fakeData) CurrentPeriod(context.Context, time.Time) (dashboard.Period, error) {
	return f.period(), nil
}

func (f *fakeData) Timesheet(_ context.Context, site string, p dashboard.Period, fl dashboard.Filter) (dashboard.Timesheet, error) {
	ts := dashboard.Timesheet{Period: p}
	for d := p.From; !d.After(p.To); d = d.AddDate(0, 0, 1) {
		ts.Days = append(ts.Days, d)
	}
	for _, e := range f.match(site, fl) {
		row := dashboard.TimesheetRow{Employee: e.number, Name: e.name, Exceptions: map[int][]string{}}
		for i := range ts.Days {
			h := time.Duration(0)
			if i%7 < 5 {
				h = 8*time.Hour + 15*time.Minute
			}
			row.Days = append(row.Days, h)
			row.Total += h
		}
		row.Exceptions[2] = []string{"missing clock-out"}
		ts.Rows = append(ts.Rows, row)
	}
	return ts, nil
}

func (f *fakeData) Exceptions(_ context.Context, site string, p dashboard.Period, fl dashboard.Filter) ([]dashboard.Exception, error) {
	var out []dashboard.Exception
	for _, e := range f.match(site, fl) {
		out = append(out, dashboard.Exception{ID: "x-" + e.number, Employee: e.number, Name: e.name,
			Day: p.From.AddDate(0, 0, 2), Kind: "missing_punch", Reason: "clock-in at 08:02 has no clock-out"})
	}
	return out, nil
}

func (f *fakeData) Formats() []string { return []string{"adp", "paychex", "gusto", "quickbooks"} }

func (f *fakeData) ExportHistory(context.Context) ([]dashboard.ExportRecord, error) {
	return []dashboard.ExportRecord{{ID: "x1", By: "payroll@example.com", At: f.day.Add(-24 * time.Hour),
		Period: dashboard.Period{From: f.day.AddDate(0, 0, -15), To: f.day.AddDate(0, 0, -1)}, Format: "adp",
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}, nil
}

func (f *fakeData) Employees(_ context.Context, fl dashboard.Filter) ([]dashboard.DirectoryEntry, error) {
	var out []dashboard.DirectoryEntry
	for _, e := range f.match("", fl) {
		out = append(out, dashboard.DirectoryEntry{Number: e.number, Name: e.name, Status: clockface.StatusActive,
			Site: e.site, Department: e.dept, Payroll: clockface.PayrollIDs{ADPFileNumber: "00" + e.number[1:]}})
	}
	return out, nil
}

func (f *fakeData) Kiosks(context.Context) ([]dashboard.KioskInfo, error) {
	seen := f.day.Add(9 * time.Hour)
	return []dashboard.KioskInfo{
		{ID: "kiosk-A", Site: "A", Version: "0.9.0", Paired: f.day.AddDate(0, -1, 0), LastSeen: &seen, Skew: 120 * time.Millisecond, Backlog: 0, AuditSeq: 812, AuditHash: "3b1f0c2d9e8a7b6c5d4e"},
		{ID: "kiosk-B", Site: "B", Version: "0.9.0", Paired: f.day.AddDate(0, -1, 0), Backlog: -1, AuditSeq: 40, AuditHash: "aa01bb02cc03dd04", AuditFlags: 1},
	}, nil
}

func (f *fakeData) MyPeriod(_ context.Context, employee string, _ time.Time) (dashboard.MyPeriod, error) {
	f.mu.Lock()
	f.lastFilter = dashboard.Filter{Employee: employee}
	f.mu.Unlock()
	p := dashboard.MyPeriod{Period: f.period(), Total: 16*time.Hour + 30*time.Minute}
	in := f.day.Add(8 * time.Hour)
	p.Punches = []dashboard.MyPunch{
		{At: in, Kind: "in", Kiosk: "kiosk-A"},
		{At: in.Add(8*time.Hour + 15*time.Minute), Kind: "out", Kiosk: "kiosk-A", Corrected: true, Original: in.Add(9 * time.Hour), Note: "forgot to clock out"},
	}
	return p, nil
}
