package hubdata_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/internal/browsertest"
)

// TestBrowserEmployeeStatus: in chromium against a real hub and two
// kiosks, HR restricts E2 to PIN and terminates E1 from the Employees
// screen (a reason typed into each form); the rows show the changes
// pending on both kiosks until they sync, then applied. A payroll user
// may not open the screen. Screenshots at 1280 and 390 px.
func TestBrowserEmployeeStatus(t *testing.T) {
	r := newRig(t, "sqlite", clockface.SystemClock{})
	front := r.kiosk("front", "E1", "Ana Díaz", "E2", "Bo Chen", "E3", "Cy Okafor")
	r.kiosk("back", "E1", "Ana Díaz", "E2", "Bo Chen")
	front.punch(t, "E1", clockface.PunchIn, local(16, 8, 0))
	r.sync()
	r.addUsers(dashboard.User{Email: "hr@example.com", Role: dashboard.RoleHR},
		dashboard.User{Email: "payroll@example.com", Role: dashboard.RolePayroll})
	base := r.srv.URL
	shots := browsertest.ScreenshotDir(t)
	t.Logf("screenshots in %s", shots)
	ctx := browsertest.Browser(t)
	signIn(t, ctx, base, "hr@example.com")

	change := func(emp, action, reason string) {
		t.Helper()
		row := `tr[data-number="` + emp + `"]`
		form := row + ` form[action="/employees/` + emp + `/` + action + `"]`
		browsertest.Do(t, ctx, action+" "+emp, chromedp.Navigate(base+"/employees"), browsertest.OnPage("employees"),
			chromedp.Click(chromedp.CSS(row+" summary")),
			chromedp.SendKeys(chromedp.CSS(form+" input[name=reason]"), reason),
			chromedp.Click(chromedp.CSS(form+" button")),
			browsertest.OnPage("employees"))
		if got := browsertest.Text(t, ctx, "p.flash"); got != dashboard.T("en", "employees.done") {
			t.Errorf("after %s %s: flash %q", action, emp, got)
		}
	}
	change("E2", dashboard.EmployeeRestrict, "looks like E5")
	change("E1", dashboard.EmployeeTerminate, "left the company")
	hubCell := func(emp string) string { return browsertest.Text(t, ctx, `tr[data-number="`+emp+`"] td.hub`) }
	if got := hubCell("E1"); got != "Terminated: pending on 2 kiosks" {
		t.Errorf("E1's hub change: %q, want pending on both kiosks", got)
	}
	if got := browsertest.Text(t, ctx, `tr[data-number="E1"] td:nth-child(3)`); got != "terminated" {
		t.Errorf("E1's status: %q, want terminated", got)
	}
	if n := browsertest.Count(t, ctx, `tr[data-number="E1"] form`); n != 0 {
		t.Errorf("terminated E1 still has %d change forms", n)
	}
	if n := browsertest.Count(t, ctx, `tr[data-number="E2"] form[action="/employees/E2/unrestrict"]`); n != 1 {
		t.Errorf("restricted E2 has %d lift forms, want 1", n)
	}
	browsertest.Do(t, ctx, "open E3's forms", chromedp.Click(chromedp.CSS(`tr[data-number="E3"] summary`)))
	browsertest.Shoot(t, ctx, shots, "employees-pending")

	r.sync()
	browsertest.Do(t, ctx, "reload", chromedp.Navigate(base+"/employees"), browsertest.OnPage("employees"))
	if got := hubCell("E1"); !strings.HasPrefix(got, "Terminated: applied on every kiosk, last ") {
		t.Errorf("E1's hub change after the sync: %q, want applied on every kiosk", got)
	}
	browsertest.Shoot(t, ctx, shots, "employees-applied")

	pay := browsertest.Browser(t)
	signIn(t, pay, base, "payroll@example.com")
	browsertest.Do(t, pay, "payroll opens employees", chromedp.Navigate(base+"/employees"), browsertest.OnPage("error"))
}
