// Package dashboard is the employer's web dashboard on the hub: users and
// roles, sign-in with throttling and lockout, sessions in the hub
// database, and the screens of who's in, timesheets, exceptions, export,
// employees, kiosks, audit and an employee's own time.
//
// It is server-rendered (net/http ServeMux patterns, html/template) and
// works with JavaScript off; every change is a POST protected by
// http.CrossOriginProtection and a per-form token bound to the session.
// Every route names one Action, and the permission table (roles.go) is
// checked on the server before the handler runs; routes that take a site
// also check the user's Scope. The dashboard depends only on the
// interfaces it declares: Store (its own users, sessions, throttle and
// audit, implemented in dashboard/store) and Data (the hub's records,
// data.go).
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/alexedwards/scs/v2"

	"clockface"
)

//go:embed templates/*.html static/*
var assets embed.FS

// CookieName is the session cookie. The __Host- prefix makes the browser
// insist on Secure, Path=/ and no Domain.
const CookieName = "__Host-clockface"

// Session limits.
const (
	// IdleTimeout ends a session after this long without a request.
	IdleTimeout = 30 * time.Minute
	// SessionLifetime ends a session this long after sign-in, however busy.
	SessionLifetime = 12 * time.Hour
)

// Login throttling: failures counted per account (email, known or not)
// and per client IP within a window; reaching the limit locks that key.
const (
	AccountFailureLimit = 5
	AccountWindow       = 15 * time.Minute
	AccountLock         = 15 * time.Minute
	IPFailureLimit      = 20
	IPWindow            = 15 * time.Minute
	IPLock              = 30 * time.Minute
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// PasswordParams are the Argon2id parameters for passwords: OWASP's first
// recommended set (46 MiB, 1 pass, 1 lane), 16-byte salt, 32-byte key.
// The parameters are stored with each hash, so raising them later leaves
// old hashes verifiable.
var PasswordParams = argon2id.Params{Memory: 46 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword checks a new password's length and returns its Argon2id hash.
func HashPassword(pw string) (string, error) {
	if len([]rune(pw)) < MinPasswordLen {
		return "", fmt.Errorf("password too short: at least %d characters", MinPasswordLen)
	}
	h, err := argon2id.CreateHash(pw, &PasswordParams)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// Config is what New needs.
type Config struct {
	Store Store
	Data  Data
	Clock clockface.Clock
	Log   *slog.Logger
}

// Handler serves the dashboard.
type Handler struct {
	store    Store
	data     Data
	clock    clockface.Clock
	log      *slog.Logger
	sessions *scs.SessionManager
	pages    map[string]*pageTemplate
	routes   []Route
	dummy    string // a hash to compare against when the email is unknown
	root     http.Handler
}

// Route is one of the dashboard's routes, for the route x role tests.
type Route struct {
	Method, Pattern string
	Action          Action // "" for the public routes (sign-in, static files)
	// Site says the path has a {site} segment checked against the scope.
	Site bool
}

// New builds the dashboard handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("dashboard: Store and Clock are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: cfg.Store, data: cfg.Data, clock: cfg.Clock, log: cfg.Log}
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.dummy, err = argon2id.CreateHash("not a password of anyone", &PasswordParams); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	sm := scs.New()
	sm.Store = cfg.Store
	sm.IdleTimeout = IdleTimeout
	sm.Lifetime = SessionLifetime
	sm.HashTokenInStore = true
	sm.Cookie = scs.SessionCookie{Name: CookieName, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, Persist: false}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		h.log.Error("dashboard session", "err", err)
		http.Error(w, "session store unavailable", http.StatusInternalServerError)
	}
	h.sessions = sm

	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	h.handle(mux, Route{Method: "GET", Pattern: "/static/"}, nil)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	h.public(mux, "GET /login", h.loginForm)
	h.public(mux, "POST /login", h.login)
	h.handle(mux, Route{Method: "POST", Pattern: "/logout", Action: ActHome}, h.logout)
	h.handle(mux, Route{Method: "GET", Pattern: "/{$}", Action: ActHome}, h.home)
	h.accountRoutes(mux)
	h.userRoutes(mux)
	h.dataRoutes(mux)
	h.employeeRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, "error.csrf")
	}))
	h.root = securityHeaders(cop.Handler(sm.LoadAndSave(mux)))
	return h, nil
}

// ServeHTTP serves the dashboard.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Routes lists every route the dashboard serves.
func (h *Handler) Routes() []Route { return h.routes }

// sessionPurger is a Store that can delete expired sessions; the dashboard
// calls it after each sign-in (it starts no goroutine of its own).
type sessionPurger interface {
	PurgeSessions(ctx context.Context) (int64, error)
}

func (h *Handler) public(mux *http.ServeMux, pattern string, f http.HandlerFunc) {
	var m, p string
	fmt.Sscanf(pattern, "%s %s", &m, &p)
	h.routes = append(h.routes, Route{Method: m, Pattern: p})
	mux.HandleFunc(pattern, f)
}

// handle registers a route whose handler runs only for a signed-in user
// whose role may take rt.Action (and, with rt.Site, whose scope allows the
// {site}); a POST must also carry the form's token.
func (h *Handler) handle(mux *http.ServeMux, rt Route, f func(*call)) {
	h.routes = append(h.routes, rt)
	if f == nil {
		return
	}
	mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{h: h, w: w, r: r, lang: pickLang(r.Header.Get("Accept-Language"))}
		u, ok := h.currentUser(c)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			h.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		c.user, c.lang = &u, pickLang(u.Lang)
		if r.Method == http.MethodPost && !h.checkToken(r) {
			h.failFor(c, http.StatusForbidden, "error.csrf")
			return
		}
		if !Can(u.Role, rt.Action) || (rt.Site && !u.Scope.AllowsSite(u.Role, r.PathValue("site"))) {
			h.failFor(c, http.StatusForbidden, "error.forbidden")
			return
		}
		f(c)
	})
}

// currentUser loads the session's user; a session from an older epoch
// (sign out everywhere, password change) or of a deleted user is ended.
func (h *Handler) currentUser(c *call) (User, bool) {
	ctx := c.r.Context()
	id := h.sessions.GetString(ctx, "uid")
	if id == "" {
		return User{}, false
	}
	u, err := h.store.UserByID(ctx, id)
	if err != nil || u.Epoch != h.sessions.GetInt64(ctx, "epoch") {
		h.sessions.Destroy(ctx)
		return User{}, false
	}
	return u, true
}

// call is one request to a signed-in route.
type call struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	user *User
	lang string
}

func (c *call) ctx() context.Context { return c.r.Context() }

// actor is how the audit names the user.
func (c *call) actor() string { return c.user.Email }

// filter narrows data screens to the user's scope.
func (c *call) filter() Filter {
	return Filter{Departments: c.user.Scope.Departments, Employee: c.user.Scope.Employee}
}

// internal logs err and answers 500 without detail.
func (c *call) internal(err error) {
	c.h.log.Error("dashboard", "path", c.r.URL.Path, "err", err)
	c.h.failFor(c, http.StatusInternalServerError, "error.internal")
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
