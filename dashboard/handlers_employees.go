package dashboard

import (
	"errors"
	"net/http"
	"strings"

	"clockface"
)

// The Employees screen's actions: terminate, restrict to PIN only, lift a
// restriction, each a POST with the form's token and a required reason,
// for owners and HR (ActEditEmployees). The hub records the change in
// its audit and every kiosk applies it at its next sync, as a termination
// or restriction made at the kiosk (templates deleted, face matching
// stopped); the screen shows on how many kiosks it is still pending.

func (h *Handler) employeeRoutes(mux *http.ServeMux) {
	for _, a := range []string{EmployeeTerminate, EmployeeRestrict, EmployeeUnrestrict} {
		h.handle(mux, Route{Method: "POST", Pattern: "/employees/{employee}/" + a, Action: ActEditEmployees}, h.changeEmployee(a))
	}
}

// employeesData is the Employees screen.
type employeesData struct {
	Connected bool
	Rows      []DirectoryEntry
	// CanManage shows the change forms (the server checks again).
	CanManage bool
	// Problem names the employee whose form was refused.
	Problem string
}

// employeesPage renders the directory with status and, after a refused
// form, errKey's message.
func (h *Handler) employeesPage(c *call, status int, errKey, flashKey, problem string) {
	d := employeesData{CanManage: Can(c.user.Role, ActEditEmployees) && h.data.EmployeeControl != nil, Problem: problem}
	if h.data.Directory != nil {
		rows, err := h.data.Directory.Employees(c.ctx(), c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		d.Connected, d.Rows = true, rows
	}
	if flashKey == "" && c.r.Method == http.MethodGet && c.r.URL.Query().Get("done") != "" {
		flashKey = "employees.done"
	}
	c.page("employees", "nav.employees", d, status, errKey, flashKey)
}

func (h *Handler) changeEmployee(action string) func(*call) {
	return func(c *call) {
		number := c.r.PathValue("employee")
		reason := strings.TrimSpace(c.r.PostFormValue("reason"))
		switch {
		case reason == "":
			h.employeesPage(c, http.StatusBadRequest, "punches.reason_required", "", number)
			return
		case len(reason) > maxReason:
			h.employeesPage(c, http.StatusBadRequest, "punches.reason_long", "", number)
			return
		case h.data.EmployeeControl == nil:
			h.failFor(c, http.StatusServiceUnavailable, "data.unconnected")
			return
		}
		err := h.data.EmployeeControl.ChangeStatus(c.ctx(), number, action, reason, c.actor())
		switch {
		case errors.Is(err, clockface.ErrUnknownEmployee):
			h.failFor(c, http.StatusNotFound, "error.notfound")
		case errors.Is(err, ErrTerminatedFinal):
			h.employeesPage(c, http.StatusConflict, "employees.final", "", number)
		case err != nil:
			c.internal(err)
		default:
			http.Redirect(c.w, c.r, "/employees?done=1", http.StatusSeeOther)
		}
	}
}
