package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/internal/clocktest"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// Issue 15's hub items: each test here fails without its fix.

func newHubLimits(t testing.TB, st *hub.DB, lim hub.Limits) (*testHub, *hub.Server) {
	t.Helper()
	c := clocktest.New(t0)
	s := hub.NewServerWithLimits(st, c, nil, lim)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testHub{st: st, srv: srv, clock: c}, s
}

// Item 1: a kiosk cannot void or re-time another kiosk's punches.
func TestChangeOnlyFromRecordingKiosk(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			s1, s2 := h.pair(t, "k1"), h.pair(t, "k2")
			b := makeBatch("k1", "E1", t0, 2, 0)
			if s, e, _ := h.post(t, mustJSON(t, b), "k1", s1, t0, wire.NewNonce()); s != http.StatusOK {
				t.Fatalf("got %d %+v", s, e)
			}
			in, out := b.Events[0], b.Events[1]
			// k2 re-times k1's in punch and voids its out punch, naming
			// itself as the punch's kiosk (the event check passes).
			in.ID, in.Seq, in.Type = "0190a1b2-c3d4-7e5f-8a9b-000000000011", 1, wire.TypeCorrection
			in.Punch.KioskID = "k2"
			in.Punch.Correction = &wire.Correction{At: t0.Add(6 * time.Hour), By: "mgr", Reason: "x", When: t0.Add(time.Hour)}
			out.ID, out.Seq, out.Type = "0190a1b2-c3d4-7e5f-8a9b-000000000012", 2, wire.TypeVoid
			out.Punch.KioskID = "k2"
			out.Punch.Void = &wire.Void{By: "E1", Reason: "x", When: t0.Add(time.Hour)}
			for _, ev := range []wire.Event{in, out} {
				bad := wire.Batch{KioskID: "k2", KioskClock: t0, AuditHead: wire.AuditHead{Seq: 1, Hash: "bb"}, Events: []wire.Event{ev}}
				before := stats(t, h.st)
				s, e, _ := h.post(t, mustJSON(t, bad), "k2", s2, t0, wire.NewNonce())
				if s != http.StatusForbidden || e.Code != wire.CodeNotOwner || !strings.Contains(e.Error, `kiosk "k1" recorded`) {
					t.Errorf("%s from k2: got %d %q %q, want 403 %q", ev.Type, s, e.Code, e.Error, wire.CodeNotOwner)
				}
				if got := stats(t, h.st); got != before {
					t.Errorf("store changed: got %s, want %s", fmtStats(got), fmtStats(before))
				}
			}
			ps, err := h.st.PunchesBetween(ctx, t0.Add(-time.Hour), t0.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 2 || ps[0].Corrected != nil || ps[1].Voided != nil {
				t.Fatalf("got %+v, want both punches untouched", ps)
			}
			// The recording kiosk still may.
			in.Punch.KioskID, out.Punch.KioskID = "k1", "k1"
			in.Seq, out.Seq = 3, 4
			ok := wire.Batch{KioskID: "k1", KioskClock: t0, AuditHead: wire.AuditHead{Seq: 4, Hash: "00ff"}, Events: []wire.Event{in, out}}
			if s, e, r := h.post(t, mustJSON(t, ok), "k1", s1, t0, wire.NewNonce()); s != http.StatusOK || r.Accepted != 2 {
				t.Fatalf("k1's own change: got %d %+v %+v, want 2 accepted", s, e, r)
			}
		})
	}
}

// rawUpload opens a connection and sends a batch's headers (signed by
// kiosk with secret, or with a made-up secret) with Expect: 100-continue,
// and no body: a stalled upload. The Go server sends "100 Continue" only
// when the handler starts reading the body.
func rawUpload(t *testing.T, h *testHub, body []byte, kiosk string, secret []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+wire.PathBatches, nil)
	if err != nil {
		t.Fatal(err)
	}
	wire.Sign(req, body, kiosk, secret, h.clock.Now(), wire.NewNonce())
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", wire.PathBatches, len(body))
	for _, k := range []string{"Content-Digest", "Signature-Input", "Signature"} {
		fmt.Fprintf(&b, "%s: %s\r\n", k, req.Header.Get(k))
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

func readStatus(t *testing.T, r *bufio.Reader) (int, wire.ErrorResponse) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	var e wire.ErrorResponse
	if resp.StatusCode >= 400 {
		json.NewDecoder(resp.Body).Decode(&e)
	}
	resp.Body.Close()
	return resp.StatusCode, e
}

func bodyBytesRead(t *testing.T, h *testHub) string {
	t.Helper()
	resp, err := http.Get(h.srv.URL + wire.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "clockface_hub_body_bytes_read_total ") {
			return strings.TrimPrefix(line, "clockface_hub_body_bytes_read_total ")
		}
	}
	t.Fatalf("no clockface_hub_body_bytes_read_total in /metrics:\n%s", data)
	return ""
}

// Item 4: stalled uploads from unknown kiosk ids are refused from their
// headers alone: no 100 Continue, not a byte of body read.
func TestUnknownKioskBodyNeverRead(t *testing.T) {
	h, _ := newHubLimits(t, openSQLite(t), hub.DefaultLimits())
	body := mustJSON(t, makeBatch("k1", "E1", t0, 2, 0))
	for i := range 50 {
		_, r := rawUpload(t, h, body, fmt.Sprintf("ghost-%d", i), []byte("0123456789abcdef0123456789abcdef"))
		if s, e := readStatus(t, r); s != http.StatusUnauthorized || e.Code != wire.CodeBadSignature {
			t.Fatalf("upload %d from an unknown kiosk: got %d %+v, want 401 %s before any body (a 100 Continue means the body was read)", i, s, e, wire.CodeBadSignature)
		}
	}
	if got := bodyBytesRead(t, h); got != "0" {
		t.Errorf("body bytes read: got %s, want 0", got)
	}
}

// Item 4: at most Limits.BodyReads bodies are read at once; a slow valid
// upload beyond the cap gets 503 busy (kiosks retry) without its body
// read, and the stalled ones complete when their bodies come.
func TestBodyReadCap(t *testing.T) {
	lim := hub.DefaultLimits()
	lim.BodyReads = 2
	h, _ := newHubLimits(t, openSQLite(t), lim)
	secret := h.pair(t, "k1")
	var conns []net.Conn
	var readers []*bufio.Reader
	var bodies [][]byte
	for i := range 2 {
		body := mustJSON(t, makeBatch("k1", "E1", t0, 2, int64(2*i)))
		c, r := rawUpload(t, h, body, "k1", secret)
		if s, _ := readStatus(t, r); s != http.StatusContinue {
			t.Fatalf("slow upload %d: got %d, want 100 Continue (the hub reads its body)", i, s)
		}
		conns, readers, bodies = append(conns, c), append(readers, r), append(bodies, body)
	}
	_, r := rawUpload(t, h, mustJSON(t, makeBatch("k1", "E1", t0, 2, 10)), "k1", secret)
	if s, e := readStatus(t, r); s != http.StatusServiceUnavailable || e.Code != wire.CodeBusy {
		t.Fatalf("third upload while two bodies are read: got %d %+v, want 503 %s", s, e, wire.CodeBusy)
	}
	for i, c := range conns {
		if _, err := c.Write(bodies[i]); err != nil {
			t.Fatal(err)
		}
		if s, e := readStatus(t, readers[i]); s != http.StatusOK {
			t.Fatalf("slow upload %d completed: got %d %+v, want 200", i, s, e)
		}
	}
	b := makeBatch("k1", "E1", t0, 2, 20)
	if s, e, _ := h.post(t, mustJSON(t, b), "k1", secret, t0, wire.NewNonce()); s != http.StatusOK {
		t.Fatalf("upload after the slow ones: got %d %+v, want 200", s, e)
	}
}

// Item 7: only the kiosk that first uploaded an employee changes its
// directory entry; another kiosk's rename or termination is ignored and
// flagged.
func TestDirectoryOwnedByFirstKiosk(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			s1, s2 := h.pair(t, "k1"), h.pair(t, "k2")
			send := func(kiosk string, secret []byte, name, status string) {
				t.Helper()
				b := wire.Batch{KioskID: kiosk, KioskClock: h.clock.Now(), AuditHead: wire.AuditHead{Seq: 1, Hash: "aa"},
					Employees: []wire.Employee{{Number: "E1", Name: name, Status: status}}}
				if s, e, _ := h.post(t, mustJSON(t, b), kiosk, secret, h.clock.Now(), wire.NewNonce()); s != http.StatusOK {
					t.Fatalf("%s: got %d %+v, want 200", kiosk, s, e)
				}
			}
			check := func(step, name, status string, flags int) {
				t.Helper()
				es, err := h.st.Employees(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(es) != 1 || es[0].Name != name || string(es[0].Status) != status {
					t.Errorf("%s: got %+v, want E1 %s %s", step, es, name, status)
				}
				fs, err := h.st.DirectoryFlags(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(fs) != flags {
					t.Errorf("%s: got %d directory flags %+v, want %d", step, len(fs), fs, flags)
				}
			}
			send("k1", s1, "Ann", "active")
			check("k1 uploads", "Ann", "active", 0)
			send("k2", s2, "Ann", "active")
			check("k2 agrees", "Ann", "active", 0)
			send("k2", s2, "Mallory", "terminated")
			check("k2 renames and terminates", "Ann", "active", 1)
			send("k1", s1, "Ann Smith", "terminated")
			check("k1 renames", "Ann Smith", "terminated", 1)
		})
	}
}

// Item 9: the hub database and its -wal/-shm are 0600; the path is a
// file name, never a URI query or fragment; the pragmas are checked.
func TestHubDatabasePrivateAndEscaped(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "h#a")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hub.db?_synchronous=OFF")
	st, err := hub.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, sync, err := st.SQLitePragmas(ctx); err != nil || sync != 2 {
		t.Errorf("synchronous: got %d (%v), want 2: the path must not set pragmas", sync, err)
	}
	// A write, so the -wal and -shm exist.
	if _, err := hub.NewPairingCodeFor(ctx, st, t0, time.Hour, "k1"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v (the database must be this file, not a prefix of the path)", filepath.Base(p), err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "h")); err == nil {
		t.Error("a file named h was created: the '#' ended the path")
	}
}

// Item 9: a database made 0644 by an older hub is made 0600 on open.
func TestHubDatabaseTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := hub.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err = hub.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v, want 0600", fi.Mode().Perm())
	}
}

// Item 10: a punch id reused with other content is flagged and not
// applied, and not counted as a duplicate; a true resend is a duplicate.
func TestReusedPunchIDFlagged(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			b := makeBatch("k1", "E1", t0, 1, 0)
			if s, e, _ := h.post(t, mustJSON(t, b), "k1", secret, t0, wire.NewNonce()); s != http.StatusOK {
				t.Fatalf("got %d %+v", s, e)
			}
			same := b.Events[0]
			same.ID, same.Seq = "0190a1b2-c3d4-7e5f-8a9b-000000000021", 2
			other := same
			other.ID, other.Seq = "0190a1b2-c3d4-7e5f-8a9b-000000000022", 3
			other.Punch.Employee = "E2"
			b2 := wire.Batch{KioskID: "k1", KioskClock: t0, AuditHead: wire.AuditHead{Seq: 3, Hash: "00ff"}, Events: []wire.Event{same, other}}
			s, e, r := h.post(t, mustJSON(t, b2), "k1", secret, t0, wire.NewNonce())
			if s != http.StatusOK || r.Accepted != 0 || r.Duplicates != 1 || r.Conflicts != 1 {
				t.Fatalf("got %d %+v %+v, want 200 with 0 accepted, 1 duplicate, 1 conflict", s, e, r)
			}
			fs, err := h.st.PunchConflicts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Subject != b.Events[0].Punch.ID || !strings.Contains(fs[0].Reason, "employee E2") {
				t.Errorf("got conflicts %+v, want one for %s naming E2", fs, b.Events[0].Punch.ID)
			}
			ps, err := h.st.PunchesBetween(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || ps[0].EmployeeNumber != "E1" {
				t.Errorf("got punches %+v, want the original E1 punch only", ps)
			}
		})
	}
}

// Item 10: a punch dated more than a day ahead of the hub is refused.
func TestFuturePunchRefused(t *testing.T) {
	h := newHub(t, openSQLite(t))
	secret := h.pair(t, "k1")
	for _, tt := range []struct {
		name   string
		at     time.Time
		status int
	}{
		{"2199", time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC), http.StatusBadRequest},
		{"a day and a second ahead", t0.Add(wire.MaxFuture + time.Second), http.StatusBadRequest},
		{"exactly a day ahead", t0.Add(wire.MaxFuture), http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := stats(t, h.st)
			b := makeBatch("k1", "E1", tt.at, 1, 0)
			b.KioskClock = t0
			s, e, _ := h.post(t, mustJSON(t, b), "k1", secret, t0, wire.NewNonce())
			if s != tt.status {
				t.Fatalf("got %d %+v, want %d", s, e, tt.status)
			}
			if s != http.StatusOK {
				if e.Code != wire.CodeFutureTime || !strings.Contains(e.Error, "ahead of hub time") {
					t.Errorf("got %q %q, want %s", e.Code, e.Error, wire.CodeFutureTime)
				}
				if got := stats(t, h.st); got != before {
					t.Errorf("store changed: got %s, want %s", fmtStats(got), fmtStats(before))
				}
			}
		})
	}
}

// Item 13: an unknown kiosk and a bad signature get the same answer.
func TestUnknownKioskLooksLikeBadSignature(t *testing.T) {
	h := newHub(t, openSQLite(t))
	secret := h.pair(t, "k1")
	body := mustJSON(t, makeBatch("k1", "E1", t0, 1, 0))
	s1, e1, _ := h.post(t, body, "k1", []byte("not the secret, but 32 bytes...."), t0, wire.NewNonce())
	s2, e2, _ := h.post(t, body, "k9", secret, t0, wire.NewNonce())
	e1.HubTime, e2.HubTime = time.Time{}, time.Time{}
	if s1 != s2 || e1 != e2 {
		t.Errorf("bad signature: %d %+v; unknown kiosk: %d %+v; want the same", s1, e1, s2, e2)
	}
}

// Item 13: /metrics answers loopback clients only, unless enabled.
func TestMetricsLoopbackOnly(t *testing.T) {
	for _, tt := range []struct {
		remote string
		public bool
		want   int
		proxy  bool
	}{
		{"127.0.0.1:5000", false, http.StatusOK, false},
		{"127.0.0.1:5000", false, http.StatusNotFound, true}, // through a local reverse proxy
		{"[::1]:5000", false, http.StatusOK, false},
		{"192.0.2.7:5000", false, http.StatusNotFound, false},
		{"192.0.2.7:5000", true, http.StatusOK, false},
	} {
		s := hub.NewServer(openSQLite(t), clocktest.New(t0), nil)
		if tt.public {
			s.EnableMetrics()
		}
		req := httptest.NewRequest(http.MethodGet, wire.PathMetrics, nil)
		req.RemoteAddr = tt.remote
		if tt.proxy {
			req.Header.Set("X-Forwarded-For", "192.0.2.7")
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s (metrics enabled %v, proxied %v): got %d, want %d", tt.remote, tt.public, tt.proxy, rec.Code, tt.want)
		}
	}
}

// Item 13: pairing is rate-limited per client address.
func TestPairingRateLimited(t *testing.T) {
	lim := hub.DefaultLimits()
	lim.PairAttempts = 3
	h, _ := newHubLimits(t, openSQLite(t), lim)
	try := func() (int, wire.ErrorResponse) {
		resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json",
			bytes.NewReader(mustJSON(t, wire.PairRequest{Code: "WRONG-CODE-0000", KioskID: "k1"})))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e wire.ErrorResponse
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	for i := range 3 {
		if s, e := try(); s != http.StatusForbidden {
			t.Fatalf("attempt %d: got %d %+v, want 403 bad code", i+1, s, e)
		}
	}
	if s, e := try(); s != http.StatusTooManyRequests || e.Code != wire.CodeRateLimited {
		t.Fatalf("attempt 4: got %d %+v, want 429 %s", s, e, wire.CodeRateLimited)
	}
	h.clock.Add(lim.PairWindow)
	if s, e := try(); s != http.StatusForbidden {
		t.Fatalf("after the window: got %d %+v, want 403 (allowed again)", s, e)
	}
}

// Item 13: TLS 1.2 offers AEAD suites only: a client that offers only
// CBC-SHA1 suites cannot connect; one offering GCM can.
func TestTLSOnlyAEADSuites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	cfg, err := hub.SelfSignedTLS(dir, []string{"hub.lan"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, hub.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	dial := func(suite uint16) error {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "hub.lan",
			MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite}})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA); err == nil {
		t.Error("a CBC-SHA1 suite was accepted")
	}
	if err := dial(tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA); err == nil {
		t.Error("a CBC-SHA1 (ECDSA) suite was accepted")
	}
	var okErr error
	for _, s := range wire.AEADCipherSuites() {
		if okErr = dial(s); okErr == nil {
			break
		}
	}
	if okErr != nil {
		t.Errorf("no AEAD suite connects: %v", okErr)
	}
}
