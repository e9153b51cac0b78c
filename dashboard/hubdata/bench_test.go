package hubdata_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/dashboard"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/wire"
)

// load stores punches for kiosk through ApplyBatch, 500 a batch (as the
// relay sends them), with the directory in the first batch.
func (r *rig) load(kiosk string, people []wire.Employee, punches []clockface.Punch) {
	r.t.Helper()
	ctx := context.Background()
	code, err := hub.NewPairingCode(ctx, r.st, time.Now(), time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := hubclient.Pair(ctx, r.srv.Client(), r.srv.URL, code, kiosk, ""); err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i < len(punches) || i == 0; i += wire.MaxBatchEvents {
		b := wire.Batch{KioskID: kiosk, KioskClock: time.Now(), AuditHead: wire.AuditHead{Seq: int64(i + 1), Hash: fmt.Sprintf("%08x", i)}}
		if i == 0 {
			b.Employees = people
		}
		for j, p := range punches[i:min(i+wire.MaxBatchEvents, len(punches))] {
			b.Events = append(b.Events, wire.Event{ID: uuid.Must(uuid.NewV7()).String(), Seq: int64(i + j + 1), Type: wire.TypePunch,
				At: p.At, Punch: wire.FromPunch(p)})
		}
		if _, err := r.st.ApplyBatch(ctx, hub.Receipt{KioskID: kiosk, Nonce: wire.NewNonce(), HubTime: time.Now(), Batch: b}); err != nil {
			r.t.Fatal(err)
		}
	}
}

func pin(emp, kiosk string, kind clockface.PunchKind, at time.Time) clockface.Punch {
	return clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: emp, Kind: kind, Method: clockface.MethodPIN, At: at, KioskID: kiosk}
}

func staff(n int) []wire.Employee {
	out := make([]wire.Employee, n)
	for i := range out {
		out[i] = wire.Employee{Number: fmt.Sprintf("E%05d", i), Name: fmt.Sprintf("Employee %d", i), Status: "active"}
	}
	return out
}

// workday is in, a 30-minute meal, out: four punches.
func workday(emp, kiosk string, day time.Time) []clockface.Punch {
	return []clockface.Punch{
		pin(emp, kiosk, clockface.PunchIn, day.Add(8*time.Hour)),
		pin(emp, kiosk, clockface.BreakStart, day.Add(12*time.Hour)),
		pin(emp, kiosk, clockface.BreakEnd, day.Add(12*time.Hour+30*time.Minute)),
		pin(emp, kiosk, clockface.PunchOut, day.Add(16*time.Hour+30*time.Minute)),
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signedIn returns an HTTP client signed in to the rig's dashboard.
func (r *rig) signedIn(email string) *http.Client {
	r.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := r.srv.Client()
	c.Jar = jar
	res, err := c.Get(r.srv.URL + "/login")
	if err != nil {
		r.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		r.t.Fatal("no csrf token on the sign-in page")
	}
	res, err = c.PostForm(r.srv.URL+"/login", url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {testPassword}})
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/" {
		r.t.Fatalf("sign in as %s ended at %s", email, res.Request.URL)
	}
	return c
}

// get fetches path and fails unless it answers 200.
func get(b *testing.B, c *http.Client, u string) {
	res, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d", u, res.StatusCode)
	}
}

// BenchmarkTimesheetPage serves the timesheet page (HTTP, TLS, session,
// reads, attendance rules, payroll summary, template) for 500 employees
// over one semi-monthly period, 16-30 November 2026, each working every
// weekday of the whole workweeks the period needs: 17,000 punches read.
func BenchmarkTimesheetPage(b *testing.B) {
	for _, kind := range backends {
		b.Run(kind, func(b *testing.B) {
			r := newRig(b, kind, clockface.SystemClock{})
			people := staff(500)
			var ps []clockface.Punch
			for day := local(8, 0, 0); day.Before(local(30, 0, 0).AddDate(0, 0, 7)); day = day.AddDate(0, 0, 1) {
				if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
					continue
				}
				for _, e := range people {
					ps = append(ps, workday(e.Number, "front", day)...)
				}
			}
			r.load("front", people, ps)
			r.addUsers(dashboard.User{Email: "owner@example.com", Role: dashboard.RoleOwner})
			c := r.signedIn("owner@example.com")
			u := r.srv.URL + "/timesheet/front?date=2026-11-16"
			get(b, c, u)
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for b.Loop() {
				get(b, c, u)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
			// This process's CPU time per page (server and client; not the
			// PostgreSQL server's): on a shared machine wall time mostly
			// measures the queue for the two cores.
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N)/1e6, "cpu-ms/page")
		})
	}
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkWhosIn serves the who's-in board for 10,000 employees at one
// site, each with yesterday's shift and today's in-punch (and a third of
// them on a break): 63,000 punches stored, 13,000 in the board's window.
func BenchmarkWhosIn(b *testing.B) {
	for _, kind := range backends {
		b.Run(kind, func(b *testing.B) {
			r := newRig(b, kind, clockface.SystemClock{})
			people := staff(10000)
			var ps []clockface.Punch
			for i, e := range people {
				ps = append(ps, workday(e.Number, "front", local(19, 0, 0))...)
				ps = append(ps, pin(e.Number, "front", clockface.PunchIn, local(20, 7, 0).Add(time.Duration(i%180)*time.Minute)))
				if i%3 == 0 {
					ps = append(ps, pin(e.Number, "front", clockface.BreakStart, local(20, 11, 0)))
				}
			}
			r.load("front", people, ps)
			r.addUsers(dashboard.User{Email: "owner@example.com", Role: dashboard.RoleOwner})
			c := r.signedIn("owner@example.com")
			u := r.srv.URL + "/whos-in/front"
			get(b, c, u)
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for b.Loop() {
				get(b, c, u)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
			// This process's CPU time per page (server and client; not the
			// PostgreSQL server's): on a shared machine wall time mostly
			// measures the queue for the two cores.
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N)/1e6, "cpu-ms/page")
		})
	}
}

// BenchmarkDownstream is one kiosk's downstream answer (status changes and
// the other kiosks' last known states) on a hub whose 10,000 employees all
// punched at another kiosk today: what every kiosk asks at each sync pass.
func BenchmarkDownstream(b *testing.B) {
	for _, kind := range backends {
		b.Run(kind, func(b *testing.B) {
			r := newRig(b, kind, clockface.SystemClock{})
			people := staff(10000)
			var ps []clockface.Punch
			for i, e := range people {
				ps = append(ps, pin(e.Number, "front", clockface.PunchIn, local(20, 7, 0).Add(time.Duration(i%180)*time.Minute)))
			}
			r.load("front", people, ps)
			r.load("back", nil, nil)
			ctx, now := context.Background(), local(20, 15, 0)
			var size int
			for b.Loop() {
				d, err := r.st.Downstream(ctx, "back", 0, now)
				if err != nil {
					b.Fatal(err)
				}
				if len(d.States) != 10000 {
					b.Fatalf("%d states, want 10000", len(d.States))
				}
				js, err := json.Marshal(d)
				if err != nil {
					b.Fatal(err)
				}
				size = len(js)
			}
			b.ReportMetric(float64(size)/1e6, "MB/answer")
			var z bytes.Buffer // as the hub sends it to a client that accepts gzip
			zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
			d, _ := r.st.Downstream(ctx, "back", 0, now)
			_ = json.NewEncoder(zw).Encode(d)
			_ = zw.Close()
			b.ReportMetric(float64(z.Len())/1e6, "MB/gzip")
		})
	}
}
