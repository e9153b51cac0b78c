package hubdata_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/hubdata"
	"clockface/internal/pgtest"
	"clockface/payroll"
	"clockface/payrun"
	"clockface/sync/hub"
)

// buildCLI builds the clockface binary once for a test, as the CLI tests
// do, so the dashboard's file can be held to the CLI's.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "clockface")
	out, err := exec.Command("go", "build", "-o", bin, "clockface/cmd/clockface").CombinedOutput()
	if err != nil {
		t.Fatalf("build the clockface binary: %v\n%s", err, out)
	}
	return bin
}

// dbFlags are the CLI's --db (and --pg-schema) for the rig's store.
func (r *rig) dbFlags() []string {
	r.t.Helper()
	db, pg := r.st.SQLDB()
	if pg {
		var schema string
		if err := db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			r.t.Fatal(err)
		}
		return []string{"--db", pgtest.URL(), "--pg-schema", schema}
	}
	var seq int
	var name, file string
	if err := db.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		r.t.Fatal(err)
	}
	return []string{"--db", file}
}

// repair adds the punches that close the scenario's open shifts, as HR
// does from the dashboard: E2's Wednesday out at 16:00, E1's Friday out
// at 11:00, and E2's Friday break end at 11:45 and out at 11:55.
func repair(t *testing.T, r *rig) {
	t.Helper()
	act := hubdata.NewActions(r.st, r.screen, rules(t))
	for _, p := range []dashboard.NewPunch{
		{Employee: "E2", Kind: "out", At: local(18, 16, 0)},
		{Employee: "E1", Kind: "out", At: local(20, 11, 0)},
		{Employee: "E2", Kind: "break_end", At: local(20, 11, 45)},
		{Employee: "E2", Kind: "out", At: local(20, 11, 55)},
	} {
		if _, err := act.Add(context.Background(), p, "forgot to punch", "hr@example.com"); err != nil {
			t.Fatalf("add %s %s: %v", p.Employee, p.Kind, err)
		}
	}
}

// line is a preview line for got/want.
func lineText(l dashboard.ExportLine) string {
	h := func(d time.Duration) string { return payroll.Hours(int64(d / time.Minute)) }
	return fmt.Sprintf("%s %s %s/%s/%s x%d", l.Employee, l.Name, h(l.Regular), h(l.Overtime), h(l.Double), l.Exceptions)
}

func previewText(pv dashboard.ExportPreview) (lines, blocking []string) {
	for _, l := range pv.Lines {
		lines = append(lines, lineText(l))
	}
	lines = append(lines, lineText(pv.Totals))
	for _, b := range pv.Blocking {
		blocking = append(blocking, b.Employee+" "+b.Kind+" "+b.Day.Format(time.DateOnly))
	}
	return lines, blocking
}

// TestExportsOnRealHub runs the dashboard's export on a real hub fed by
// two kiosks' syncs, on both stores: the preview's lines and blocking
// exceptions; a blocked run refused with the list and nothing recorded;
// after HR's repairs, a run recorded with who and the SHA-256; the
// download exactly the run's bytes, and exactly the file `clockface
// export` writes for the same period and format, which then reports no
// change since the dashboard's export.
func TestExportsOnRealHub(t *testing.T) {
	cli := buildCLI(t)
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			ctx := context.Background()
			exp := hubdata.NewExports(r.st, r.screen, rules(t), payroll.DefaultConfig())
			if got := fmt.Sprint(exp.Formats()); got != "[generic gusto]" {
				t.Errorf("formats without company values: %s, want [generic gusto]", got)
			}

			pv, err := exp.Preview(ctx, period, "generic")
			if err != nil {
				t.Fatal(err)
			}
			lines, blocking := previewText(pv)
			wantLines := []string{"E1 Ana Díaz 17.50/0.00/0.00 x1", "E2 Bo Chen 4.50/0.00/0.00 x2", "E3 Cy Okafor 11.00/0.00/0.00 x0",
				"  33.00/0.00/0.00 x3"}
			wantBlocking := []string{"E1 open_shift 2026-11-20", "E2 missing_out 2026-11-18", "E2 open_shift 2026-11-20"}
			if fmt.Sprint(lines) != fmt.Sprint(wantLines) || fmt.Sprint(blocking) != fmt.Sprint(wantBlocking) {
				t.Errorf("preview:\n got %q\n     %q\nwant %q\n     %q", lines, blocking, wantLines, wantBlocking)
			}
			if _, err := exp.Preview(ctx, period, "adp"); err == nil {
				t.Error("preview in adp without a company code: no error")
			}

			// Blocked: refused with the list, nothing recorded.
			_, err = exp.Run(ctx, period, "generic", "pay@example.com")
			var refused *dashboard.ExportBlocked
			if !errors.As(err, &refused) {
				t.Fatalf("blocked run: got %v, want *dashboard.ExportBlocked", err)
			}
			if _, got := previewText(refused.Preview); fmt.Sprint(got) != fmt.Sprint(wantBlocking) {
				t.Errorf("refusal lists %q, want %q", got, wantBlocking)
			}
			if hist, err := exp.History(ctx); err != nil || len(hist) != 0 {
				t.Fatalf("history after a refused run: %v %v, want none", hist, err)
			}

			repair(t, r)
			pv, err = exp.Preview(ctx, period, "generic")
			if err != nil {
				t.Fatal(err)
			}
			lines, blocking = previewText(pv)
			// E1 17:30 + Fri 09:00-11:00; E2 4:30 + Wed 8:00 + Fri
			// 10:00-11:55 with a paid 15-minute break (1:55).
			wantLines = []string{"E1 Ana Díaz 19.50/0.00/0.00 x0", "E2 Bo Chen 14.42/0.00/0.00 x0", "E3 Cy Okafor 11.00/0.00/0.00 x0",
				"  44.92/0.00/0.00 x0"}
			if fmt.Sprint(lines) != fmt.Sprint(wantLines) || len(blocking) != 0 {
				t.Errorf("preview after the repairs:\n got %q %q\nwant %q and nothing blocking", lines, blocking, wantLines)
			}

			f, err := exp.Run(ctx, period, "generic", "pay@example.com")
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			sum := sha256.Sum256(f.Data)
			hist, err := exp.History(ctx)
			if err != nil || len(hist) != 1 {
				t.Fatalf("history: %v %v, want the run", hist, err)
			}
			h := hist[0]
			if h.ID != f.Record.ID || h.By != "pay@example.com" || !h.At.Equal(now) || h.Format != "generic" ||
				h.SHA256 != hex.EncodeToString(sum[:]) || h.Period.From.Format(time.DateOnly) != "2026-11-16" ||
				h.Period.To.Format(time.DateOnly) != "2026-11-30" {
				t.Errorf("history row %+v, want the run by pay@example.com at %v for 16-30 Nov with the file's SHA-256", h, now)
			}

			dl, err := exp.Download(ctx, f.Record.ID)
			if err != nil || string(dl.Data) != string(f.Data) || dl.Name != f.Name || dl.Name != "payroll-generic-20261116-20261130.csv" {
				t.Fatalf("download: %q %d bytes %v, want the run's %d bytes as %s", dl.Name, len(dl.Data), err, len(f.Data), f.Name)
			}
			if _, err := exp.Download(ctx, "no-such-export"); !errors.Is(err, dashboard.ErrNotFound) {
				t.Errorf("download of an unknown id: %v, want dashboard.ErrNotFound", err)
			}

			// The CLI, same period and format, writes the same bytes and
			// finds nothing changed since the dashboard's export.
			out := t.TempDir()
			args := append([]string{"export", "--from", "2026-11-16", "--to", "2026-11-30", "--format", "generic",
				"--tz", "America/New_York", "--rules", "flsa", "--out", out + "/", "--actor", "cli@example.com"}, r.dbFlags()...)
			cmd := exec.Command(cli, args...)
			cmd.Env = append(os.Environ(), "CLOCKFACE_DATA="+t.TempDir())
			stdout, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("clockface %s: %v\n%s", strings.Join(args, " "), err, stdout)
			}
			cliFile, err := os.ReadFile(filepath.Join(out, f.Name))
			if err != nil {
				t.Fatalf("the CLI's file: %v\n%s", err, stdout)
			}
			if string(cliFile) != string(f.Data) {
				t.Errorf("the CLI's file differs from the dashboard's:\n%s\n---\n%s", cliFile, f.Data)
			}
			if want := "no change since export " + f.Record.ID; !strings.Contains(string(stdout), want) {
				t.Errorf("the CLI's output lacks %q:\n%s", want, stdout)
			}
			if hist, _ := exp.History(ctx); len(hist) != 2 || hist[0].By != "cli@example.com" {
				t.Errorf("history after the CLI's export: %+v, want it first", hist)
			}
		})
	}
}

// TestExportRoles: on the real hub, a manager and an employee get the
// forbidden page for the export screen, its runs and its downloads, and
// nothing is recorded; a payroll user previews, runs and downloads.
func TestExportRoles(t *testing.T) {
	r := newRig(t, "sqlite", clockface.SystemClock{})
	scenario(r)
	repair(t, r)
	r.addUsers(
		dashboard.User{Email: "pay@example.com", Role: dashboard.RolePayroll},
		dashboard.User{Email: "front.manager@example.com", Role: dashboard.RoleManager, Scope: dashboard.Scope{Sites: []string{"front"}}},
		dashboard.User{Email: "bo@example.com", Role: dashboard.RoleEmployee, Scope: dashboard.Scope{Employee: "E2"}},
	)
	pay := r.signedIn("pay@example.com")
	page := func(c *http.Client, method, path string, form url.Values) (int, string) {
		t.Helper()
		var res *http.Response
		var err error
		if method == "GET" {
			res, err = c.Get(r.srv.URL + path)
		} else {
			res, err = c.PostForm(r.srv.URL+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	token := func(body, path string) string { return pageToken(t, body, path) }
	code, body := page(pay, "GET", "/export", nil)
	if code != http.StatusOK {
		t.Fatalf("payroll opens /export: %d", code)
	}
	code, body = page(pay, "POST", "/export/preview", url.Values{"csrf": {token(body, "/export/preview")}, "format": {"generic"}, "date": {"2026-11-20"}})
	if code != http.StatusOK || !strings.Contains(body, "44:55") {
		t.Fatalf("payroll preview: %d, want 200 with the total 44:55\n%s", code, body)
	}
	runForm := url.Values{"csrf": {token(body, "/export/run")}, "format": {"generic"}, "date": {"2026-11-16"}}
	code, file := page(pay, "POST", "/export/run", runForm)
	if code != http.StatusOK || !strings.HasPrefix(file, "employee_number,") {
		t.Fatalf("payroll run: %d, want the file\n%s", code, file)
	}
	hist, err := r.st.Exports(context.Background())
	if err != nil || len(hist) != 1 || hist[0].By != "pay@example.com" {
		t.Fatalf("history after the payroll run: %+v %v", hist, err)
	}
	id := hist[0].ID

	// E3 clocks in again at 11:58 and is in now: an open shift. The same
	// run form is refused with the list (409) and nothing is recorded.
	if _, err := hubdata.NewActions(r.st, r.screen, rules(t)).Add(context.Background(),
		dashboard.NewPunch{Employee: "E3", Kind: "in", At: local(20, 11, 58)}, "back from lunch", "hr@example.com"); err != nil {
		t.Fatal(err)
	}
	code, body = page(pay, "POST", "/export/run", runForm)
	if code != http.StatusConflict || !strings.Contains(body, `data-employee="E3" data-kind="open_shift"`) {
		t.Errorf("blocked run: %d, want 409 listing E3's open shift\n%s", code, body)
	}
	if hist, _ := r.st.Exports(context.Background()); len(hist) != 1 {
		t.Errorf("%d exports after the blocked run, want 1", len(hist))
	}

	forbidden := dashboard.T("en", "error.forbidden")
	for _, email := range []string{"front.manager@example.com", "bo@example.com"} {
		c := r.signedIn(email)
		for _, p := range []struct{ method, path string }{
			{"GET", "/export"}, {"GET", "/export/" + id + "/download"}, {"POST", "/export/preview"}, {"POST", "/export/run"},
		} {
			code, body := page(c, p.method, p.path, url.Values{"format": {"generic"}, "date": {"2026-11-16"}})
			if code != http.StatusForbidden || strings.Contains(body, "employee_number") {
				t.Errorf("%s %s %s: %d, want 403 and no file", email, p.method, p.path, code)
			}
			if p.method == "GET" && !strings.Contains(body, forbidden) {
				t.Errorf("%s %s %s: not the forbidden page", email, p.method, p.path)
			}
		}
	}
	if hist, _ := r.st.Exports(context.Background()); len(hist) != 1 {
		t.Errorf("%d exports recorded, want only the payroll user's", len(hist))
	}
}

// BenchmarkExport is the dashboard's payroll export of 16-30 November
// 2026 for 1,667 employees, each working every weekday of the whole
// workweeks the period needs (15 days, 4 punches a day: 100,020 punches
// read), on both stores:
//
//	run       POST /export/run over HTTPS with a signed-in session and
//	          the redirect's download: read, rules, file, record, bytes
//	download  GET /export/ID/download of a recorded file (checked bytes)
//	payrun    the baseline: payrun.Prepare and Build in process, as the
//	          CLI computes the file, with no HTTP and no record
func BenchmarkExport(b *testing.B) {
	for _, kind := range backends {
		b.Run(kind, func(b *testing.B) {
			r := newRig(b, kind, clockface.SystemClock{})
			r.screen.Set(time.Date(2026, 12, 10, 12, 0, 0, 0, zone))
			people := staff(1667)
			var ps []clockface.Punch
			for day := local(15, 0, 0); day.Before(local(30, 0, 0).AddDate(0, 0, 6)); day = day.AddDate(0, 0, 1) {
				if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
					continue
				}
				for _, e := range people {
					ps = append(ps, workday(e.Number, "front", day)...)
				}
			}
			r.load("front", people, ps)
			r.addUsers(dashboard.User{Email: "pay@example.com", Role: dashboard.RolePayroll})
			c := r.signedIn("pay@example.com")
			res, err := c.PostForm(r.srv.URL+"/export/preview", url.Values{"csrf": {formToken(b, c, r.srv.URL+"/export", "/export/preview")},
				"format": {"generic"}, "date": {"2026-11-16"}})
			if err != nil {
				b.Fatal(err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || strings.Contains(string(page), `id="blocking"`) {
				b.Fatalf("preview: %d\n%s", res.StatusCode, page)
			}
			runForm := url.Values{"csrf": {pageToken(b, string(page), "/export/run")}, "format": {"generic"}, "date": {"2026-11-16"}}
			run := func() int {
				res, err := c.PostForm(r.srv.URL+"/export/run", runForm)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || res.Header.Get("Content-Disposition") == "" {
					b.Fatalf("run: status %d", res.StatusCode)
				}
				return int(n)
			}
			size := run()
			b.Run("run", func(b *testing.B) {
				for b.Loop() {
					run()
				}
				b.SetBytes(int64(size))
				b.ReportMetric(float64(len(ps)), "punches")
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/export")
			})
			hist, err := r.st.Exports(context.Background())
			if err != nil || len(hist) == 0 {
				b.Fatalf("history: %v %v", hist, err)
			}
			b.Run("download", func(b *testing.B) {
				for b.Loop() {
					get(b, c, r.srv.URL+"/export/"+hist[0].ID+"/download")
				}
				b.SetBytes(int64(size))
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/download")
			})
			b.Run("payrun", func(b *testing.B) {
				ru := rules(b)
				ru.Now = r.screen.Now()
				period, err := payrun.Days(local(16, 0, 0), local(30, 0, 0), zone)
				if err != nil {
					b.Fatal(err)
				}
				cfg := payroll.DefaultConfig()
				for b.Loop() {
					run, err := payrun.Prepare(context.Background(), r.st, nil, payrun.Plan{Period: period, Rules: ru, Payroll: cfg, ExportID: "bench"})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := run.Build(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/export")
			})
		})
	}
}

// formToken opens page u and returns its form's csrf token for path.
func formToken(b *testing.B, c *http.Client, u, path string) string {
	res, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return pageToken(b, string(page), path)
}

// pageToken is the csrf token of page's form posting to path.
func pageToken(t testing.TB, page, path string) string {
	t.Helper()
	m := regexp.MustCompile(`action="` + regexp.QuoteMeta(path) + `"[^>]*><input type="hidden" name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form to %s on the page:\n%s", path, page)
	}
	return m[1]
}

// TestExportsWithCompanyValues: with the company values `hub serve
// --payroll-config` reads, the dashboard offers ADP too; a missing File #
// blocks the run (listed, nothing recorded) and, once HR sets them, the
// ADP file is written with the company code in its name and rows.
func TestExportsWithCompanyValues(t *testing.T) {
	r := newRig(t, "sqlite", clockface.SystemClock{})
	scenario(r)
	repair(t, r)
	ctx := context.Background()
	cfg := payroll.DefaultConfig()
	cfg.ADP.CompanyCode = "AB1"
	exp := hubdata.NewExports(r.st, r.screen, rules(t), cfg)
	if got := fmt.Sprint(exp.Formats()); !strings.Contains(got, "adp") {
		t.Fatalf("formats with an ADP company code: %s, want adp among them", got)
	}
	_, err := exp.Run(ctx, period, "adp", "pay@example.com")
	var refused *dashboard.ExportBlocked
	if !errors.As(err, &refused) {
		t.Fatalf("adp run without File #s: %v, want *dashboard.ExportBlocked", err)
	}
	if hist, _ := exp.History(ctx); len(hist) != 0 {
		t.Fatalf("history after a refused run: %+v", hist)
	}
	for i, e := range []string{"E1", "E2", "E3"} {
		if _, err := r.st.SetEmployeeFields(ctx, e, map[string]string{hub.FieldADP: fmt.Sprintf("10%d", i+1)}, "hr@example.com", now); err != nil {
			t.Fatal(err)
		}
	}
	f, err := exp.Run(ctx, period, "adp", "pay@example.com")
	if err != nil {
		t.Fatalf("adp run: %v", err)
	}
	if !strings.Contains(f.Name, "AB1") || !strings.Contains(string(f.Data), "AB1") || !strings.Contains(string(f.Data), "101") {
		t.Errorf("adp file %s:\n%s\nwant the company code AB1 and File # 101", f.Name, f.Data)
	}
}
