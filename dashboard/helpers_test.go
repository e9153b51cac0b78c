package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/dashboard"
	"clockface/dashboard/store"
	"clockface/internal/clocktest"
	"clockface/internal/pgtest"
)

// t0 is near the real time: scs stamps session expiry with the wall clock,
// and the store compares it with the test clock.
func newClock() *clocktest.Clock { return clocktest.New(time.Now().UTC().Truncate(time.Second)) }

// backends are the two stores every store-facing test runs on.
var backends = []string{"sqlite", "postgres"}

func openStore(t *testing.T, kind string, clock *clocktest.Clock) *store.SQL {
	t.Helper()
	ctx := context.Background()
	var (
		st  *store.SQL
		err error
	)
	switch kind {
	case "sqlite":
		st, err = store.Open(ctx, filepath.Join(t.TempDir(), "hub.db"), "", clock)
	case "postgres":
		schema := pgtest.Schema(t, "dash")
		st, err = store.Open(ctx, pgtest.URL(), schema, clock)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// env is a dashboard on a real store, with a user per role.
type env struct {
	t     *testing.T
	st    *store.SQL
	h     *dashboard.Handler
	clock *clocktest.Clock
	users map[string]dashboard.User
	data  *fakeData
}

const testPassword = "correct horse battery"

// testUsers are the users every env has, by name.
var testUsers = map[string]struct {
	role  dashboard.Role
	scope dashboard.Scope
}{
	"owner":     {dashboard.RoleOwner, dashboard.Scope{}},
	"hr":        {dashboard.RoleHR, dashboard.Scope{}},
	"payroll":   {dashboard.RolePayroll, dashboard.Scope{}},
	"managerA":  {dashboard.RoleManager, dashboard.Scope{Sites: []string{"A"}}},
	"managerD":  {dashboard.RoleManager, dashboard.Scope{Departments: []string{"kitchen"}}},
	"employee1": {dashboard.RoleEmployee, dashboard.Scope{Employee: "E1"}},
}

var passwordHash string

func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	clock := newClock()
	e := &env{t: t, st: openStore(t, kind, clock), clock: clock, users: map[string]dashboard.User{}, data: newFakeData()}
	if passwordHash == "" {
		h, err := dashboard.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		passwordHash = h
	}
	for name, tu := range testUsers {
		u, err := e.st.AddUser(context.Background(), dashboard.User{Email: name + "@example.com", Role: tu.role,
			Scope: tu.scope, Lang: "en", PasswordHash: passwordHash}, dashboard.Audit{Actor: "test", Action: dashboard.AuditUserAdded})
		if err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
		e.users[name] = u
	}
	h, err := dashboard.New(dashboard.Config{Store: e.st, Clock: clock, Data: e.data.Data()})
	if err != nil {
		t.Fatalf("dashboard.New: %v", err)
	}
	e.h = h
	return e
}

// session signs a user in and returns their cookie value.
func (e *env) session(name string) string {
	e.t.Helper()
	u, err := e.st.UserByID(context.Background(), e.users[name].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.h.SessionFor(u)
	if err != nil {
		e.t.Fatalf("session for %s: %v", name, err)
	}
	return c
}

func (e *env) token(cookie, path string) string {
	e.t.Helper()
	tok, err := e.h.TokenFor(cookie, path)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// resp is a served response with its body read.
type resp struct {
	*http.Response
	body string
}

// do serves one request. cookie "" is anonymous; form nil is a GET.
func (e *env) do(method, path, cookie string, form url.Values, hdr ...string) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, "https://hub.example"+path, body)
	r.RemoteAddr = "192.0.2.10:4444"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: dashboard.CookieName, Value: cookie})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return resp{res, string(b)}
}

// post posts form to path with the session's valid token for it.
func (e *env) post(path, cookie string, form url.Values, hdr ...string) resp {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", e.token(cookie, path))
	return e.do("POST", path, cookie, form, hdr...)
}

// sessionCookie returns the session cookie a response set, or nil.
func sessionCookie(r resp) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == dashboard.CookieName {
			return c
		}
	}
	return nil
}
