package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"clockface"
	"clockface/attendance"
)

// The actions: punch add, correct and void (a reason required, the
// original kept and shown struck through), approval, lock, and the payroll
// export. Every change is a POST with the form's token; a manager's site is
// checked by the route, and a punch must belong to the employee and site
// the path names. An action whose Data source is nil answers 503 "not
// connected" and changes nothing.

func (h *Handler) actionRoutes(mux *http.ServeMux) {
	emp := "/timesheet/{site}/employee/{employee}"
	h.handle(mux, Route{Method: "GET", Pattern: emp, Action: ActViewTimesheet, Site: true}, h.employeePunches)
	h.handle(mux, Route{Method: "POST", Pattern: emp + "/add", Action: ActEditPunches, Site: true}, h.addPunch)
	h.handle(mux, Route{Method: "POST", Pattern: emp + "/punch/{punch}/correct", Action: ActEditPunches, Site: true}, h.correctPunch)
	h.handle(mux, Route{Method: "POST", Pattern: emp + "/punch/{punch}/void", Action: ActEditPunches, Site: true}, h.voidPunch)
	h.handle(mux, Route{Method: "POST", Pattern: emp + "/approve", Action: ActApprove, Site: true}, h.approve)
	h.handle(mux, Route{Method: "POST", Pattern: "/periods/lock", Action: ActLock}, h.lock)
	h.handle(mux, Route{Method: "POST", Pattern: "/export/preview", Action: ActExport}, h.exportPreview)
	h.handle(mux, Route{Method: "POST", Pattern: "/export/run", Action: ActExport}, h.exportRun)
	h.handle(mux, Route{Method: "GET", Pattern: "/export/{id}/download", Action: ActExport}, h.exportDownload)
}

// punchesData is the employee's punch page.
type punchesData struct {
	Connected           bool
	Site, Employee      string
	Period              periodNav
	Punches             []PunchRow
	Kinds               []string
	CanEdit, CanApprove bool
	// Path is the page's path, the prefix of its forms' actions.
	Path string
	// Problem is why a form was refused; the form keeps what was typed.
	Problem string
	Form    url.Values
}

// punchKinds are the kinds a dashboard punch may have.
var punchKinds = []string{string(clockface.PunchIn), string(clockface.PunchOut), string(clockface.BreakStart), string(clockface.BreakEnd)}

func (h *Handler) punchesPage(c *call, status int, problem string, form url.Values) {
	d := punchesData{Site: c.r.PathValue("site"), Employee: c.r.PathValue("employee"), Kinds: punchKinds,
		CanEdit: Can(c.user.Role, ActEditPunches), CanApprove: Can(c.user.Role, ActApprove), Problem: problem, Form: form}
	d.Path = "/timesheet/" + d.Site + "/employee/" + d.Employee
	if h.data.Punches != nil && h.data.Timesheets != nil {
		p, ok := c.period()
		if !ok {
			return
		}
		rows, err := h.data.Punches.EmployeePunches(c.ctx(), d.Site, d.Employee, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		d.Connected, d.Period, d.Punches = true, navOf(p), rows
	}
	v := h.newView(c.r, c.user, c.lang, "punches", T(c.lang, "punches.title")+" "+d.Employee)
	v.Data, v.Status, v.Error = d, status, problem
	if c.r.URL.Query().Get("done") != "" {
		v.Flash = T(c.lang, "punches.done")
	}
	h.render(c.w, v)
}

func (h *Handler) employeePunches(c *call) { h.punchesPage(c, 0, "", nil) }

// refuse re-renders the punch page with the reason a form was refused
// (400) and the form as typed.
func (h *Handler) refuse(c *call, key string) {
	h.punchesPage(c, http.StatusBadRequest, T(c.lang, key), c.r.PostForm)
}

// reason is the form's required reason, or false after refusing.
func (h *Handler) reason(c *call) (string, bool) {
	r := strings.TrimSpace(c.r.PostFormValue("reason"))
	if r == "" {
		h.refuse(c, "punches.reason_required")
		return "", false
	}
	if len(r) > maxReason {
		h.refuse(c, "punches.reason_long")
		return "", false
	}
	return r, true
}

// maxReason is the longest reason accepted, in bytes.
const maxReason = 500

// formTime parses a datetime-local value in the period's zone.
func formTime(v string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), loc)
}

// ownPunch checks the punch in the path is one of the path's employee's
// punches at the site, in the period the form names.
func (h *Handler) ownPunch(c *call, p Period) bool {
	rows, err := h.data.Punches.EmployeePunches(c.ctx(), c.r.PathValue("site"), c.r.PathValue("employee"), p, c.filter())
	if err != nil {
		c.internal(err)
		return false
	}
	id := c.r.PathValue("punch")
	if !slices.ContainsFunc(rows, func(r PunchRow) bool { return r.ID == id }) {
		h.failFor(c, http.StatusNotFound, "error.notfound")
		return false
	}
	return true
}

// done goes back to the punch page after a change.
func (h *Handler) done(c *call, p Period) {
	http.Redirect(c.w, c.r, "/timesheet/"+c.r.PathValue("site")+"/employee/"+c.r.PathValue("employee")+
		"?date="+p.From.Format(time.DateOnly)+"&done=1", http.StatusSeeOther)
}

// actionFailed maps an editor's refusal of a locked period
// (attendance.ErrLocked) to a 409 on the page, anything else to 500.
func (h *Handler) actionFailed(c *call, err error) {
	if errors.Is(err, attendance.ErrLocked) {
		h.punchesPage(c, http.StatusConflict, err.Error(), c.r.PostForm)
		return
	}
	c.internal(err)
}

func (h *Handler) addPunch(c *call) {
	if h.data.PunchEditor == nil || h.data.Punches == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	kind := c.r.PostFormValue("kind")
	if !slices.Contains(punchKinds, kind) {
		h.refuse(c, "punches.bad_kind")
		return
	}
	at, err := formTime(c.r.PostFormValue("at"), p.From.Location())
	if err != nil {
		h.refuse(c, "punches.bad_time")
		return
	}
	reason, ok := h.reason(c)
	if !ok {
		return
	}
	np := NewPunch{Employee: c.r.PathValue("employee"), Kind: kind, At: at, Site: c.r.PathValue("site")}
	if _, err := h.data.PunchEditor.Add(c.ctx(), np, reason, c.actor()); err != nil {
		h.actionFailed(c, err)
		return
	}
	h.done(c, p)
}

func (h *Handler) correctPunch(c *call) {
	if h.data.PunchEditor == nil || h.data.Punches == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok || !h.ownPunch(c, p) {
		return
	}
	at, err := formTime(c.r.PostFormValue("at"), p.From.Location())
	if err != nil {
		h.refuse(c, "punches.bad_time")
		return
	}
	reason, ok := h.reason(c)
	if !ok {
		return
	}
	if err := h.data.PunchEditor.Correct(c.ctx(), c.r.PathValue("punch"), at, reason, c.actor()); err != nil {
		h.actionFailed(c, err)
		return
	}
	h.done(c, p)
}

func (h *Handler) voidPunch(c *call) {
	if h.data.PunchEditor == nil || h.data.Punches == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok || !h.ownPunch(c, p) {
		return
	}
	reason, ok := h.reason(c)
	if !ok {
		return
	}
	if err := h.data.PunchEditor.Void(c.ctx(), c.r.PathValue("punch"), reason, c.actor()); err != nil {
		h.actionFailed(c, err)
		return
	}
	h.done(c, p)
}

func (h *Handler) approve(c *call) {
	if h.data.PeriodControl == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	if err := h.data.PeriodControl.Approve(c.ctx(), c.r.PathValue("employee"), p, c.actor()); err != nil {
		h.actionFailed(c, err)
		return
	}
	h.done(c, p)
}

func (h *Handler) lock(c *call) {
	if h.data.PeriodControl == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	if err := h.data.PeriodControl.Lock(c.ctx(), p, c.actor()); err != nil {
		c.internal(err)
		return
	}
	back := c.r.PostFormValue("back")
	if !strings.HasPrefix(back, "/timesheet/") || strings.Contains(back, "//") {
		back = "/timesheet"
	}
	http.Redirect(c.w, c.r, back+"?date="+p.From.Format(time.DateOnly), http.StatusSeeOther)
}

// exportData is the export page after a preview.
type exportData struct {
	Preview *ExportPreview
}

// ExportBlocked is ExportRunner.Run's refusal: the preview whose Blocking
// list stops the export. Nothing was recorded; the page shows the list.
type ExportBlocked struct {
	Preview ExportPreview
}

func (e *ExportBlocked) Error() string {
	return fmt.Sprintf("export refused: %d blocking exception(s)", len(e.Preview.Blocking))
}

func (h *Handler) exportPreview(c *call) {
	if h.data.ExportRunner == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	pv, err := h.data.ExportRunner.Preview(c.ctx(), p, c.r.PostFormValue("format"))
	if err != nil {
		c.internal(err)
		return
	}
	c.page("exportpreview", "nav.export", exportData{Preview: &pv}, 0, "", "")
}

func (h *Handler) exportRun(c *call) {
	if h.data.ExportRunner == nil || h.data.Timesheets == nil {
		c.notConnected()
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	f, err := h.data.ExportRunner.Run(c.ctx(), p, c.r.PostFormValue("format"), c.actor())
	var blocked *ExportBlocked
	if errors.As(err, &blocked) {
		c.page("exportpreview", "nav.export", exportData{Preview: &blocked.Preview}, http.StatusConflict, "", "")
		return
	}
	if err != nil {
		c.internal(err)
		return
	}
	http.Redirect(c.w, c.r, "/export/"+url.PathEscape(f.Record.ID)+"/download", http.StatusSeeOther)
}

func (h *Handler) exportDownload(c *call) {
	if h.data.ExportRunner == nil {
		c.notConnected()
		return
	}
	f, err := h.data.ExportRunner.Download(c.ctx(), c.r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		h.failFor(c, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		c.internal(err)
		return
	}
	name := f.Name
	if name == "" || strings.ContainsAny(name, "\"\\/\r\n") {
		name = "payroll-" + f.Record.ID + ".csv"
	}
	c.w.Header().Set("Content-Type", "application/octet-stream")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.Write(f.Data)
}
