package dashboard

import (
	"net/http"
	"slices"

	"github.com/alexedwards/argon2id"
)

func (h *Handler) accountRoutes(mux *http.ServeMux) {
	h.handle(mux, Route{Method: "GET", Pattern: "/account", Action: ActAccount}, h.account)
	h.handle(mux, Route{Method: "POST", Pattern: "/account/language", Action: ActAccount}, h.setLanguage)
	h.handle(mux, Route{Method: "POST", Pattern: "/account/password", Action: ActAccount}, h.changePassword)
	h.handle(mux, Route{Method: "POST", Pattern: "/account/sign-out-everywhere", Action: ActAccount}, h.signOutEverywhere)
}

func (h *Handler) account(c *call) {
	c.page("account", "account.title", nil, 0, "", "")
}

func (h *Handler) setLanguage(c *call) {
	lang := c.r.PostFormValue("lang")
	if !slices.Contains(Languages, lang) {
		c.page("account", "account.title", nil, http.StatusBadRequest, "account.lang", "")
		return
	}
	u, err := h.store.SetLang(c.ctx(), c.user.ID, lang, Audit{Actor: c.actor(), Action: AuditLanguageChanged, At: h.clock.Now()})
	if err != nil {
		c.internal(err)
		return
	}
	c.user, c.lang = &u, lang
	c.page("account", "account.title", nil, 0, "", "account.lang.saved")
}

// changePassword needs the current password; the new hash bumps the epoch,
// which ends every other session, and this session moves to the new epoch.
func (h *Handler) changePassword(c *call) {
	ok, err := argon2id.ComparePasswordAndHash(c.r.PostFormValue("current"), c.user.PasswordHash)
	if err != nil || !ok {
		c.page("account", "account.title", nil, http.StatusBadRequest, "account.pw.wrong", "")
		return
	}
	hash, err := HashPassword(c.r.PostFormValue("new"))
	if err != nil {
		v := h.newView(c.r, c.user, c.lang, "account", T(c.lang, "account.title"))
		v.Status, v.Error = http.StatusBadRequest, T(c.lang, "account.pw.new")
		h.render(c.w, v)
		return
	}
	u, err := h.store.SetPassword(c.ctx(), c.user.ID, hash, Audit{Actor: c.actor(), Action: AuditPasswordChanged, At: h.clock.Now()})
	if err != nil {
		c.internal(err)
		return
	}
	if err := h.sessions.RenewToken(c.ctx()); err != nil {
		c.internal(err)
		return
	}
	h.sessions.Put(c.ctx(), "epoch", u.Epoch)
	c.user = &u
	c.page("account", "account.title", nil, 0, "", "account.pw.saved")
}

// signOutEverywhere ends every session of the user, this one included.
func (h *Handler) signOutEverywhere(c *call) {
	if _, err := h.store.BumpEpoch(c.ctx(), c.user.ID, Audit{Actor: c.actor(), Action: AuditSignOutEverywhere, At: h.clock.Now()}); err != nil {
		c.internal(err)
		return
	}
	if err := h.sessions.Destroy(c.ctx()); err != nil {
		c.internal(err)
		return
	}
	http.Redirect(c.w, c.r, "/login?ended=1", http.StatusSeeOther)
}
