package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// The Kiosks screen's actions (owner and HR): a one-time pairing code for
// a new kiosk or to re-pair one, shown once with its expiry; revoking a
// kiosk with a reason; naming sites and putting kiosks at them. And, on the
// Employees screen, an employee's site and department. Each is a POST with
// its form's token, audited by the hub with the user as actor.

func (h *Handler) kioskRoutes(mux *http.ServeMux) {
	h.handle(mux, Route{Method: "POST", Pattern: "/kiosks/pair", Action: ActManageKiosks}, h.pairKiosk)
	h.handle(mux, Route{Method: "POST", Pattern: "/kiosks/{kiosk}/repair", Action: ActManageKiosks}, h.repairKiosk)
	h.handle(mux, Route{Method: "POST", Pattern: "/kiosks/{kiosk}/revoke", Action: ActManageKiosks}, h.revokeKiosk)
	h.handle(mux, Route{Method: "POST", Pattern: "/kiosks/{kiosk}/site", Action: ActManageSites}, h.assignKiosk)
	h.handle(mux, Route{Method: "POST", Pattern: "/sites/add", Action: ActManageSites}, h.addSite)
	h.handle(mux, Route{Method: "POST", Pattern: "/employees/{employee}/placement", Action: ActManageSites}, h.placeEmployee)
}

// kiosksData is the Kiosks screen.
type kiosksData struct {
	Connected bool
	Rows      []KioskInfo
	Sites     []Site
	// Code is the pairing code just made, shown this once.
	Code *PairingCode
	// CanAct: the pair, re-pair and revoke forms work (KioskControl is
	// connected); CanSites: the site forms do.
	CanAct, CanSites bool
}

func (h *Handler) kiosksPage(c *call, status int, problem, flashKey string, code *PairingCode) {
	d := kiosksData{Code: code, CanAct: h.data.KioskControl != nil, CanSites: h.data.SiteControl != nil && Can(c.user.Role, ActManageSites)}
	if h.data.Kiosks != nil {
		rows, err := h.data.Kiosks.Kiosks(c.ctx())
		if err != nil {
			c.internal(err)
			return
		}
		d.Connected, d.Rows = true, rows
	}
	if h.data.Sites != nil {
		sites, err := h.data.Sites.Sites(c.ctx())
		if err != nil {
			c.internal(err)
			return
		}
		d.Sites = sites
	}
	v := h.newView(c.r, c.user, c.lang, "kiosks", T(c.lang, "nav.kiosks"))
	v.Data, v.Status, v.Error = d, status, problem
	if flashKey != "" {
		v.Flash = T(c.lang, flashKey)
	}
	if code != nil {
		// The code is shown once: no cache may keep the page.
		c.w.Header().Set("Cache-Control", "no-store")
	}
	h.render(c.w, v)
}

func (h *Handler) kiosks(c *call) {
	h.kiosksPage(c, 0, "", map[string]string{"revoked": "kiosks.revoked", "site": "kiosks.site_done",
		"added": "sites.added"}[c.r.URL.Query().Get("done")], nil)
}

// refused answers an action's error: bad input (ErrInvalid) and unknown
// records (ErrNotFound) re-render page with the message and 400 or 404,
// anything else is a 500.
func (h *Handler) refused(c *call, err error, page func(status int, problem string)) {
	switch {
	case errors.Is(err, ErrInvalid):
		page(http.StatusBadRequest, strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))
	case errors.Is(err, ErrNotFound):
		page(http.StatusNotFound, strings.TrimSuffix(err.Error(), ": "+ErrNotFound.Error()))
	default:
		c.internal(err)
	}
}

func (h *Handler) kioskRefused(c *call, err error) {
	h.refused(c, err, func(status int, problem string) { h.kiosksPage(c, status, problem, "", nil) })
}

func (h *Handler) pairKiosk(c *call) { h.issueCode(c, "") }

func (h *Handler) repairKiosk(c *call) { h.issueCode(c, c.r.PathValue("kiosk")) }

func (h *Handler) issueCode(c *call, kiosk string) {
	if h.data.KioskControl == nil {
		c.notConnected()
		return
	}
	code, err := h.data.KioskControl.PairingCode(c.ctx(), kiosk, c.actor())
	if err != nil {
		h.kioskRefused(c, err)
		return
	}
	h.kiosksPage(c, 0, "", "", &code)
}

func (h *Handler) revokeKiosk(c *call) {
	if h.data.KioskControl == nil {
		c.notConnected()
		return
	}
	reason := strings.TrimSpace(c.r.PostFormValue("reason"))
	if reason == "" || len(reason) > maxReason {
		h.kiosksPage(c, http.StatusBadRequest, T(c.lang, "punches.reason_required"), "", nil)
		return
	}
	if err := h.data.KioskControl.Revoke(c.ctx(), c.r.PathValue("kiosk"), reason, c.actor()); err != nil {
		h.kioskRefused(c, err)
		return
	}
	http.Redirect(c.w, c.r, "/kiosks?done=revoked", http.StatusSeeOther)
}

func (h *Handler) assignKiosk(c *call) {
	if h.data.SiteControl == nil {
		c.notConnected()
		return
	}
	if err := h.data.SiteControl.AssignKiosk(c.ctx(), c.r.PathValue("kiosk"), c.r.PostFormValue("site"), c.actor()); err != nil {
		h.kioskRefused(c, err)
		return
	}
	http.Redirect(c.w, c.r, "/kiosks?done=site", http.StatusSeeOther)
}

func (h *Handler) addSite(c *call) {
	if h.data.SiteControl == nil {
		c.notConnected()
		return
	}
	id := strings.TrimSpace(c.r.PostFormValue("id"))
	if err := h.data.SiteControl.AddSite(c.ctx(), id, c.r.PostFormValue("name"), c.actor()); err != nil {
		h.kioskRefused(c, err)
		return
	}
	http.Redirect(c.w, c.r, "/kiosks?done=added", http.StatusSeeOther)
}

// placementSites fills s.Sites for the Employees screen's site and
// department form, when the user may send it; false after answering an
// error.
func (h *Handler) placementSites(c *call, s *screen) bool {
	if h.data.SiteControl == nil || h.data.Sites == nil || !Can(c.user.Role, ActManageSites) {
		return true
	}
	sites, err := h.data.Sites.Sites(c.ctx())
	if err != nil {
		c.internal(err)
		return false
	}
	s.Sites, s.Base = sites, "placement"
	return true
}

func (h *Handler) placeEmployee(c *call) {
	if h.data.SiteControl == nil {
		c.notConnected()
		return
	}
	emp := c.r.PathValue("employee")
	err := h.data.SiteControl.Place(c.ctx(), emp, c.r.PostFormValue("site"), c.r.PostFormValue("department"), c.actor())
	if err != nil {
		h.refused(c, err, func(status int, problem string) {
			v := h.newView(c.r, c.user, c.lang, "error", T(c.lang, "nav.employees"))
			v.Status, v.Error = status, problem
			h.render(c.w, v)
		})
		return
	}
	http.Redirect(c.w, c.r, "/employees?placed="+url.QueryEscape(emp), http.StatusSeeOther)
}
