package dashboard_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"clockface/dashboard"
)

// TestPunchActions: every change needs a reason (refused with 400, the
// form kept and nothing changed), a punch must be the path's employee's,
// and an accepted change reaches the editor with its reason and actor.
func TestPunchActions(t *testing.T) {
	e := newEnv(t, "sqlite")
	hr := e.session("hr")
	base := "/timesheet/A/employee/E1"
	tests := []struct {
		name, path string
		form       url.Values
		wantStatus int
		wantText   string
		wantChange string
	}{
		{"correct without reason", base + "/punch/p-E1-1/correct", url.Values{"at": {"2026-11-16T08:00"}, "date": {"2026-11-16"}},
			http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"correct with blank reason", base + "/punch/p-E1-1/correct", url.Values{"at": {"2026-11-16T08:00"}, "reason": {"   "}},
			http.StatusBadRequest, dashboard.T("en", "punches.reason_required"), ""},
		{"correct with a bad time", base + "/punch/p-E1-1/correct", url.Values{"at": {"8 am"}, "reason": {"late bus"}},
			http.StatusBadRequest, dashboard.T("en", "punches.bad_time"), ""},
		{"void another's punch", base + "/punch/p-E2-1/void", url.Values{"reason": {"x"}},
			http.StatusNotFound, dashboard.T("en", "error.notfound"), ""},
		{"add with an unknown kind", base + "/add", url.Values{"kind": {"lunch"}, "at": {"2026-11-16T08:00"}, "reason": {"forgot"}},
			http.StatusBadRequest, dashboard.T("en", "punches.bad_kind"), ""},
		{"add keeps the form when refused", base + "/add", url.Values{"kind": {"in"}, "at": {"2026-11-16T08:00"}},
			http.StatusBadRequest, `value="2026-11-16T08:00"`, ""},
		{"correct", base + "/punch/p-E1-1/correct", url.Values{"at": {"2026-11-16T07:55"}, "reason": {"badge reader down"}, "date": {"2026-11-16"}},
			http.StatusSeeOther, "", "correct p-E1-1 badge reader down hr@example.com"},
		{"void", base + "/punch/p-E1-2/void", url.Values{"reason": {"pressed twice"}, "date": {"2026-11-16"}},
			http.StatusSeeOther, "", "void p-E1-2 pressed twice hr@example.com"},
		{"add", base + "/add", url.Values{"kind": {"out"}, "at": {"2026-11-16T17:00"}, "reason": {"forgot to clock out"}, "date": {"2026-11-16"}},
			http.StatusSeeOther, "", "add out E1 forgot to clock out hr@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.data.taken())
			r := e.post(tc.path, hr, tc.form)
			if r.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, tc.wantStatus, r.body)
			}
			if tc.wantText != "" && !strings.Contains(r.body, tc.wantText) && !strings.Contains(r.body, html.EscapeString(tc.wantText)) {
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
			c := got[0]
			if s := strings.Join([]string{c.What, c.Subject, c.Reason, c.Actor}, " "); s != tc.wantChange {
				t.Errorf("got change %q, want %q", s, tc.wantChange)
			}
		})
	}
	// The corrected time is read in the period's zone.
	for _, c := range e.data.taken() {
		if c.What == "correct" {
			if want := time.Date(2026, 11, 16, 7, 55, 0, 0, time.UTC); !c.At.Equal(want) {
				t.Errorf("corrected to %v, want %v", c.At, want)
			}
		}
	}
	// The page strikes through the original and the voided punch, naming
	// who changed them, when and why.
	page := e.do("GET", base+"?date=2026-11-16", hr, nil)
	for _, want := range []string{`<del class="original">2026-11-16 07:53</del> 2026-11-16 08:00`, "badge reader down",
		"hr@example.com · 2026-11-17 08:00", "<del>2026-11-16 17:00</del>", "pressed twice"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("punch page lacks %q", want)
		}
	}
}

// TestPeriodActions: a manager approves, payroll locks and exports; each
// reaches its source with the actor; the roles that may not are refused.
func TestPeriodActions(t *testing.T) {
	e := newEnv(t, "sqlite")
	mgr, pay := e.session("managerA"), e.session("payroll")
	if r := e.post("/timesheet/A/employee/E1/approve", mgr, url.Values{"date": {"2026-11-16"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("manager approve: status %d\n%s", r.StatusCode, r.body)
	}
	if r := e.post("/timesheet/A/employee/E1/approve", pay, url.Values{"date": {"2026-11-16"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("payroll approve: status %d, want 403", r.StatusCode)
	}
	if r := e.post("/periods/lock", mgr, url.Values{"date": {"2026-11-16"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("manager lock: status %d, want 403", r.StatusCode)
	}
	r := e.post("/periods/lock", pay, url.Values{"date": {"2026-11-16"}, "back": {"//evil.example/x"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/timesheet?") {
		t.Errorf("payroll lock: status %d to %q, want 303 to /timesheet", r.StatusCode, r.Header.Get("Location"))
	}
	if r := e.post("/export/preview", pay, url.Values{"date": {"2026-11-16"}, "format": {"adp"}}); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "82:00") {
		t.Errorf("preview: status %d, want 200 with the total 82:00", r.StatusCode)
	}
	r = e.post("/export/run", pay, url.Values{"date": {"2026-11-16"}, "format": {"adp"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/export/x1/download" {
		t.Fatalf("run: status %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	d := e.do("GET", "/export/x1/download", pay, nil)
	if d.StatusCode != http.StatusOK || d.body != "a,b\n" || !strings.Contains(d.Header.Get("Content-Disposition"), "payroll.csv") {
		t.Errorf("download: status %d, body %q, disposition %q", d.StatusCode, d.body, d.Header.Get("Content-Disposition"))
	}
	if d := e.do("GET", "/export/nope/download", pay, nil); d.StatusCode != http.StatusNotFound {
		t.Errorf("unknown export: status %d, want 404", d.StatusCode)
	}
	var got []string
	for _, c := range e.data.taken() {
		got = append(got, c.What+" "+c.Subject+" "+c.Actor+" "+c.At.Format(time.DateOnly))
	}
	want := []string{"approve E1 managera@example.com 2026-11-16", "lock  payroll@example.com 2026-11-16", "export adp  payroll@example.com 2026-11-16"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got changes %q, want %q", got, want)
	}
}

// TestActionsNotConnected: without the hub's writers every action answers
// 503 "not connected" and nothing is called.
func TestActionsNotConnected(t *testing.T) {
	e := newEnv(t, "sqlite")
	d := e.data.Data()
	d.PunchEditor, d.PeriodControl, d.ExportRunner = nil, nil, nil
	h, err := dashboard.New(dashboard.Config{Store: e.st, Clock: e.clock, Data: d})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	owner := e.session("owner")
	full := url.Values{"at": {"2026-11-16T08:00"}, "reason": {"r"}, "kind": {"in"}, "date": {"2026-11-16"}, "format": {"adp"}}
	for _, p := range []string{"/timesheet/A/employee/E1/add", "/timesheet/A/employee/E1/punch/p-E1-1/correct",
		"/timesheet/A/employee/E1/punch/p-E1-1/void", "/timesheet/A/employee/E1/approve", "/periods/lock",
		"/export/preview", "/export/run"} {
		r := e.post(p, owner, full)
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, html.EscapeString(dashboard.T("en", "data.unconnected"))) {
			t.Errorf("POST %s: status %d, want 503 not connected", p, r.StatusCode)
		}
	}
	if r := e.do("GET", "/export/x1/download", owner, nil); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("download: status %d, want 503", r.StatusCode)
	}
	if n := len(e.data.taken()); n != 0 {
		t.Errorf("%d changes taken, want none", n)
	}
}
