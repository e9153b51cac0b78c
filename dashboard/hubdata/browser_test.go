package hubdata_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/internal/browsertest"
	"clockface/dashboard/store"
)

const testPassword = "correct horse battery"

// addUsers adds dashboard users to the rig's hub database through the
// dashboard store on the same connections.
func (r *rig) addUsers(users ...dashboard.User) {
	r.t.Helper()
	ctx := context.Background()
	db, pg := r.st.SQLDB()
	st, err := store.New(ctx, db, pg, clockface.SystemClock{})
	if err != nil {
		r.t.Fatal(err)
	}
	hash, err := dashboard.HashPassword(testPassword)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, u := range users {
		u.PasswordHash, u.Lang = hash, "en"
		if _, err := st.AddUser(ctx, u, dashboard.Audit{Actor: "test", Action: dashboard.AuditUserAdded}); err != nil {
			r.t.Fatalf("add %s: %v", u.Email, err)
		}
	}
}

func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	browsertest.Do(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/login"), browsertest.OnPage("login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
		browsertest.OnPage("home"))
}

// TestBrowserOnRealHub drives chromium against a real hub (the kiosk API
// and the dashboard on one TLS listener) fed by two kiosks' real syncs, on
// both stores: who's in, the timesheet's totals, the exceptions page, an
// employee's own time, a manager refused another site, and a payroll
// export run and downloaded (exportAndDownload); screenshots of each page
// at 1280 and 390 px.
func TestBrowserOnRealHub(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			r.addUsers(
				dashboard.User{Email: "owner@example.com", Role: dashboard.RoleOwner},
				dashboard.User{Email: "back.manager@example.com", Role: dashboard.RoleManager, Scope: dashboard.Scope{Sites: []string{"back"}}},
				dashboard.User{Email: "bo@example.com", Role: dashboard.RoleEmployee, Scope: dashboard.Scope{Employee: "E2"}},
			)
			base := r.srv.URL
			shots := browsertest.ScreenshotDir(t)
			t.Logf("screenshots in %s", shots)
			ctx := browsertest.Browser(t)
			signIn(t, ctx, base, "owner@example.com")

			browsertest.Do(t, ctx, "who's in", chromedp.Navigate(base+"/whos-in/front"), browsertest.OnPage("whosin"))
			if in, brk := browsertest.Count(t, ctx, "tr.state-in"), browsertest.Count(t, ctx, "tr.state-break"); in != 1 || brk != 1 {
				t.Errorf("who's in at front: %d in and %d on break, want 1 and 1", in, brk)
			}
			if got := browsertest.Text(t, ctx, "tr.state-in td:nth-child(2)"); got != "Ana Díaz" {
				t.Errorf("in at front: %q, want Ana Díaz", got)
			}
			browsertest.Shoot(t, ctx, shots, kind+"-whos-in")

			browsertest.Do(t, ctx, "timesheet", chromedp.Navigate(base+"/timesheet/front?date=2026-11-20"), browsertest.OnPage("timesheet"))
			if got := browsertest.Text(t, ctx, "#period"); got != "2026-11-16 – 2026-11-30" {
				t.Errorf("period %q, want 2026-11-16 – 2026-11-30", got)
			}
			for emp, want := range map[string]string{"E1": "17:30", "E2": "4:30"} {
				if got := browsertest.Text(t, ctx, `tr[data-employee="`+emp+`"] td.total`); got != want {
					t.Errorf("timesheet total of %s: %q, want %q (the export's)", emp, got, want)
				}
			}
			if n := browsertest.Count(t, ctx, `tr[data-employee="E2"] td.exception`); n == 0 {
				t.Errorf("E2's missing out-punch is not highlighted")
			}
			browsertest.Shoot(t, ctx, shots, kind+"-timesheet")

			browsertest.Do(t, ctx, "exceptions", chromedp.Navigate(base+"/exceptions/front?date=2026-11-20"), browsertest.OnPage("exceptions"))
			if n := browsertest.Count(t, ctx, `tr.exc[data-kind="missing_out"]`); n != 1 {
				t.Errorf("exceptions page: %d missing_out rows, want 1", n)
			}
			browsertest.Shoot(t, ctx, shots, kind+"-exceptions")

			browsertest.Do(t, ctx, "punches", chromedp.Navigate(base+"/timesheet/front/employee/E2?date=2026-11-20"), browsertest.OnPage("punches"))
			if got := browsertest.Text(t, ctx, "del.original"); got != "2026-11-19 12:00" {
				t.Errorf("the corrected punch's original: %q, want 2026-11-19 12:00 struck through", got)
			}
			browsertest.Shoot(t, ctx, shots, kind+"-punches")

			for _, p := range []struct{ path, page, name string }{
				{"/employees", "employees", "employees"},
				{"/kiosks", "kiosks", "kiosks"},
			} {
				browsertest.Do(t, ctx, "open "+p.path, chromedp.Navigate(base+p.path), browsertest.OnPage(p.page))
				browsertest.Shoot(t, ctx, shots, kind+"-"+p.name)
			}

			// A manager of the back site may not open the front's timesheet.
			other := browsertest.Browser(t)
			signIn(t, other, base, "back.manager@example.com")
			browsertest.Do(t, other, "manager opens another site", chromedp.Navigate(base+"/timesheet/front"), browsertest.OnPage("error"))
			if got := browsertest.Text(t, other, "p.error"); got != dashboard.T("en", "error.forbidden") {
				t.Errorf("manager of back on front's timesheet: %q", got)
			}

			// The employee's own time and records.
			emp := browsertest.Browser(t)
			signIn(t, emp, base, "bo@example.com")
			browsertest.Do(t, emp, "my time", chromedp.Navigate(base+"/my-time?date=2026-11-20"), browsertest.OnPage("mytime"))
			if got := browsertest.Text(t, emp, "#mytotal"); got != "4:30" {
				t.Errorf("my time total %q, want 4:30", got)
			}
			if n := browsertest.Count(t, emp, `a[href="/my-time/records.json"]`); n != 1 {
				t.Errorf("my time has %d records download links, want 1", n)
			}
			browsertest.Shoot(t, emp, shots, kind+"-my-time")

			exportAndDownload(t, r, ctx, shots, kind)
		})
	}
}

// exportAndDownload is the payroll export in the browser on the real hub,
// as the owner: the export page; a preview of 16-30 November refused for
// the blocking exceptions; HR's repairs; the preview again with the
// export's totals; Run, which downloads the file; then the history row,
// whose SHA-256 is the downloaded file's, and whose record holds exactly
// its bytes.
func exportAndDownload(t *testing.T, r *rig, ctx context.Context, shots, kind string) {
	base := r.srv.URL
	preview := func(what string) {
		browsertest.Do(t, ctx, what, chromedp.Navigate(base+"/export"), browsertest.OnPage("export"),
			chromedp.SetValue(chromedp.CSS(`select[name=format]`), "generic"),
			chromedp.SetValue(chromedp.CSS(`input[name=date]`), "2026-11-20"),
			chromedp.Click(chromedp.CSS(`form[action="/export/preview"] button`)),
			browsertest.OnPage("exportpreview"))
	}
	browsertest.Do(t, ctx, "export page", chromedp.Navigate(base+"/export"), browsertest.OnPage("export"))
	if n := browsertest.Count(t, ctx, "tr[data-export]"); n != 0 {
		t.Errorf("export history has %d rows before any export, want 0", n)
	}
	browsertest.Shoot(t, ctx, shots, kind+"-export")

	preview("blocked preview")
	if n, run := browsertest.Count(t, ctx, "#blocking li"), browsertest.Count(t, ctx, `form[action="/export/run"]`); n != 3 || run != 0 {
		t.Errorf("blocked preview: %d blocking exceptions and %d run forms, want 3 and none", n, run)
	}
	browsertest.Shoot(t, ctx, shots, kind+"-export-blocked")

	repair(t, r)
	preview("preview")
	for emp, want := range map[string]string{"E1": "19:30", "E2": "14:25", "E3": "11:00"} {
		if got := browsertest.Text(t, ctx, `tr[data-employee="`+emp+`"] td.total`); got != want {
			t.Errorf("preview total of %s: %q, want %q", emp, got, want)
		}
	}
	browsertest.Shoot(t, ctx, shots, kind+"-export-preview")

	dir := t.TempDir()
	dctx, cancel := context.WithTimeout(ctx, browsertest.Step)
	defer cancel()
	progress := chromedp.Events(dctx, browser.DownloadProgress)
	browsertest.Do(t, ctx, "run the export",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &[]bool{true}[0]})
			return err
		}),
		chromedp.Click(chromedp.CSS(`form[action="/export/run"] button`)))
	var file []byte
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			if file, err = os.ReadFile(filepath.Join(dir, ev.GUID)); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if !strings.HasPrefix(string(file), "employee_number,") {
		t.Fatalf("downloaded %q, want the generic payroll file", file)
	}

	browsertest.Do(t, ctx, "export history", chromedp.Navigate(base+"/export"), browsertest.OnPage("export"))
	if n := browsertest.Count(t, ctx, "tr[data-export]"); n != 1 {
		t.Fatalf("export history has %d rows, want the run", n)
	}
	row, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`(r => [r.dataset.export, r.querySelector("code").dataset.sha256])(document.querySelector("tr[data-export]"))`))
	if err != nil || len(row) != 2 {
		t.Fatalf("history row: %v %v", row, err)
	}
	sum := sha256.Sum256(file)
	if got := hex.EncodeToString(sum[:]); got != row[1] {
		t.Errorf("downloaded file's SHA-256 %s, history row's %s", got, row[1])
	}
	rec, data, err := r.st.ExportFile(context.Background(), row[0])
	if err != nil || string(data) != string(file) || rec.SHA256 != row[1] || rec.By != "owner@example.com" {
		t.Errorf("recorded export %s: %+v, %d bytes, %v; want the downloaded %d bytes by owner@example.com", row[0], rec, len(data), err, len(file))
	}
	browsertest.Shoot(t, ctx, shots, kind+"-export-history")
}
