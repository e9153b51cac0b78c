package dashboard

import (
	"html"
	"html/template"
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

// boardHTML writes the who's-in board's rows. The board may list ten
// thousand people, and html/template's escaping calls, six per row, were
// most of the page's time: the rows are written here instead, every text
// escaped with html.EscapeString (element content only; the class is one
// of the three PresenceState constants).
func boardHTML(rows []Presence, lang string) template.HTML {
	names := map[PresenceState]string{}
	var b strings.Builder
	b.Grow(len(rows) * 160)
	for _, p := range rows {
		n, ok := names[p.State]
		if !ok {
			n = html.EscapeString(T(lang, "state."+string(p.State)))
			names[p.State] = n
		}
		state := PresenceOut
		switch p.State {
		case PresenceIn, PresenceBreak:
			state = p.State
		}
		b.WriteString(`<tr class="state-`)
		b.WriteString(string(state))
		b.WriteString(`"><td>`)
		b.WriteString(html.EscapeString(p.Employee))
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(p.Name))
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(p.Department))
		b.WriteString(`</td><td>`)
		b.WriteString(n)
		b.WriteString(`</td><td>`)
		b.WriteString(p.Since.Format("2006-01-02 15:04"))
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(p.Kiosk))
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
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
		s.Connected, s.Rows, s.Extra = true, boardHTML(rows, c.lang), len(rows)
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
