package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/alexedwards/argon2id"
)

// loginData keeps the typed email when a sign-in fails.
type loginData struct{ Email string }

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r.Header.Get("Accept-Language"))
	v := h.newView(r, nil, lang, "login", T(lang, "login.title"))
	v.Data = loginData{}
	if r.URL.Query().Get("ended") != "" {
		v.Flash = T(lang, "login.expired")
	}
	h.csrfKey(r) // the sign-in form is protected like every other
	h.render(w, v)
}

// login checks the throttle first (a locked account or IP is refused
// without looking at the password), then the password. An unknown email
// costs the same Argon2id comparison as a known one and the same answer.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := pickLang(r.Header.Get("Accept-Language"))
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	again := func(status int, key string) {
		v := h.newView(r, nil, lang, "login", T(lang, "login.title"))
		v.Data, v.Status, v.Error = loginData{Email: email}, status, T(lang, key)
		h.render(w, v)
	}
	if !h.checkToken(r) {
		h.fail(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	now := h.clock.Now()
	acctKey, ipKey := "account:"+email, "ip:"+clientIP(r)
	until, err := h.store.LockedUntil(ctx, []string{acctKey, ipKey}, now)
	if err != nil {
		h.log.Error("dashboard login", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if !until.IsZero() {
		h.auditLogin(r, AuditLoginLocked, email, map[string]any{"until": until, "ip": clientIP(r)})
		again(http.StatusTooManyRequests, "login.locked")
		return
	}
	u, uerr := h.store.UserByEmail(ctx, email)
	hash := h.dummy
	if uerr == nil {
		hash = u.PasswordHash
	}
	ok, err := argon2id.ComparePasswordAndHash(r.PostFormValue("password"), hash)
	if err != nil || uerr != nil || !ok {
		if err := h.store.Fail(ctx, now, []ThrottleRule{
			{Key: acctKey, Limit: AccountFailureLimit, Window: AccountWindow, Lock: AccountLock},
			{Key: ipKey, Limit: IPFailureLimit, Window: IPWindow, Lock: IPLock},
		}); err != nil {
			h.log.Error("dashboard login", "err", err)
		}
		h.auditLogin(r, AuditLoginFailed, email, map[string]any{"ip": clientIP(r)})
		again(http.StatusUnauthorized, "login.failed")
		return
	}
	if err := h.store.Reset(ctx, acctKey); err != nil {
		h.log.Error("dashboard login", "err", err)
	}
	// A new token at sign-in (no session fixation) and a new form secret.
	if err := h.sessions.RenewToken(ctx); err != nil {
		h.log.Error("dashboard login", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.sessions.Remove(ctx, "csrf")
	h.sessions.Put(ctx, "uid", u.ID)
	h.sessions.Put(ctx, "epoch", u.Epoch)
	h.auditLogin(r, AuditLoginOK, u.Email, map[string]any{"ip": clientIP(r)})
	if p, ok := h.store.(sessionPurger); ok {
		if _, err := p.PurgeSessions(ctx); err != nil {
			h.log.Error("dashboard purge sessions", "err", err)
		}
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) auditLogin(r *http.Request, action, email string, after map[string]any) {
	var b json.RawMessage
	if after != nil {
		b, _ = json.Marshal(after)
	}
	if err := h.store.AppendAudit(r.Context(), Audit{Actor: email, Action: action, Subject: email, After: b, At: h.clock.Now()}); err != nil {
		h.log.Error("dashboard audit", "action", action, "err", err)
	}
}

func (h *Handler) logout(c *call) {
	c.h.auditLogin(c.r, AuditSignOut, c.user.Email, nil)
	if err := c.h.sessions.Destroy(c.ctx()); err != nil {
		c.internal(err)
		return
	}
	http.Redirect(c.w, c.r, "/login", http.StatusSeeOther)
}

func (h *Handler) home(c *call) {
	c.page("home", "home.title", nil, 0, "", "")
}
