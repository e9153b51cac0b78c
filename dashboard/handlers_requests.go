package dashboard

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"clockface/attendance"
)

// Correction requests. An employee asks on "My time" for one of their
// punches to be corrected, or a missing one added (day and time, kind,
// note); the request waits in the exceptions queue of the site the
// employee belongs to, seen only by those who may see that employee there
// (their site's or department's managers, HR, the owner), with the note.
// Resolving it makes the punch edit through the edit flow (a reason
// required, the original kept); rejecting it takes a reason. The employee
// sees the outcome on "My time".

func (h *Handler) requestRoutes(mux *http.ServeMux) {
	h.handle(mux, Route{Method: "POST", Pattern: "/my-time/request", Action: ActMyTime}, h.askCorrection)
	req := "/exceptions/{site}/request/{id}"
	h.handle(mux, Route{Method: "POST", Pattern: req + "/resolve", Action: ActEditPunches, Site: true}, h.resolveRequest)
	h.handle(mux, Route{Method: "POST", Pattern: req + "/reject", Action: ActEditPunches, Site: true}, h.rejectRequest)
}

// myTimeData is the My time screen.
type myTimeData struct {
	screen
	Requests []CorrectionRequest
	// CanAsk: the request form works (Requests is connected).
	CanAsk bool
	Kinds  []string
	Form   map[string][]string
}

func (h *Handler) myTimePage(c *call, status int, problem, flashKey string) {
	d := myTimeData{Kinds: punchKinds, CanAsk: h.data.Requests != nil}
	if c.r.Method == http.MethodPost {
		d.Form = c.r.PostForm
	}
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
		d.Connected, d.Rows, d.Extra = true, p, navOf(p.Period)
	}
	d.Records = h.data.MyRecords != nil
	if h.data.Requests != nil {
		rs, err := h.data.Requests.Mine(c.ctx(), c.user.Scope.Employee)
		if err != nil {
			c.internal(err)
			return
		}
		d.Requests = rs
	}
	v := h.newView(c.r, c.user, c.lang, "mytime", T(c.lang, "nav.mytime"))
	v.Data, v.Status, v.Error = d, status, problem
	if flashKey != "" {
		v.Flash = T(c.lang, flashKey)
	}
	h.render(c.w, v)
}

func (h *Handler) myTime(c *call) {
	flash := ""
	if c.r.URL.Query().Get("requested") != "" {
		flash = "requests.sent"
	}
	h.myTimePage(c, 0, "", flash)
}

func (h *Handler) askCorrection(c *call) {
	if h.data.Requests == nil || h.data.MyTime == nil {
		c.notConnected()
		return
	}
	bad := func(key string) { h.myTimePage(c, http.StatusBadRequest, T(c.lang, key), "") }
	p, err := h.data.MyTime.MyPeriod(c.ctx(), c.user.Scope.Employee, c.h.clock.Now())
	if err != nil {
		c.internal(err)
		return
	}
	kind := c.r.PostFormValue("kind")
	if !slices.Contains(punchKinds, kind) {
		bad("punches.bad_kind")
		return
	}
	at, err := formTime(c.r.PostFormValue("at"), p.Period.From.Location())
	if err != nil {
		bad("punches.bad_time")
		return
	}
	note := strings.TrimSpace(c.r.PostFormValue("note"))
	if note == "" {
		bad("requests.note_required")
		return
	}
	if len(note) > maxReason {
		bad("punches.reason_long")
		return
	}
	r := NewRequest{PunchID: strings.TrimSpace(c.r.PostFormValue("punch")), Kind: kind, At: at, Note: note}
	if err := h.data.Requests.Ask(c.ctx(), c.user.Scope.Employee, r, c.actor()); err != nil {
		h.refused(c, err, func(status int, problem string) { h.myTimePage(c, status, problem, "") })
		return
	}
	http.Redirect(c.w, c.r, "/my-time?requested=1", http.StatusSeeOther)
}

// exceptionsData is the exceptions queue: the rules' exceptions and the
// employees' open correction requests.
type exceptionsData struct {
	screen
	Requests  []CorrectionRequest
	CanDecide bool
}

func (h *Handler) exceptionsPage(c *call, status int, problem, flashKey string) {
	d := exceptionsData{screen: screen{Site: c.r.PathValue("site")}}
	if h.data.Exceptions != nil && h.data.Timesheets != nil {
		p, ok := c.period()
		if !ok {
			return
		}
		rows, err := h.data.Exceptions.Exceptions(c.ctx(), d.Site, p, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		d.Connected, d.Rows, d.Extra = true, rows, navOf(p)
	}
	if h.data.Requests != nil {
		rs, err := h.data.Requests.Open(c.ctx(), d.Site, c.filter())
		if err != nil {
			c.internal(err)
			return
		}
		d.Requests, d.CanDecide = rs, Can(c.user.Role, ActEditPunches)
	}
	v := h.newView(c.r, c.user, c.lang, "exceptions", T(c.lang, "nav.exceptions"))
	v.Data, v.Status, v.Error = d, status, problem
	if flashKey != "" {
		v.Flash = T(c.lang, flashKey)
	}
	h.render(c.w, v)
}

func (h *Handler) exceptions(c *call) {
	flash := map[string]string{"resolved": "requests.resolved", "rejected": "requests.rejected"}[c.r.URL.Query().Get("done")]
	h.exceptionsPage(c, 0, "", flash)
}

// decision reads the request id and the required reason, or answers.
func (h *Handler) decision(c *call) (int64, string, bool) {
	if h.data.Requests == nil || h.data.Timesheets == nil {
		c.notConnected()
		return 0, "", false
	}
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	if err != nil {
		h.failFor(c, http.StatusNotFound, "error.notfound")
		return 0, "", false
	}
	reason := strings.TrimSpace(c.r.PostFormValue("reason"))
	if reason == "" {
		h.exceptionsPage(c, http.StatusBadRequest, T(c.lang, "punches.reason_required"), "")
		return 0, "", false
	}
	if len(reason) > maxReason {
		h.exceptionsPage(c, http.StatusBadRequest, T(c.lang, "punches.reason_long"), "")
		return 0, "", false
	}
	return id, reason, true
}

func (h *Handler) decided(c *call, err error, done string) {
	if errors.Is(err, attendance.ErrLocked) {
		h.exceptionsPage(c, http.StatusConflict, err.Error(), "")
		return
	}
	if err != nil {
		h.refused(c, err, func(status int, problem string) { h.exceptionsPage(c, status, problem, "") })
		return
	}
	back := "/exceptions/" + c.r.PathValue("site") + "?done=" + done
	if d := c.r.PostFormValue("date"); d != "" {
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			back += "&date=" + d
		}
	}
	http.Redirect(c.w, c.r, back, http.StatusSeeOther)
}

func (h *Handler) resolveRequest(c *call) {
	id, reason, ok := h.decision(c)
	if !ok {
		return
	}
	p, ok := c.period()
	if !ok {
		return
	}
	at, err := formTime(c.r.PostFormValue("at"), p.From.Location())
	if err != nil {
		h.exceptionsPage(c, http.StatusBadRequest, T(c.lang, "punches.bad_time"), "")
		return
	}
	h.decided(c, h.data.Requests.Resolve(c.ctx(), id, c.r.PathValue("site"), c.filter(), at, reason, c.actor()), "resolved")
}

func (h *Handler) rejectRequest(c *call) {
	id, reason, ok := h.decision(c)
	if !ok {
		return
	}
	h.decided(c, h.data.Requests.Reject(c.ctx(), id, c.r.PathValue("site"), c.filter(), reason, c.actor()), "rejected")
}
