package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"clockface/dashboard"
	"clockface/dashboard/internal/browsertest"
)

// chromiumPath finds Debian's chromium; a missing browser fails the test
// with how to install it (these tests never skip).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found on PATH: run scripts/setup (apt-get install chromium)")
	return ""
}

// browserStep is how long one browser step may take before the test fails.
const browserStep = 30 * time.Second

// browser starts a headless chromium in a fresh profile and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // chromium refuses to run as root with its sandbox
		chromedp.Headless,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// httptest's certificate is self-signed.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs steps with a per-step deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// onPage waits for the page whose body says data-page=name.
func onPage(name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-page="` + name + `"]`))
}

// screenshotDir is $CLOCKFACE_SCREENSHOTS or the test's temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("CLOCKFACE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// shoot saves full-page screenshots of the current page at 1920, 1280
// and 390 px, and checks none scrolls sideways (browsertest.Shoot).
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	browsertest.Shoot(t, ctx, dir, name)
}

func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/login"), onPage("login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
		onPage("home"))
}

// TestBrowser drives the dashboard in chromium over TLS: sign in, read the
// cookie's attributes from the browser, add a user, change the language,
// a cross-site and a same-site-other-origin POST refused, sign out
// everywhere ending a second device's session, and screenshots of every
// page at 1280 and 390 px.
func TestBrowser(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := httptest.NewTLSServer(e.h)
	t.Cleanup(srv.Close)
	base := srv.URL // https://127.0.0.1:PORT
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	ctx := browser(t)
	do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"), onPage("login"))
	shoot(t, ctx, shots, "login")
	signIn(t, ctx, base, "owner@example.com")

	// Every cookie the browser holds for the hub, as the browser sees it.
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	res, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	cancel()
	if err != nil {
		t.Fatalf("get cookies: %v", err)
	}
	if len(res.Cookies) != 1 {
		t.Fatalf("browser holds %d cookies, want exactly the session cookie", len(res.Cookies))
	}
	for _, c := range res.Cookies {
		if c.Name != dashboard.CookieName || !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteStrict ||
			!c.Session || c.Expires != -1 || c.Path != "/" {
			t.Errorf("cookie %s: HttpOnly %v Secure %v SameSite %q Session %v Expires %v Path %q; want HttpOnly, Secure, Strict, a session cookie, Path /",
				c.Name, c.HTTPOnly, c.Secure, c.SameSite, c.Session, c.Expires, c.Path)
		}
	}
	shoot(t, ctx, shots, "home-owner")

	// Add a user through the Users form.
	do(t, ctx, "add a user",
		chromedp.Navigate(base+"/users"), onPage("users"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name=email]`), "lena.manager@example.com"),
		chromedp.SetValue(chromedp.CSS(`form[action="/users"] select[name=role]`), "manager"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name=sites]`), "A"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/users"] input[name=password]`), "a long first password"),
		chromedp.Click(chromedp.CSS(`form[action="/users"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := text(t, ctx, "p.flash"); got != dashboard.T("en", "users.added") {
		t.Fatalf("after adding a user the page says %q", got)
	}
	u, err := e.st.UserByEmail(context.Background(), "lena.manager@example.com")
	if err != nil || u.Role != dashboard.RoleManager || len(u.Scope.Sites) != 1 || u.Scope.Sites[0] != "A" {
		t.Fatalf("user added in the browser: %+v, %v", u, err)
	}
	shoot(t, ctx, shots, "users")

	for _, p := range []struct{ path, page, name string }{
		{"/whos-in", "sites", "whos-in-sites"},
		{"/whos-in/A", "whosin", "whos-in"},
		{"/timesheet/A", "timesheet", "timesheet"},
		{"/exceptions/A", "exceptions", "exceptions"},
		{"/export", "export", "export"},
		{"/employees", "employees", "employees"},
		{"/kiosks", "kiosks", "kiosks"},
		{"/audit", "audit", "audit"},
		{"/account", "account", "account"},
	} {
		do(t, ctx, "open "+p.path, chromedp.Navigate(base+p.path), onPage(p.page))
		shoot(t, ctx, shots, p.name)
	}

	// Change the language: the account page answers in Spanish.
	do(t, ctx, "change language",
		chromedp.Navigate(base+"/account"), onPage("account"),
		chromedp.SetValue(chromedp.CSS(`select[name=lang]`), "es"),
		chromedp.Click(chromedp.CSS(`form[action="/account/language"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := text(t, ctx, "p.flash"); got != dashboard.T("es", "account.lang.saved") {
		t.Fatalf("after choosing Spanish the page says %q", got)
	}
	if got := text(t, ctx, "h1"); got != dashboard.T("es", "account.title") {
		t.Errorf("heading %q, want %q", got, dashboard.T("es", "account.title"))
	}
	shoot(t, ctx, shots, "account-es")

	// A page on another origin posts a form to the hub. Cross-site
	// (localhost is another site than 127.0.0.1), and same-site but another
	// origin (another port: the SameSite=Strict cookie is sent, so only
	// CrossOriginProtection and the token stand in the way).
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/account/language">
<input type="hidden" name="lang" value="en"><button id="go" type="submit">win a prize</button></form>`, base)
	}))
	t.Cleanup(evil.Close)
	_, evilPort, _ := strings.Cut(strings.TrimPrefix(evil.URL, "https://"), ":")
	for _, origin := range []string{"https://localhost:" + evilPort, evil.URL} {
		do(t, ctx, "cross-origin post from "+origin,
			chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.CSS("#go")),
			chromedp.Click(chromedp.CSS("#go")), onPage("error"))
		if got, want := text(t, ctx, "p.error"), "Este formulario caducó"; !strings.Contains(got, want) && !strings.Contains(got, "This form expired") {
			t.Errorf("post from %s: page says %q, want the refusal", origin, got)
		}
		if u, _ := e.st.UserByEmail(context.Background(), "owner@example.com"); u.Lang != "es" {
			t.Fatalf("a post from %s changed the language to %q", origin, u.Lang)
		}
	}

	// Sign out everywhere: a second device of the owner loses its session.
	// The second device is a second chromium with its own profile.
	other := browser(t)
	signIn(t, other, base, "owner@example.com")
	do(t, ctx, "sign out everywhere",
		chromedp.Navigate(base+"/account"), onPage("account"),
		chromedp.Click(chromedp.CSS(`form[action="/account/sign-out-everywhere"] button`)),
		onPage("login"))
	do(t, other, "second device after sign out everywhere", chromedp.Navigate(base+"/users"), onPage("login"))
	do(t, ctx, "this device after sign out everywhere", chromedp.Navigate(base+"/"), onPage("login"))

	// The employee's pages.
	signIn(t, ctx, base, "employee1@example.com")
	shoot(t, ctx, shots, "home-employee")
	do(t, ctx, "my time", chromedp.Navigate(base+"/my-time"), onPage("mytime"))
	shoot(t, ctx, shots, "my-time")

	es, _ := e.st.AuditEntries(context.Background(), 50)
	var seen []string
	for _, a := range es {
		seen = append(seen, a.Action)
	}
	for _, want := range []string{dashboard.AuditLoginOK, dashboard.AuditUserAdded, dashboard.AuditLanguageChanged, dashboard.AuditSignOutEverywhere} {
		if !strings.Contains(strings.Join(seen, " "), want) {
			t.Errorf("audit lacks %s: %v", want, seen)
		}
	}
}
