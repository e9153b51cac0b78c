package dashboard

import (
	"context"
	"net/http"
)

// SessionFor signs u in without the login form (the route x role tests
// would otherwise spend an Argon2id hash per case) and returns the cookie
// value. It stores the session as a real sign-in does.
func (h *Handler) SessionFor(u User) (string, error) {
	ctx, err := h.sessions.Load(context.Background(), "")
	if err != nil {
		return "", err
	}
	h.sessions.Put(ctx, "uid", u.ID)
	h.sessions.Put(ctx, "epoch", u.Epoch)
	tok, _, err := h.sessions.Commit(ctx)
	return tok, err
}

// TokenFor is the form token that the session behind cookie gets for path.
func (h *Handler) TokenFor(cookie, path string) (string, error) {
	ctx, err := h.sessions.Load(context.Background(), cookie)
	if err != nil {
		return "", err
	}
	r := (&http.Request{}).WithContext(ctx)
	tok := h.Token(r, path)
	if _, _, err := h.sessions.Commit(ctx); err != nil { // keep a secret made just now
		return "", err
	}
	return tok, nil
}

// Catalogue exposes the message catalogue to the catalogue test.
func Catalogue() map[string]map[string]string { return messages }
