// Package browsertest drives Debian's chromium with chromedp for the
// dashboard's browser tests: a headless browser in a fresh profile, steps
// with a deadline, text of an element, the page marker, and screenshots at
// 1920, 1280 and 390 px with a check that nothing overflows sideways. A missing chromium fails the test with how to install
// it; these tests never skip.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Step is how long one browser step may take before the test fails.
const Step = 30 * time.Second

// ChromiumPath finds chromium on PATH, or fails t with how to install it.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found on PATH: run scripts/setup (apt-get install chromium)")
	return ""
}

// Browser starts a headless chromium in a fresh profile and returns a tab;
// it trusts any certificate (httptest's are self-signed).
func Browser(t testing.TB) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath(t)),
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

// Do runs steps with a per-step deadline.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Step)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v (the tab is at %s)", what, err, where(ctx))
	}
}

// where says what the tab shows, for a failed step: its URL, its
// data-page and the start of its text.
func where(ctx context.Context) string {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(wctx, chromedp.Evaluate[string](`location.href + " | page " +
		JSON.stringify((document.body && document.body.dataset.page) || "") + " | " +
		JSON.stringify(document.body ? document.body.innerText.slice(0, 300) : "")`))
	if err != nil {
		return fmt.Sprintf("unknown: %v", err)
	}
	return s
}

// Text is the text of the first element matching the CSS selector.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Step)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Count is the number of elements matching the CSS selector.
func Count(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Step)
	defer cancel()
	n, err := chromedp.Run(sctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// OnPage waits for the page whose body says data-page=name.
func OnPage(name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-page="` + name + `"]`))
}

// ScreenshotDir is $CLOCKFACE_SCREENSHOTS or the test's temporary folder.
func ScreenshotDir(t testing.TB) string {
	if d := os.Getenv("CLOCKFACE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// Widths are the viewport widths every main page is shot at: a phone, a
// laptop and a full-HD desktop.
var Widths = []int64{1920, 1280, 390}

// overflow is a script that names what sticks out past the viewport's
// right edge, or "" when the page does not scroll sideways
// (document.documentElement.scrollWidth <= innerWidth). Elements inside a
// scrolling box (the tables' .scroll) are not counted: they scroll there.
const overflow = `(() => {
  const d = document.documentElement;
  if (d.scrollWidth <= window.innerWidth) return "";
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 0.5) continue;
    let boxed = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { boxed = true; break; }
    }
    if (!boxed) wide.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " (right " + Math.round(r.right) + ")");
    if (wide.length >= 5) break;
  }
  return "page is " + d.scrollWidth + " px wide: " + wide.join(", ");
})()`

// Shoot saves full-page screenshots of the current page at each of Widths,
// named name-WIDTH.png, and fails t (going on) when the page scrolls
// sideways at any of them.
func Shoot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	for _, w := range Widths {
		Do(t, ctx, "viewport", chromedp.EmulateViewport(w, 800))
		sctx, cancel := context.WithTimeout(ctx, Step)
		wide, err := chromedp.Run(sctx, chromedp.Evaluate[string](overflow))
		if err == nil && wide != "" {
			t.Errorf("%s at %d px: %s", name, w, wide)
		}
		var png []byte
		if err == nil {
			png, err = chromedp.Run(sctx, chromedp.FullScreenshot(100))
		}
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	Do(t, ctx, "viewport", chromedp.EmulateViewport(1280, 900))
}
