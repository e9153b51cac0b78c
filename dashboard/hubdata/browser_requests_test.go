package hubdata_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/internal/browsertest"
)

// TestBrowserSitesKiosksAndRequests drives chromium against a real hub fed
// by real kiosk syncs, on both stores: the owner names a site, puts the
// front kiosk at it, makes a pairing code (shown once, with its expiry)
// and revokes the back kiosk with a reason; HR puts Bo at the site in the
// kitchen; Bo asks on My time for his missing Wednesday out-punch; the
// kitchen's manager sees only the kitchen on the board and the request in
// the queue (the front desk's manager does not), and resolves it with the
// punch added; Bo's missing_out is gone and My time shows the outcome.
func TestBrowserSitesKiosksAndRequests(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			r.addUsers(
				dashboard.User{Email: "owner@example.com", Role: dashboard.RoleOwner},
				dashboard.User{Email: "hr@example.com", Role: dashboard.RoleHR},
				dashboard.User{Email: "kitchen@example.com", Role: dashboard.RoleManager, Scope: dashboard.Scope{Departments: []string{"kitchen"}}},
				dashboard.User{Email: "desk@example.com", Role: dashboard.RoleManager, Scope: dashboard.Scope{Departments: []string{"front desk"}}},
				dashboard.User{Email: "bo@example.com", Role: dashboard.RoleEmployee, Scope: dashboard.Scope{Employee: "E2"}},
			)
			base := r.srv.URL
			shots := browsertest.ScreenshotDir(t)

			owner := browsertest.Browser(t)
			signIn(t, owner, base, "owner@example.com")
			browsertest.Do(t, owner, "add a site", chromedp.Navigate(base+"/kiosks"), browsertest.OnPage("kiosks"),
				chromedp.SendKeys(chromedp.CSS(`form[action="/sites/add"] input[name=id]`), "main"),
				chromedp.SendKeys(chromedp.CSS(`form[action="/sites/add"] input[name=name]`), "Main Street"),
				chromedp.Click(chromedp.CSS(`form[action="/sites/add"] button`)), browsertest.OnPage("kiosks"),
				chromedp.WaitVisible(chromedp.CSS(`li.site[data-site="main"]`)))
			browsertest.Do(t, owner, "put front at main",
				chromedp.SetValue(chromedp.CSS(`tr[data-kiosk="front"] select[name=site]`), "main"),
				chromedp.Click(chromedp.CSS(`tr[data-kiosk="front"] form[action$="/site"] button`)),
				chromedp.WaitReady(chromedp.CSS(`tr[data-kiosk="front"] option[value="main"][selected]`)))
			if got := browsertest.Text(t, owner, `p.flash`); got != dashboard.T("en", "kiosks.site_done") {
				t.Errorf("after assigning: flash %q", got)
			}
			browsertest.Do(t, owner, "pair a kiosk", chromedp.Click(chromedp.CSS(`form[action="/kiosks/pair"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`#code`)))
			code := browsertest.Text(t, owner, "#code")
			if len(code) != 14 || strings.Count(code, "-") != 2 {
				t.Errorf("pairing code %q, want XXXX-XXXX-XXXX", code)
			}
			if got := browsertest.Text(t, owner, "#expires"); got != "2026-11-20 13:00" {
				t.Errorf("code expires %q, want 2026-11-20 13:00 (an hour after the screens' now)", got)
			}
			browsertest.Shoot(t, owner, shots, kind+"-kiosks-code")
			browsertest.Do(t, owner, "reload the kiosks", chromedp.Navigate(base+"/kiosks"), browsertest.OnPage("kiosks"))
			if n := browsertest.Count(t, owner, "#code"); n != 0 {
				t.Errorf("the pairing code is shown again")
			}
			browsertest.Do(t, owner, "revoke back",
				chromedp.SendKeys(chromedp.CSS(`tr[data-kiosk="back"] form[action$="/revoke"] input[name=reason]`), "stolen from the lobby"),
				chromedp.Click(chromedp.CSS(`tr[data-kiosk="back"] form[action$="/revoke"] button`)), browsertest.OnPage("kiosks"),
				chromedp.WaitVisible(chromedp.CSS(`tr.revoked[data-kiosk="back"]`)))
			if got := browsertest.Text(t, owner, `tr[data-kiosk="back"] small.revoked`); !strings.Contains(got, "stolen from the lobby") {
				t.Errorf("revoked kiosk row says %q, want the reason", got)
			}
			browsertest.Shoot(t, owner, shots, kind+"-kiosks-actions")

			hr := browsertest.Browser(t)
			signIn(t, hr, base, "hr@example.com")
			browsertest.Do(t, hr, "place Bo", chromedp.Navigate(base+"/employees"), browsertest.OnPage("employees"),
				chromedp.SetValue(chromedp.CSS(`form.placement[data-employee="E2"] select[name=site]`), "main"),
				chromedp.SendKeys(chromedp.CSS(`form.placement[data-employee="E2"] input[name=department]`), "kitchen"),
				chromedp.Click(chromedp.CSS(`form.placement[data-employee="E2"] button`)),
				chromedp.WaitReady(chromedp.CSS(`form.placement[data-employee="E2"] input[name=department][value="kitchen"]`)))
			browsertest.Shoot(t, hr, shots, kind+"-employees-placement")

			bo := browsertest.Browser(t)
			signIn(t, bo, base, "bo@example.com")
			browsertest.Do(t, bo, "ask for a correction", chromedp.Navigate(base+"/my-time?date=2026-11-20"), browsertest.OnPage("mytime"),
				chromedp.SetValue(chromedp.CSS(`#ask select[name=punch]`), ""),
				chromedp.SetValue(chromedp.CSS(`#ask select[name=kind]`), "out"),
				chromedp.SetValue(chromedp.CSS(`#ask input[name=at]`), "2026-11-18T16:00"),
				chromedp.SendKeys(chromedp.CSS(`#ask input[name=note]`), "forgot to clock out on Wednesday"),
				chromedp.Click(chromedp.CSS(`#ask button`)), browsertest.OnPage("mytime"),
				chromedp.WaitVisible(chromedp.CSS(`tr.request-open`)))
			browsertest.Shoot(t, bo, shots, kind+"-my-time-request")

			desk := browsertest.Browser(t)
			signIn(t, desk, base, "desk@example.com")
			browsertest.Do(t, desk, "front desk's queue", chromedp.Navigate(base+"/exceptions/main?date=2026-11-20"), browsertest.OnPage("exceptions"))
			if n := browsertest.Count(t, desk, "tr.request"); n != 0 {
				t.Errorf("the front desk's manager sees %d of the kitchen's requests", n)
			}

			kitchen := browsertest.Browser(t)
			signIn(t, kitchen, base, "kitchen@example.com")
			browsertest.Do(t, kitchen, "kitchen's board", chromedp.Navigate(base+"/whos-in/main"), browsertest.OnPage("whosin"))
			if got := browsertest.Text(t, kitchen, "table.board tbody"); !strings.Contains(got, "Bo Chen") || strings.Contains(got, "Ana") {
				t.Errorf("kitchen manager's board at main: %q, want Bo only", got)
			}
			browsertest.Do(t, kitchen, "kitchen's queue", chromedp.Navigate(base+"/exceptions/main?date=2026-11-20"), browsertest.OnPage("exceptions"),
				chromedp.WaitVisible(chromedp.CSS(`tr.request`)))
			if got := browsertest.Text(t, kitchen, "tr.request td.text"); got != "forgot to clock out on Wednesday" {
				t.Errorf("request note %q", got)
			}
			if n := browsertest.Count(t, kitchen, `tr.exc[data-kind="missing_out"]`); n != 1 {
				t.Errorf("before resolving: %d missing_out rows, want 1", n)
			}
			browsertest.Shoot(t, kitchen, shots, kind+"-exceptions-request")
			browsertest.Do(t, kitchen, "resolve",
				chromedp.SendKeys(chromedp.CSS(`tr.request form.resolve input[name=reason]`), "confirmed with the shift log"),
				chromedp.Click(chromedp.CSS(`tr.request form.resolve button`)), browsertest.OnPage("exceptions"),
				chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
			if n := browsertest.Count(t, kitchen, "tr.request"); n != 0 {
				t.Errorf("after resolving: %d requests left", n)
			}
			if n := browsertest.Count(t, kitchen, `tr.exc[data-kind="missing_out"]`); n != 0 {
				t.Errorf("after resolving: %d missing_out rows, want 0", n)
			}

			browsertest.Do(t, bo, "my time again", chromedp.Navigate(base+"/my-time?date=2026-11-20"), browsertest.OnPage("mytime"))
			if got := browsertest.Text(t, bo, "tr.request-resolved td.outcome"); !strings.Contains(got, "confirmed with the shift log") ||
				!strings.Contains(got, "kitchen@example.com") {
				t.Errorf("outcome on My time: %q", got)
			}
			if got := browsertest.Text(t, bo, "#mytotal"); got != "12:30" {
				t.Errorf("Bo's total after the added out-punch: %q, want 12:30 (8:00 more)", got)
			}
			browsertest.Shoot(t, bo, shots, kind+"-my-time-outcome")

			actions := map[string]bool{}
			es, err := r.st.Audit(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				actions[e.Action] = true
			}
			for _, a := range []string{"site.add", "kiosk.site", "kiosk.pair_code", "kiosk.revoke", "employee.placement",
				"request.create", "punch.add", "request.resolve"} {
				if !actions[a] {
					t.Errorf("hub audit has no %s entry (has %v)", a, actions)
				}
			}
		})
	}
}
