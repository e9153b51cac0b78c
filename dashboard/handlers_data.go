package dashboard

import (
	"net/http"
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
		s.Connected, s.Rows = true, rows
	}
	c.page("whosin", "nav.whosin", s, 0, "", "")
}

func (h *Handler) timesheet(c *call) {
	s := screen{Site: c.r.PathValue("site")}
	if h.data.Timesheets != nil {
		p, err := h.data.Timesheets.CurrentPeriod(c.ctx(), h.clock.Now())
		if err != nil {
			c.internal(err)
			return
		}
		ts, err := h.data.Timesheets.Timesheet(c.ctx(), s.Site, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows = true, ts
	}
	c.page("timesheet", "nav.timesheet", s, 0, "", "")
}

func (h *Handler) exceptions(c *call) {
	s := screen{Site: c.r.PathValue("site")}
	if h.data.Exceptions != nil && h.data.Timesheets != nil {
		p, err := h.data.Timesheets.CurrentPeriod(c.ctx(), h.clock.Now())
		if err != nil {
			c.internal(err)
			return
		}
		rows, err := h.data.Exceptions.Exceptions(c.ctx(), s.Site, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows, s.Extra = true, rows, p
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

func (h *Handler) employees(c *call) {
	var s screen
	if h.data.Directory != nil {
		rows, err := h.data.Directory.Employees(c.ctx(), c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows = true, rows
	}
	c.page("employees", "nav.employees", s, 0, "", "")
}

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
		p, err := h.data.MyTime.MyPeriod(c.ctx(), c.user.Scope.Employee, h.clock.Now())
		if err != nil {
			c.internal(err)
			return
		}
		s.Connected, s.Rows = true, p
	}
	c.page("mytime", "nav.mytime", s, 0, "", "")
}
