package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// ContentSecurityPolicy allows only the dashboard's own files: no inline
// script or style, no framing, forms post only to the hub.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.URL.Path != "/static/style.css" {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// csrfKey is the session's secret for form tokens, made on first use.
func (h *Handler) csrfKey(r *http.Request) []byte {
	ctx := r.Context()
	k := h.sessions.GetBytes(ctx, "csrf")
	if len(k) == 0 {
		k = make([]byte, 32)
		rand.Read(k)
		h.sessions.Put(ctx, "csrf", k)
	}
	return k
}

// Token is the form token for a POST to path: an HMAC of the path under
// the session's secret, so a token works only for its own form and only
// in the session that rendered it.
func (h *Handler) Token(r *http.Request, path string) string {
	m := hmac.New(sha256.New, h.csrfKey(r))
	m.Write([]byte(path))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkToken checks the posted form token against the request's path.
func (h *Handler) checkToken(r *http.Request) bool {
	if len(h.sessions.GetBytes(r.Context(), "csrf")) == 0 {
		return false
	}
	got := r.PostFormValue("csrf")
	want := h.Token(r, r.URL.Path)
	return hmac.Equal([]byte(got), []byte(want))
}
