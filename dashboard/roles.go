package dashboard

import (
	"fmt"
	"slices"
)

// Role is what a dashboard user is allowed to do. The permission table
// below is the one place that says which role may take which action.
type Role string

const (
	// RoleOwner runs the hub: everything, including users and kiosks.
	RoleOwner Role = "owner"
	// RoleHR keeps the employee directory and sees every site.
	RoleHR Role = "hr"
	// RolePayroll reads timesheets and exports payroll files.
	RolePayroll Role = "payroll"
	// RoleManager sees only the sites and/or departments of their Scope.
	RoleManager Role = "manager"
	// RoleEmployee sees only themself (their employee number).
	RoleEmployee Role = "employee"
)

// Roles lists every role, most powerful first (the order of the forms).
var Roles = []Role{RoleOwner, RoleHR, RolePayroll, RoleManager, RoleEmployee}

// ParseRole checks a role name from a form or a flag.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("unknown role %q (want owner, hr, payroll, manager or employee)", s)
	}
	return r, nil
}

// Action is one thing a route does. Every route names exactly one.
type Action string

const (
	ActHome           Action = "home"            // the role's home page
	ActAccount        Action = "account"         // own language, password, sign out everywhere
	ActManageUsers    Action = "users.manage"    // list, add users, change role and scope
	ActViewWhosIn     Action = "whosin.view"     // who's in now, per site
	ActViewTimesheet  Action = "timesheet.view"  // employees x days for a period
	ActViewExceptions Action = "exceptions.view" // the exceptions queue
	ActExport         Action = "export"          // payroll export and its history
	ActViewEmployees  Action = "employees.view"  // the employee directory
	ActEditEmployees  Action = "employees.edit"  // terminate, restrict to PIN, lift a restriction
	ActManageKiosks   Action = "kiosks.manage"   // pair, revoke, sync state
	ActViewAudit      Action = "audit.view"      // the hub's audit log and its verification
	ActMyTime         Action = "mytime.view"     // an employee's own punches and records
	ActEditPunches    Action = "punches.edit"    // add, correct or void a punch, with a reason
	ActApprove        Action = "period.approve"  // approve an employee's period
	ActLock           Action = "period.lock"     // lock a pay period
)

// permissions is the role x action table. Site and department scope is a
// second check (Scope.AllowsSite) on the routes that take a site.
var permissions = map[Role][]Action{
	RoleOwner: {ActHome, ActAccount, ActManageUsers, ActViewWhosIn, ActViewTimesheet, ActViewExceptions,
		ActExport, ActViewEmployees, ActEditEmployees, ActManageKiosks, ActViewAudit, ActEditPunches, ActApprove, ActLock},
	RoleHR: {ActHome, ActAccount, ActViewWhosIn, ActViewTimesheet, ActViewExceptions, ActViewEmployees,
		ActEditEmployees, ActViewAudit, ActEditPunches},
	RolePayroll: {ActHome, ActAccount, ActViewTimesheet, ActViewExceptions, ActExport, ActLock},
	RoleManager: {ActHome, ActAccount, ActViewWhosIn, ActViewTimesheet, ActViewExceptions, ActEditPunches,
		ActApprove},
	RoleEmployee: {ActHome, ActAccount, ActMyTime},
}

// Can reports whether role may take action.
func Can(role Role, action Action) bool {
	return slices.Contains(permissions[role], action)
}

// Scope limits a manager to sites and/or departments, and binds an
// employee to their employee number. Other roles have an empty scope and
// see every site.
type Scope struct {
	Sites       []string `json:"sites,omitempty"`
	Departments []string `json:"departments,omitempty"`
	Employee    string   `json:"employee,omitempty"`
}

// AllowsSite reports whether a user of role with this scope may open a
// site's data. A manager scoped by department only may open every site
// (their rows are filtered by department); an employee opens no site page.
func (s Scope) AllowsSite(role Role, site string) bool {
	switch role {
	case RoleEmployee:
		return false
	case RoleManager:
		return len(s.Sites) == 0 || slices.Contains(s.Sites, site)
	}
	return true
}

// check says what is wrong with a role and scope pair, or nil.
func (s Scope) check(role Role) error {
	switch role {
	case RoleManager:
		if len(s.Sites) == 0 && len(s.Departments) == 0 {
			return fmt.Errorf("a manager needs at least one site or department")
		}
		if s.Employee != "" {
			return fmt.Errorf("only an employee user is bound to an employee number")
		}
	case RoleEmployee:
		if s.Employee == "" {
			return fmt.Errorf("an employee user needs an employee number")
		}
		if len(s.Sites) > 0 || len(s.Departments) > 0 {
			return fmt.Errorf("an employee user has no site or department scope")
		}
	default:
		if len(s.Sites) > 0 || len(s.Departments) > 0 || s.Employee != "" {
			return fmt.Errorf("role %s sees everything: it takes no site, department or employee", role)
		}
	}
	return nil
}

// ValidateUser checks a role and scope pair, as `hub user add` and the
// Users screen do before storing.
func ValidateUser(role Role, s Scope) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return s.check(role)
}
