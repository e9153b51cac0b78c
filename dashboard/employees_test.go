package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"clockface"
	"clockface/dashboard"
)

// ChangeStatus is the fake's EmployeeControl: E3 is terminated already,
// E9 is not in the directory.
func (f *fakeData) ChangeStatus(_ context.Context, number, action, reason, actor string) error {
	switch number {
	case "E3":
		return fmt.Errorf("%s E3: %w", action, dashboard.ErrTerminatedFinal)
	case "E9":
		return fmt.Errorf("%s E9: %w", action, clockface.ErrUnknownEmployee)
	}
	f.record(change{What: action, Subject: number, Reason: reason, Actor: actor})
	return nil
}

// TestEmployeeActions: terminate, restrict and lift a restriction need a
// reason (400, nothing changed), a change after a termination is refused
// (409), an unknown employee is 404, and an accepted change reaches the
// hub with its reason and the user as actor.
func TestEmployeeActions(t *testing.T) {
	e := newEnv(t, "sqlite")
	hr := e.session("hr")
	tests := []struct {
		name, path string
		form       url.Values
		wantStatus int
		wantText   string
		wantChange string
	}{
		{"terminate without reason", "/employees/E1/terminate", nil, http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"restrict with a blank reason", "/employees/E1/restrict", url.Values{"reason": {"  "}}, http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"reason too long", "/employees/E1/restrict", url.Values{"reason": {strings.Repeat("x", 501)}}, http.StatusBadRequest, dashboard.T("en", "punches.reason_long"), ""},
		{"after termination", "/employees/E3/restrict", url.Values{"reason": {"look-alike"}}, http.StatusConflict, dashboard.T("en", "employees.final"), ""},
		{"unknown employee", "/employees/E9/terminate", url.Values{"reason": {"left"}}, http.StatusNotFound, dashboard.T("en", "error.notfound"), ""},
		{"terminate", "/employees/E1/terminate", url.Values{"reason": {"left the company"}}, http.StatusSeeOther, "", "terminate E1 left the company hr@example.com"},
		{"restrict", "/employees/E2/restrict", url.Values{"reason": {"look-alike"}}, http.StatusSeeOther, "", "restrict E2 look-alike hr@example.com"},
		{"unrestrict", "/employees/E2/unrestrict", url.Values{"reason": {"re-enrolled"}}, http.StatusSeeOther, "", "unrestrict E2 re-enrolled hr@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.data.taken())
			r := e.post(tc.path, hr, tc.form)
			if r.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tc.wantStatus, r.body)
			}
			if tc.wantText != "" && !strings.Contains(r.body, html.EscapeString(tc.wantText)) {
				t.Errorf("page lacks %q", tc.wantText)
			}
			got := e.data.taken()[before:]
			if tc.wantChange == "" {
				if len(got) != 0 {
					t.Errorf("refused form changed %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d changes, want 1", len(got))
			}
			if s := strings.Join([]string{got[0].What, got[0].Subject, got[0].Reason, got[0].Actor}, " "); s != tc.wantChange {
				t.Errorf("got change %q, want %q", s, tc.wantChange)
			}
			if loc := r.Header.Get("Location"); loc != "/employees?done=1" {
				t.Errorf("redirect to %q, want /employees?done=1", loc)
			}
		})
	}
}
