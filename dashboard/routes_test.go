package dashboard_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"clockface/dashboard"
)

// TestEveryRouteEveryRole walks every route the dashboard serves as every
// test user and anonymously, with every site for the site routes, and
// checks allowed against the permission table and the scope: allowed GETs
// answer 200, allowed POSTs anything but 403 and 5xx, everything else 403
// with the forbidden page; anonymous GETs go to the sign-in page.
func TestEveryRouteEveryRole(t *testing.T) {
	e := newEnv(t, "sqlite")
	routes := e.h.Routes()
	if len(routes) < 20 {
		t.Fatalf("Routes() lists %d routes, want every route (at least 20)", len(routes))
	}
	target := e.users["employee1"].ID
	forbidden := dashboard.T("en", "error.forbidden")
	names := []string{"anonymous"}
	for n := range testUsers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, rt := range routes {
		id := target
		if strings.HasPrefix(rt.Pattern, "/export/") {
			id = "x1" // the fake's export record
		}
		pattern := strings.NewReplacer("{id}", id, "{employee}", "E1", "{punch}", "p-E1-1").Replace(rt.Pattern)
		paths := []string{pattern}
		if rt.Site {
			paths = []string{strings.ReplaceAll(pattern, "{site}", "A"), strings.ReplaceAll(pattern, "{site}", "B")}
		}
		if rt.Pattern == "/static/" {
			paths = []string{"/static/style.css"}
		}
		if rt.Pattern == "/{$}" {
			paths = []string{"/"}
		}
		for _, path := range paths {
			for _, name := range names {
				t.Run(rt.Method+" "+path+" as "+name, func(t *testing.T) {
					var r resp
					cookie := ""
					if name != "anonymous" {
						cookie = e.session(name)
					}
					if rt.Method == "POST" {
						r = e.post(path, cookie, nil)
					} else {
						r = e.do("GET", path, cookie, nil)
					}
					checkHeaders(t, r)
					switch {
					case rt.Action == "":
						if rt.Method == "GET" && r.StatusCode != http.StatusOK {
							t.Fatalf("public %s: status %d, want 200", path, r.StatusCode)
						}
						if rt.Method == "POST" && r.StatusCode >= 500 {
							t.Fatalf("public %s: status %d", path, r.StatusCode)
						}
					case name == "anonymous":
						want := http.StatusForbidden
						if rt.Method == "GET" {
							want = http.StatusSeeOther
						}
						if r.StatusCode != want {
							t.Fatalf("anonymous: status %d, want %d", r.StatusCode, want)
						}
						if want == http.StatusSeeOther && r.Header.Get("Location") != "/login" {
							t.Fatalf("anonymous: Location %q, want /login", r.Header.Get("Location"))
						}
					default:
						site := ""
						if rt.Site {
							site = strings.Split(path, "/")[2] // /section/{site}/...
						}
						allowed := slices.Contains(wantActions[testUsers[name].role], rt.Action) &&
							!(name == "managerA" && site == "B")
						switch {
						case allowed && rt.Method == "GET" && r.StatusCode != http.StatusOK:
							t.Fatalf("allowed: status %d, want 200\n%s", r.StatusCode, r.body)
						case allowed && (r.StatusCode == http.StatusForbidden || r.StatusCode >= 500):
							t.Fatalf("allowed: status %d\n%s", r.StatusCode, r.body)
						case !allowed && (r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, forbidden)):
							t.Fatalf("forbidden: status %d, want 403 with %q", r.StatusCode, forbidden)
						}
					}
				})
			}
		}
	}
}

// wantActions is the permission table restated independently of
// roles.go, so a change there has to be made here too, on purpose.
var wantActions = map[dashboard.Role][]dashboard.Action{
	dashboard.RoleOwner: {dashboard.ActHome, dashboard.ActAccount, dashboard.ActManageUsers, dashboard.ActViewWhosIn,
		dashboard.ActViewTimesheet, dashboard.ActViewExceptions, dashboard.ActExport, dashboard.ActViewEmployees,
		dashboard.ActEditEmployees, dashboard.ActManageKiosks, dashboard.ActViewAudit, dashboard.ActEditPunches, dashboard.ActApprove, dashboard.ActLock},
	dashboard.RoleHR: {dashboard.ActHome, dashboard.ActAccount, dashboard.ActViewWhosIn, dashboard.ActViewTimesheet,
		dashboard.ActViewExceptions, dashboard.ActViewEmployees, dashboard.ActEditEmployees, dashboard.ActViewAudit,
		dashboard.ActEditPunches},
	dashboard.RolePayroll: {dashboard.ActHome, dashboard.ActAccount, dashboard.ActViewTimesheet,
		dashboard.ActViewExceptions, dashboard.ActExport, dashboard.ActLock},
	dashboard.RoleManager: {dashboard.ActHome, dashboard.ActAccount, dashboard.ActViewWhosIn, dashboard.ActViewTimesheet,
		dashboard.ActViewExceptions, dashboard.ActEditPunches, dashboard.ActApprove},
	dashboard.RoleEmployee: {dashboard.ActHome, dashboard.ActAccount, dashboard.ActMyTime},
}

// checkHeaders checks the security headers every response carries.
func checkHeaders(t *testing.T, r resp) {
	t.Helper()
	for h, want := range map[string]string{
		"Content-Security-Policy": dashboard.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
		"form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, " onclick=") {
		t.Errorf("page has inline script or style")
	}
}

// TestManagerScope: a manager of site A reads site A and is refused site
// B; a department manager's data calls carry their department.
func TestManagerScope(t *testing.T) {
	e := newEnv(t, "sqlite")
	a := e.session("managerA")
	for _, p := range []string{"/whos-in/B", "/timesheet/B", "/exceptions/B"} {
		if r := e.do("GET", p, a, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("managerA GET %s: status %d, want 403", p, r.StatusCode)
		}
	}
	r := e.do("GET", "/timesheet/A", a, nil)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "Ana Díaz") || strings.Contains(r.body, "Cy Okafor") {
		t.Errorf("managerA GET /timesheet/A: status %d; want site A's rows only", r.StatusCode)
	}
	if r := e.do("GET", "/whos-in", a, nil); strings.Contains(r.body, "/whos-in/B") || !strings.Contains(r.body, "/whos-in/A") {
		t.Errorf("managerA's site picker should list A and not B:\n%s", r.body)
	}
	d := e.session("managerD")
	r = e.do("GET", "/whos-in/B", d, nil)
	if got := e.data.filter(); !slices.Equal(got.Departments, []string{"kitchen"}) {
		t.Errorf("department manager's filter = %+v, want departments [kitchen]", got)
	}
	if !strings.Contains(r.body, "Cy Okafor") || strings.Contains(r.body, "Dee Long") {
		t.Errorf("department manager sees other departments:\n%s", r.body)
	}
	emp := e.session("employee1")
	e.do("GET", "/my-time", emp, nil)
	if got := e.data.filter(); got.Employee != "E1" {
		t.Errorf("employee's my-time asked for %q, want E1", got.Employee)
	}
}
