package dashboard

import (
	"context"
	"errors"
	"time"

	"clockface"
)

// Data is the dashboard's window on the hub's records and the attendance
// rules: one small interface per screen. A nil field shows its screen with
// "not connected" rather than failing; the hub store and the attendance
// package implement them. None of these types carries biometric data: the
// hub holds none.
type Data struct {
	Sites      Sites
	WhoIsIn    WhoIsIn
	Timesheets Timesheets
	Exceptions Exceptions
	Exports    Exports
	Directory  Directory
	Kiosks     Kiosks
	MyTime     MyTime
	MyRecords  MyRecords
	Punches    PunchList

	// The actions. A nil one answers its routes with "not connected"
	// (503) and changes nothing.
	PunchEditor   PunchEditor
	PeriodControl PeriodControl
	ExportRunner  ExportRunner
	// EmployeeControl terminates, restricts or lifts a restriction
	// (the Employees screen's actions).
	EmployeeControl EmployeeControl
}

// Filter narrows a screen to what the signed-in user may see, built by the
// dashboard from the user's Scope: a manager's departments, an employee's
// number. Empty fields mean no narrowing. Implementations must apply it:
// the dashboard has already checked the site itself.
type Filter struct {
	Departments []string
	Employee    string
}

// Site is a place with kiosks.
type Site struct {
	ID   string
	Name string
}

// Sites lists the employer's sites (the dashboard keeps only those a
// manager's scope allows).
type Sites interface {
	Sites(ctx context.Context) ([]Site, error)
}

// PresenceState is where an employee is now.
type PresenceState string

const (
	PresenceIn    PresenceState = "in"
	PresenceBreak PresenceState = "break"
	PresenceOut   PresenceState = "out"
)

// Presence is one row of the who's-in board.
type Presence struct {
	Employee   string // employee number
	Name       string
	Department string
	State      PresenceState
	Since      time.Time // the punch that put them in this state
	Kiosk      string    // the kiosk that took it
}

// WhoIsIn is the who's-in board: every employee of a site (narrowed by f)
// with their state now, from the latest punches the hub holds.
type WhoIsIn interface {
	WhoIsIn(ctx context.Context, site string, f Filter) ([]Presence, error)
}

// Period is a pay period: From is the first day, To the last (dates at
// midnight in the employer's zone), Kind weekly, biweekly, semi-monthly or
// monthly as configured.
type Period struct {
	From, To time.Time
	Kind     string
}

// TimesheetRow is one employee's days in a period. Days has one entry per
// day of the period; Total is exactly what the payroll export would write.
type TimesheetRow struct {
	Employee string
	Name     string
	Days     []time.Duration
	Total    time.Duration
	// Exceptions are the reasons for the day's exceptions, per day index
	// (missing punch, long shift...), shown highlighted.
	Exceptions map[int][]string
	Approved   bool
}

// Timesheet is employees x days for one site and period.
type Timesheet struct {
	Period Period
	Days   []time.Time
	Rows   []TimesheetRow
	Locked bool
}

// Timesheets computes timesheets with the attendance rules.
type Timesheets interface {
	// CurrentPeriod is the pay period containing now.
	CurrentPeriod(ctx context.Context, now time.Time) (Period, error)
	Timesheet(ctx context.Context, site string, p Period, f Filter) (Timesheet, error)
}

// Exception is one entry of the exceptions queue.
type Exception struct {
	ID       string
	Employee string
	Name     string
	Day      time.Time
	Kind     string // missing_punch, long_shift, short_shift, overlap
	Reason   string // the rule's explanation, shown as is
	// Blocking says the exception stops a payroll export.
	Blocking bool
	// PunchID is the punch the exception is about, if any.
	PunchID string
}

// Exceptions is the queue of unresolved exceptions for a site and period.
type Exceptions interface {
	Exceptions(ctx context.Context, site string, p Period, f Filter) ([]Exception, error)
}

// ExportRecord is one payroll file the hub produced.
type ExportRecord struct {
	ID     string
	By     string // the user's email
	At     time.Time
	Period Period
	Format string
	SHA256 string
}

// Exports lists the formats and the export history.
type Exports interface {
	Formats() []string
	ExportHistory(ctx context.Context) ([]ExportRecord, error)
}

// DirectoryEntry is one employee of the directory.
type DirectoryEntry struct {
	Number          string
	Name            string
	Status          clockface.EmployeeStatus
	Site            string
	Department      string
	RestrictedToPIN bool
	Payroll         clockface.PayrollIDs
	// HubAction is the last status change made on the hub (terminate,
	// restrict, unrestrict; "" for none). Pending counts the kiosks that
	// have not applied it yet; AppliedBy is the last kiosk that did.
	HubAction string
	Pending   int
	AppliedBy string
}

// Directory is the employee directory the kiosks sync to the hub.
type Directory interface {
	Employees(ctx context.Context, f Filter) ([]DirectoryEntry, error)
}

// KioskInfo is one paired kiosk as the hub last saw it.
type KioskInfo struct {
	ID         string
	Site       string
	Version    string
	Paired     time.Time
	Revoked    *time.Time
	LastSeen   *time.Time
	Skew       time.Duration
	Backlog    int64 // pending events the kiosk reported, -1 when unknown
	AuditSeq   int64
	AuditHash  string
	AuditFlags int64 // audit heads that went back or changed at a seen seq
}

// Kiosks lists the paired kiosks.
type Kiosks interface {
	Kiosks(ctx context.Context) ([]KioskInfo, error)
}

// MyPunch is one of an employee's own punches.
type MyPunch struct {
	At    time.Time
	Kind  string // in, out, break_start, break_end
	Kiosk string
	// Corrected is set when the punch was corrected; Original is then the
	// time it had before, and Note the reason given.
	Corrected bool
	Original  time.Time
	Note      string
}

// MyPeriod is an employee's own punches and hours in a period.
type MyPeriod struct {
	Period  Period
	Punches []MyPunch
	Total   time.Duration
}

// MyTime is the employee's self-service view: their own records only.
type MyTime interface {
	MyPeriod(ctx context.Context, employee string, now time.Time) (MyPeriod, error)
}

// MyRecords is "what my employer holds about me": every record the hub
// keeps about one employee, as a JSON document the employee downloads.
// It holds no biometric data (the hub has none to give).
type MyRecords interface {
	MyRecords(ctx context.Context, employee string) ([]byte, error)
}

// PunchRow is one punch on the punch editing page. A corrected punch
// shows its original time struck through, with who changed it, when and
// why; a voided one is struck through entirely.
type PunchRow struct {
	ID     string
	At     time.Time // effective time
	Kind   string
	Kiosk  string
	Method string
	// Original is the recorded time when the punch was corrected.
	Corrected             bool
	Original              time.Time
	ChangedBy, ChangeNote string
	ChangedAt             time.Time
	Voided                bool
	VoidBy, VoidNote      string
	VoidAt                time.Time
}

// PunchList reads one employee's punches in a period for editing (narrowed
// by f: a department manager sees only their departments' people).
type PunchList interface {
	EmployeePunches(ctx context.Context, site, employee string, p Period, f Filter) ([]PunchRow, error)
}

// NewPunch is a punch added from the dashboard (a forgotten clock-in).
type NewPunch struct {
	Employee string
	Kind     string
	At       time.Time
	Site     string
}

// PunchEditor changes punches on the hub. Every change carries its reason
// and actor (the user's email); the original stays, and a locked period
// refuses the change (attendance.CheckEditable, errors.Is ErrLocked).
type PunchEditor interface {
	Add(ctx context.Context, p NewPunch, reason, actor string) (string, error)
	Correct(ctx context.Context, punchID string, at time.Time, reason, actor string) error
	Void(ctx context.Context, punchID, reason, actor string) error
}

// PeriodControl approves one employee's period (a manager) and locks a
// whole period (payroll).
type PeriodControl interface {
	Approve(ctx context.Context, employee string, p Period, actor string) error
	Lock(ctx context.Context, p Period, actor string) error
}

// ExportLine is one employee's line of the reconciliation preview.
type ExportLine struct {
	Employee, Name            string
	Regular, Overtime, Double time.Duration
	Exceptions                int
}

// ExportPreview is what an export would write: its lines and totals, and
// the blocking exceptions that stop it.
type ExportPreview struct {
	Period   Period
	Format   string
	Lines    []ExportLine
	Totals   ExportLine
	Blocking []Exception
}

// ExportFile is a payroll file the hub produced and recorded.
type ExportFile struct {
	Record ExportRecord
	Name   string
	Data   []byte
}

// ExportRunner previews, runs and re-downloads payroll exports. Download
// returns exactly the bytes Run produced (their SHA-256 is in the record).
type ExportRunner interface {
	Preview(ctx context.Context, p Period, format string) (ExportPreview, error)
	Run(ctx context.Context, p Period, format, actor string) (ExportFile, error)
	History(ctx context.Context) ([]ExportRecord, error)
	Download(ctx context.Context, id string) (ExportFile, error)
}

// Employee status actions on the Employees screen.
const (
	EmployeeTerminate  = "terminate"
	EmployeeRestrict   = "restrict"
	EmployeeUnrestrict = "unrestrict"
)

// EmployeeControl changes an employee's status on the hub: terminate,
// restrict to PIN only, or lift a restriction (EmployeeTerminate ...),
// with a required reason, audited with actor (the user's email). Every
// kiosk applies the change at its next sync. Termination is final: a
// later change is refused (errors.Is ErrTerminatedFinal); an employee not
// in the directory errors.Is clockface.ErrUnknownEmployee.
type EmployeeControl interface {
	ChangeStatus(ctx context.Context, number, action, reason, actor string) error
}

// ErrTerminatedFinal is EmployeeControl's refusal of a change after a
// termination.
var ErrTerminatedFinal = errors.New("employee is terminated: termination is final")
