package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"clockface/dashboard"
	"clockface/dashboard/store"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login signs in through the real form: GET /login for the cookie and the
// form token, then POST. It returns the POST's response and the cookie the
// browser holds afterwards.
func (e *env) login(email, password string, hdr ...string) (resp, string) {
	e.t.Helper()
	g := e.do("GET", "/login", "", nil, hdr...)
	c := sessionCookie(g)
	m := csrfField.FindStringSubmatch(g.body)
	if c == nil || m == nil {
		e.t.Fatalf("GET /login: no session cookie or form token (status %d)", g.StatusCode)
	}
	r := e.do("POST", "/login", c.Value, url.Values{"email": {email}, "password": {password}, "csrf": {m[1]}}, hdr...)
	cookie := c.Value
	if nc := sessionCookie(r); nc != nil {
		cookie = nc.Value
	}
	return r, cookie
}

func TestLoginCookieAttributes(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			r, cookie := e.login("Owner@Example.com", testPassword)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Fatalf("login: status %d Location %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
			}
			raw := r.Header.Values("Set-Cookie")
			if len(raw) != 1 {
				t.Fatalf("Set-Cookie = %q, want one cookie", raw)
			}
			c := sessionCookie(r)
			if c.Name != "__Host-clockface" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %q: want __Host-clockface, HttpOnly, Secure, SameSite=Strict, Path=/, no Domain", raw[0])
			}
			if strings.Contains(strings.ToLower(raw[0]), "expires") || strings.Contains(strings.ToLower(raw[0]), "max-age") {
				t.Errorf("cookie %q: a session cookie has no Expires or Max-Age", raw[0])
			}
			if home := e.do("GET", "/", cookie, nil); home.StatusCode != http.StatusOK || !strings.Contains(home.body, "owner@example.com") {
				t.Errorf("home after login: status %d", home.StatusCode)
			}
			// The token changes at sign-in: the pre-login cookie is useless.
			g := e.do("GET", "/login", "", nil)
			pre := sessionCookie(g).Value
			m := csrfField.FindStringSubmatch(g.body)
			r = e.do("POST", "/login", pre, url.Values{"email": {"owner@example.com"}, "password": {testPassword}, "csrf": {m[1]}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("second login: status %d", r.StatusCode)
			}
			if got := e.do("GET", "/", pre, nil); got.StatusCode != http.StatusSeeOther {
				t.Errorf("pre-login token still signs in after login: status %d (session fixation)", got.StatusCode)
			}
		})
	}
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.session("owner")
	csrfText := dashboard.T("en", "error.csrf")
	cases := []struct {
		name  string
		form  url.Values
		hdr   []string
		token bool
	}{
		{"no token", url.Values{"lang": {"es"}}, nil, false},
		{"another form's token", url.Values{"lang": {"es"}, "csrf": {e.token(c, "/users")}}, nil, false},
		{"a token from another session", url.Values{"lang": {"es"}, "csrf": {e.token(e.session("owner"), "/account/language")}}, nil, false},
		{"cross-site with a valid token", url.Values{"lang": {"es"}}, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, true},
		{"other origin, no fetch metadata", url.Values{"lang": {"es"}}, []string{"Origin", "https://evil.example"}, true},
		{"same-site other origin", url.Values{"lang": {"es"}}, []string{"Sec-Fetch-Site", "same-site", "Origin", "https://other.hub.example"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r resp
			if tc.token {
				r = e.post("/account/language", c, tc.form, tc.hdr...)
			} else {
				r = e.do("POST", "/account/language", c, tc.form, tc.hdr...)
			}
			if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, csrfText) {
				t.Fatalf("status %d, want 403 with %q", r.StatusCode, csrfText)
			}
			u, _ := e.st.UserByID(context.Background(), e.users["owner"].ID)
			if u.Lang != "en" {
				t.Fatalf("language changed to %q by a refused POST", u.Lang)
			}
		})
	}
	// The same form with its token, same origin: accepted.
	r := e.post("/account/language", c, url.Values{"lang": {"es"}}, "Sec-Fetch-Site", "same-origin", "Origin", "https://hub.example")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, dashboard.T("es", "account.lang.saved")) {
		t.Fatalf("valid POST: status %d, want 200 in Spanish", r.StatusCode)
	}
	// Sign-in without the form's token is refused too (login CSRF).
	g := e.do("GET", "/login", "", nil)
	r = e.do("POST", "/login", sessionCookie(g).Value, url.Values{"email": {"owner@example.com"}, "password": {testPassword}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("login without token: status %d, want 403", r.StatusCode)
	}
	if r := e.do("GET", "/", sessionCookie(g).Value, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login without token signed in: GET / status %d, want 303", r.StatusCode)
	}
}

func TestLockout(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			for i := range dashboard.AccountFailureLimit {
				if r, _ := e.login("hr@example.com", "wrong password "+string(rune('a'+i))); r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d: status %d, want 401", i+1, r.StatusCode)
				}
			}
			r, _ := e.login("hr@example.com", testPassword)
			if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.body, dashboard.T("en", "login.locked")) {
				t.Fatalf("right password while locked: status %d, want 429", r.StatusCode)
			}
			// Another account from the same IP is not locked by hr's failures.
			if r, _ := e.login("owner@example.com", testPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("other account: status %d, want 303", r.StatusCode)
			}
			e.clock.Add(dashboard.AccountLock + time.Second)
			if r, _ := e.login("hr@example.com", testPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("after the lock: status %d, want 303", r.StatusCode)
			}
			// Per IP: failures across many (unknown) accounts lock the IP
			// for everyone behind it, and only that IP.
			for i := range dashboard.IPFailureLimit {
				e.login("nobody"+string(rune('a'+i))+"@example.com", "x")
			}
			if r, _ := e.login("payroll@example.com", testPassword); r.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("locked IP: status %d, want 429", r.StatusCode)
			}
			if r, _ := e.login("payroll@example.com", testPassword, "X-Test-IP", "other"); r.StatusCode != http.StatusTooManyRequests {
				// RemoteAddr is fixed in these tests, so the header changes nothing.
				t.Fatalf("locked IP with a spoofed header: status %d, want 429", r.StatusCode)
			}
			es, _ := e.st.AuditEntries(context.Background(), 100)
			counts := map[string]int{}
			for _, a := range es {
				counts[a.Action]++
			}
			if counts[dashboard.AuditLoginFailed] < dashboard.AccountFailureLimit+dashboard.IPFailureLimit || counts[dashboard.AuditLoginLocked] < 2 || counts[dashboard.AuditLoginOK] < 2 {
				t.Errorf("audit counts %v: want every failed, locked and good login recorded", counts)
			}
		})
	}
}

func TestSignOutEverywhereAndIdleTimeout(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, phone := e.login("managerA@example.com", testPassword)
	_, laptop := e.login("managerA@example.com", testPassword)
	if r := e.post("/account/sign-out-everywhere", laptop, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: status %d", r.StatusCode)
	}
	for name, c := range map[string]string{"phone": phone, "laptop": laptop} {
		if r := e.do("GET", "/", c, nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("%s after sign out everywhere: status %d, want 303 to /login", name, r.StatusCode)
		}
	}
	// A plain sign-out ends that session only.
	_, a := e.login("managerA@example.com", testPassword)
	_, b := e.login("managerA@example.com", testPassword)
	e.post("/logout", a, nil)
	if r := e.do("GET", "/", a, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("signed-out session: status %d, want 303", r.StatusCode)
	}
	if r := e.do("GET", "/", b, nil); r.StatusCode != http.StatusOK {
		t.Errorf("other session after a plain sign-out: status %d, want 200", r.StatusCode)
	}
	// Idle timeout (last: the test clock then runs ahead of scs's wall-clock
	// expiry stamps): a session unused for IdleTimeout is gone, a used one lives.
	_, c := e.login("managerA@example.com", testPassword)
	e.clock.Add(dashboard.IdleTimeout - time.Minute)
	if r := e.do("GET", "/", c, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("before the idle timeout: status %d", r.StatusCode)
	}
	e.clock.Add(dashboard.IdleTimeout + time.Second)
	if r := e.do("GET", "/", c, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle timeout: status %d, want 303", r.StatusCode)
	}
}

func TestPasswordChange(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, other := e.login("hr@example.com", testPassword)
	_, c := e.login("hr@example.com", testPassword)
	if r := e.post("/account/password", c, url.Values{"current": {"nope"}, "new": {"a much longer secret"}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong current password: status %d, want 400", r.StatusCode)
	}
	if r := e.post("/account/password", c, url.Values{"current": {testPassword}, "new": {"short"}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("short new password: status %d, want 400", r.StatusCode)
	}
	r := e.post("/account/password", c, url.Values{"current": {testPassword}, "new": {"a much longer secret"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("password change: status %d", r.StatusCode)
	}
	if nc := sessionCookie(r); nc != nil {
		c = nc.Value
	}
	if r := e.do("GET", "/", c, nil); r.StatusCode != http.StatusOK {
		t.Errorf("this session after the change: status %d, want 200", r.StatusCode)
	}
	if r := e.do("GET", "/", other, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("other session after the change: status %d, want 303", r.StatusCode)
	}
	if r, _ := e.login("hr@example.com", "a much longer secret"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("login with the new password: status %d", r.StatusCode)
	}
	u, _ := e.st.UserByEmail(context.Background(), "hr@example.com")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("hash %q: want Argon2id m=47104,t=1,p=1", u.PasswordHash[:30])
	}
}

func TestAddUserAndRole(t *testing.T) {
	e := newEnv(t, "postgres")
	c := e.session("owner")
	bad := []struct {
		name string
		form url.Values
		want int
	}{
		{"bad email", url.Values{"email": {"not-an-email"}, "role": {"hr"}, "password": {"long enough secret"}}, 400},
		{"unknown role", url.Values{"email": {"x@example.com"}, "role": {"boss"}, "password": {"long enough secret"}}, 400},
		{"manager without scope", url.Values{"email": {"x@example.com"}, "role": {"manager"}, "password": {"long enough secret"}}, 400},
		{"employee without number", url.Values{"email": {"x@example.com"}, "role": {"employee"}, "password": {"long enough secret"}}, 400},
		{"short password", url.Values{"email": {"x@example.com"}, "role": {"hr"}, "password": {"short"}}, 400},
		{"taken email", url.Values{"email": {"HR@example.com"}, "role": {"hr"}, "password": {"long enough secret"}}, 409},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post("/users", c, tc.form)
			if r.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.want)
			}
			if !strings.Contains(r.body, `value="`+tc.form.Get("email")+`"`) {
				t.Errorf("the refused form lost what was typed")
			}
			if _, err := e.st.UserByEmail(context.Background(), "x@example.com"); !errors.Is(err, dashboard.ErrNotFound) {
				t.Errorf("a refused form stored a user (err %v)", err)
			}
		})
	}
	r := e.post("/users", c, url.Values{"email": {"New.Manager@example.com"}, "role": {"manager"}, "sites": {"A, B"},
		"departments": {""}, "lang": {"es"}, "password": {"long enough secret"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add manager: status %d\n%s", r.StatusCode, r.body)
	}
	u, err := e.st.UserByEmail(context.Background(), "new.manager@example.com")
	if err != nil || u.Role != dashboard.RoleManager || strings.Join(u.Scope.Sites, ",") != "A,B" || u.Lang != "es" {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	r = e.post("/users/"+u.ID+"/role", c, url.Values{"role": {"manager"}, "sites": {"A"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set role: status %d", r.StatusCode)
	}
	if r := e.post("/users/"+e.users["owner"].ID+"/role", c, url.Values{"role": {"hr"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("owner demoting themself: status %d, want 400", r.StatusCode)
	}
	es, _ := e.st.AuditEntries(context.Background(), 1)
	if es[0].Action != dashboard.AuditRoleChanged || es[0].Actor != "owner@example.com" || !strings.Contains(string(es[0].Before), `"A","B"`) ||
		!strings.Contains(string(es[0].After), `"sites":["A"]`) || strings.Contains(string(es[0].After), "argon2") {
		t.Errorf("role change audit %+v: want actor, before and after scope, no hash", es[0])
	}
	if n, err := e.st.VerifyAudit(context.Background()); err != nil || n < 8 {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}

func TestAuditPageVerifiesAndFindsTampering(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.session("owner")
	r := e.post("/audit/verify", c, nil)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, dashboard.T("en", "audit.ok")) {
		t.Fatalf("verify: status %d, want the chain verified", r.StatusCode)
	}
	if _, err := e.st.DB().Exec(`UPDATE dashboard_audit SET actor = 'someone else' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	r = e.post("/audit/verify", c, nil)
	if !strings.Contains(r.body, dashboard.T("en", "audit.broken")) || !strings.Contains(r.body, "entry 2") {
		t.Fatalf("verify after tampering: want the broken chain named at entry 2\n%s", r.body)
	}
	if _, err := e.st.VerifyAudit(context.Background()); !errors.Is(err, store.ErrAuditBroken) {
		t.Fatalf("VerifyAudit after tampering = %v, want ErrAuditBroken", err)
	}
}

func TestCatalogueComplete(t *testing.T) {
	for key, m := range dashboard.Catalogue() {
		for _, l := range dashboard.Languages {
			if strings.TrimSpace(m[l]) == "" {
				t.Errorf("message %q has no %s text", key, l)
			}
		}
	}
	e := newEnv(t, "sqlite")
	c := e.session("employee1")
	e.post("/account/language", c, url.Values{"lang": {"es"}})
	r := e.do("GET", "/my-time", c, nil)
	for _, want := range []string{`lang="es"`, dashboard.T("es", "mytime.held"), dashboard.T("es", "nav.signout"), "<del>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("Spanish my-time page lacks %q", want)
		}
	}
}
