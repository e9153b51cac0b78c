package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"clockface/dashboard"
)

// TestKioskAndRequestActions: a pairing code is shown once on a page no
// cache keeps; revoking, deciding a request and asking for one need their
// fields (400, nothing done); a manager may decide only a request their
// scope sees (404 otherwise); accepted actions reach the hub with the
// user as actor.
func TestKioskAndRequestActions(t *testing.T) {
	e := newEnv(t, "sqlite")
	tests := []struct {
		name, user, path string
		form             url.Values
		wantStatus       int
		wantText         string
		wantChange       string // What of the change made, "" for none
	}{
		{"pair", "hr", "/kiosks/pair", nil, http.StatusOK, "ABCD-EFGH-JKLM", "pair"},
		{"re-pair", "owner", "/kiosks/kiosk-B/repair", nil, http.StatusOK, "ABCD-EFGH-JKLM", "pair"},
		{"re-pair an unknown kiosk", "owner", "/kiosks/kiosk-Z/repair", nil, http.StatusNotFound, "kiosk-Z", ""},
		{"revoke without a reason", "owner", "/kiosks/kiosk-A/revoke", url.Values{"reason": {"  "}},
			http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"revoke", "hr", "/kiosks/kiosk-A/revoke", url.Values{"reason": {"stolen"}}, http.StatusSeeOther, "", "revoke"},
		{"add a bad site", "owner", "/sites/add", url.Values{"id": {"n"}, "name": {" "}}, http.StatusBadRequest, "a site needs an id and a name", ""},
		{"place", "hr", "/employees/E3/placement", url.Values{"site": {"B"}, "department": {"kitchen"}}, http.StatusSeeOther, "", "placement"},
		{"ask without a note", "employee1", "/my-time/request", url.Values{"kind": {"out"}, "at": {"2026-11-18T16:00"}},
			http.StatusBadRequest, dashboard.T("en", "requests.note_required"), ""},
		{"ask with a bad time", "employee1", "/my-time/request", url.Values{"kind": {"out"}, "at": {"4 pm"}, "note": {"x"}},
			http.StatusBadRequest, dashboard.T("en", "punches.bad_time"), ""},
		{"ask", "employee1", "/my-time/request", url.Values{"kind": {"out"}, "at": {"2026-11-18T16:00"}, "note": {"forgot"}},
			http.StatusSeeOther, "", "request"},
		{"resolve without a reason", "managerA", "/exceptions/A/request/7/resolve", url.Values{"at": {"2026-11-16T17:00"}, "date": {"2026-11-16"}},
			http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"resolve out of scope", "managerD", "/exceptions/B/request/7/resolve", url.Values{"at": {"2026-11-16T17:00"}, "reason": {"ok"}, "date": {"2026-11-16"}},
			http.StatusNotFound, "request 7", ""},
		{"resolve", "managerA", "/exceptions/A/request/7/resolve", url.Values{"at": {"2026-11-16T17:00"}, "reason": {"ok"}, "date": {"2026-11-16"}},
			http.StatusSeeOther, "", "request.resolve"},
		{"reject", "hr", "/exceptions/A/request/7/reject", url.Values{"reason": {"no record of it"}}, http.StatusSeeOther, "", "request.reject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.data.taken())
			r := e.post(tc.path, e.session(tc.user), tc.form)
			if r.StatusCode != tc.wantStatus || !strings.Contains(r.body, tc.wantText) {
				t.Fatalf("got %d, want %d with %q\n%s", r.StatusCode, tc.wantStatus, tc.wantText, r.body)
			}
			changes := e.data.taken()[before:]
			switch {
			case tc.wantChange == "" && len(changes) > 0:
				t.Errorf("refused, yet changed %+v", changes)
			case tc.wantChange != "" && (len(changes) != 1 || changes[0].What != tc.wantChange || changes[0].Actor != e.users[tc.user].Email):
				t.Errorf("changes %+v, want one %s by %s", changes, tc.wantChange, e.users[tc.user].Email)
			}
			if strings.Contains(r.body, "ABCD-EFGH-JKLM") && r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("the page with the pairing code has Cache-Control %q, want no-store", r.Header.Get("Cache-Control"))
			}
		})
	}
	if r := e.do("GET", "/kiosks", e.session("owner"), nil); strings.Contains(r.body, "ABCD-EFGH-JKLM") {
		t.Errorf("the kiosks page shows a pairing code again")
	}
	r := e.do("GET", "/exceptions/A", e.session("payroll"), nil)
	if !strings.Contains(r.body, "forgot to clock out at 17:00") || strings.Contains(r.body, "/request/7/resolve") {
		t.Errorf("payroll should see the request without the forms to decide it")
	}
}
