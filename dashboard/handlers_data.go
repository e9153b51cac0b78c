package dashboard

import (
	"net/http"
	"strings"
	"time"
)

// The data screens render what the Data interfaces return. A screen whose
// source is not connected says so; the hub and attendance work fills Data.

func (h *Handler) dataRoutes(mux *http.ServeMux) {
	h.handle(mux, Route{Method: "GET", Pattern: "/whos-in", Action: ActViewWhosIn}, h.sitePicker("nav.whosin", "/whos-in/"))
	h.handle(mux, Route{Method: "GET", Pattern: "/whos-in/{site}", Action: ActViewWhosIn, Site: true}, h.whosIn)
	h.handle(mux, Route{Method: "GET", Pattern: "/timesheet", Action: ActViewTimesheet}, h.sitePicker("nav.timesheet", "/timesheet/"))
	h.handle(mux, Route{Method: "GET", Pattern: "/timesheet/{site}", Action: ActViewTimesheet, Site: true}, h.timesheet)
	h.handle(mux, Route{Method: "GET", Pattern: "/exceptions", Action: ActViewExceptions}, h.sitePicker("nav.exceptions", "/exceptions/"))
	h.handle(mux, Route{Method: "GET", Pattern: "/exceptions/{site}", Action: ActViewExceptions, Site: true}, h.exceptions)
	h.handle(mux, Route{Method: "GET", Pattern: "/export", Action: ActExport}, h.export)
	h.handle(mux, Route{Method: "GET", Pattern: "/employees", Action: ActViewEmployees}, h.employees)
	h.handle(mux, Route{Method: "GET", Pattern: "/kiosks", Action: ActManageKiosks}, h.kiosks)
	h.handle(mux, Route{Method: "GET", Pattern: "/audit", Action: ActViewAudit}, h.audit)
	h.handle(mux, Route{Method: "POST", Pattern: "/audit/verify", Action: ActViewAudit}, h.verifyAudit)
	h.handle(mux, Route{Method: "GET", Pattern: "/my-time", Action: ActMyTime}, h.myTime)
	h.handle(mux, Route{Method: "GET", Pattern: "/my-time/records.json", Action: ActMyTime}, h.myRecords)
	h.actionRoutes(mux)
}

// periodAt is the moment whose pay period a page shows: the date (in the
// query or the form: YYYY-MM-DD, any day of the period) or now. A date is taken at noon UTC,
// which is that same date in every zone within 12 hours of UTC.
func (c *call) periodAt() (time.Time, bool) {
	q := c.r.FormValue("date")
	if q == "" {
		return c.h.clock.Now(), true
	}
	d, err := time.Parse(time.DateOnly, q)
	if err != nil {
		return time.Time{}, false
	}
	return d.Add(12 * time.Hour), true
}

// period is the page's pay period, or false after answering 400.
func (c *call) period() (Period, bool) {
	at, ok := c.periodAt()
	if !ok {
		c.h.failFor(c, http.StatusBadRequest, "error.baddate")
		return Period{}, false
	}
	p, err := c.h.data.Timesheets.CurrentPeriod(c.ctx(), at)
	if err != nil {
		c.internal(err)
		return Period{}, false
	}
	return p, true
}

// boardRow is one who's-in row with its texts made (the board may list
// thousands).
type boardRow struct {
	Employee, Name, Department, Kiosk string
	State                             PresenceState
	StateText, Since                  string
}

func boardOf(rows []Presence, lang string) []boardRow {
	names := map[PresenceState]string{}
	out := make([]boardRow, len(rows))
	for i, p := range rows {
		n, ok := names[p.State]
		if !ok {
			n = T(lang, "state."+string(p.State))
			names[p.State] = n
		}
		out[i] = boardRow{Employee: p.Employee, Name: p.Name, Department: p.Department, Kiosk: p.Kiosk, State: p.State,
			StateText: n, Since: p.Since.Format("2006-01-02 15:04")}
	}
	return out
}

// sheetView is a timesheet with every cell's text made, so the template
// does no work per cell (500 employees x 16 days is 8,000 cells).
type sheetView struct {
	Period Period
	Days   []time.Time
	Rows   []sheetRow
	Locked bool
}

type sheetRow struct {
	Employee, Name, Total string
	Approved              bool
	Cells                 []sheetCell
}

type sheetCell struct {
	Text string
	// Note is the day's exceptions with their reasons, highlighted.
	Note string
}

func sheetOf(ts Timesheet) sheetView {
	v := sheetView{Period: ts.Period, Days: ts.Days, Locked: ts.Locked, Rows: make([]sheetRow, len(ts.Rows))}
	for i, r := range ts.Rows {
		row := sheetRow{Employee: r.Employee, Name: r.Name, Total: hours(r.Total), Approved: r.Approved, Cells: make([]sheetCell, len(r.Days))}
		for j, d := range r.Days {
			row.Cells[j] = sheetCell{Text: hours(d), Note: strings.Join(r.Exceptions[j], ", ")}
		}
		v.Rows[i] = row
	}
	return v
}

// periodNav is a period and the dates of its neighbours, for links.
type periodNav struct {
	Period
	Prev, Next string
}

func navOf(p Period) periodNav {
	return periodNav{Period: p, Prev: p.From.AddDate(0, 0, -1).Format(time.DateOnly), Next: p.To.AddDate(0, 0, 1).Format(time.DateOnly)}
}

// screen is the data every data page gets.
type screen struct {
	Connected bool
	Site      string
	Sites     []Site
	Base      string // the link prefix of a site picker
	Refresh   bool   // the page reloads itself (meta refresh, no script)
	Rows      any
	Extra     any
	// Records: the records download is connected (my time).
	Records bool
}

func (h *Handler) sitePicker(titleKey, base string) func(*call) {
	return func(c *call) {
		s := screen{Base: base}
		if h.data.Sites != nil {
			all, err := h.data.Sites.Sites(c.ctx())
			if err != nil {
				c.internal(err)
				return
			}
			s.Connected = true
			for _, st := range all {
				if c.user.Scope.AllowsSite(c.user.Role, st.ID) {
					s.Sites = append(s.Sites, st)
				}
			}
		}
		c.page("sites", titleKey, s, 0, "", "")
	}
}

func (h *Handler) whosIn(c *call) {
	s := screen{Site: c.r.PathValue("site"), Refresh: true}
	if h.data.WhoIsIn != nil {
		rows, err := h.data.WhoIsIn.WhoIsIn(c.ctx(), s.Site, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows = true, boardOf(rows, c.lang)
	}
	c.page("whosin", "nav.whosin", s, 0, "", "")
}

func (h *Handler) timesheet(c *call) {
	s := screen{Site: c.r.PathValue("site")}
	if h.data.Timesheets != nil {
		p, ok := c.period()
		if !ok {
			return
		}
		ts, err := h.data.Timesheets.Timesheet(c.ctx(), s.Site, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows, s.Extra = true, sheetOf(ts), navOf(p)
	}
	c.page("timesheet", "nav.timesheet", s, 0, "", "")
}

func (h *Handler) exceptions(c *call) {
	s := screen{Site: c.r.PathValue("site")}
	if h.data.Exceptions != nil && h.data.Timesheets != nil {
		p, ok := c.period()
		if !ok {
			return
		}
		rows, err := h.data.Exceptions.Exceptions(c.ctx(), s.Site, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows, s.Extra = true, rows, navOf(p)
	}
	c.page("exceptions", "nav.exceptions", s, 0, "", "")
}

func (h *Handler) export(c *call) {
	var s screen
	if h.data.Exports != nil {
		hist, err := h.data.Exports.ExportHistory(c.ctx())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows, s.Extra = true, hist, h.data.Exports.Formats()
	}
	c.page("export", "nav.export", s, 0, "", "")
}

func (h *Handler) employees(c *call) { h.employeesPage(c, 0, "", "", "") }

func (h *Handler) kiosks(c *call) {
	var s screen
	if h.data.Kiosks != nil {
		rows, err := h.data.Kiosks.Kiosks(c.ctx())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows = true, rows
	}
	c.page("kiosks", "nav.kiosks", s, 0, "", "")
}

// auditLimit is how many of the newest audit entries the page shows.
const auditLimit = 200

type auditData struct {
	Entries  []Audit
	Verified bool
	Count    int
	Problem  string
}

func (h *Handler) auditPage(c *call, d auditData) {
	es, err := h.store.AuditEntries(c.ctx(), auditLimit)
	if err != nil {
		c.internal(err)
		return
	}
	d.Entries = es
	c.page("audit", "audit.title", d, 0, "", "")
}

func (h *Handler) audit(c *call) { h.auditPage(c, auditData{}) }

func (h *Handler) verifyAudit(c *call) {
	n, err := h.store.VerifyAudit(c.ctx())
	d := auditData{Verified: true, Count: n}
	if err != nil {
		d.Problem = err.Error()
	}
	h.auditPage(c, d)
}

func (h *Handler) myTime(c *call) {
	var s screen
	if h.data.MyTime != nil {
		at, ok := c.periodAt()
		if !ok {
			c.h.failFor(c, http.StatusBadRequest, "error.baddate")
			return
		}
		p, err := h.data.MyTime.MyPeriod(c.ctx(), c.user.Scope.Employee, at)
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows, s.Extra = true, p, navOf(p.Period)
	}
	s.Records = h.data.MyRecords != nil
	c.page("mytime", "nav.mytime", s, 0, "", "")
}

// myRecords downloads everything the hub holds about the signed-in
// employee, as JSON.
func (h *Handler) myRecords(c *call) {
	if h.data.MyRecords == nil {
		c.notConnected()
		return
	}
	b, err := h.data.MyRecords.MyRecords(c.ctx(), c.user.Scope.Employee)
	if err != nil {
		c.internal(err)
		return
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Content-Disposition", `attachment; filename="my-records.json"`)
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.Write(b)
}

// notConnected answers a screen or action whose source is not wired: 503
// with the plain message, and nothing changed.
func (c *call) notConnected() {
	c.h.failFor(c, http.StatusServiceUnavailable, "data.unconnected")
}
