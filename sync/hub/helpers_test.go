package hub_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/internal/clocktest"
	"clockface/internal/pgtest"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

type storeCase struct {
	name string
	open func(t testing.TB) *hub.DB
}

// stores is the table every store test runs against: both adapters.
var stores = []storeCase{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// sqlitePaths remembers where each test store lives, for byte scans.
var sqlitePaths sync.Map

func openSQLite(t testing.TB) *hub.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := hub.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sqlitePaths.Store(st, path)
	t.Cleanup(func() { st.Close() })
	return st
}

func dbPath(t testing.TB, st *hub.DB) string {
	p, ok := sqlitePaths.Load(st)
	if !ok {
		t.Fatal("not a test sqlite store")
	}
	return p.(string)
}

func encode(secret []byte) string { return base64.RawURLEncoding.EncodeToString(secret) }

// openPostgres opens a store in a fresh schema, dropped afterwards.
func openPostgres(t testing.TB) *hub.DB {
	t.Helper()
	schema := pgtest.Schema(t, "hubtest")
	st, err := hub.OpenPostgres(context.Background(), pgtest.URL(), schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

type testHub struct {
	st    *hub.DB
	srv   *httptest.Server
	clock *clocktest.Clock
}

func newHub(t testing.TB, st *hub.DB) *testHub { return newHubWith(t, st, false) }

func newHubWith(t testing.TB, st *hub.DB, sharing bool) *testHub {
	t.Helper()
	c := clocktest.New(t0)
	s := hub.NewServer(st, c, nil)
	if sharing {
		s.EnableTemplateSharing()
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testHub{st: st, srv: srv, clock: c}
}

// pair creates a code and exchanges it over HTTP; it returns the secret.
func (h *testHub) pair(t testing.TB, kiosk string) []byte {
	t.Helper()
	code, err := hub.NewPairingCode(context.Background(), h.st, h.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(wire.PairRequest{Code: code, KioskID: kiosk})
	resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pair: got status %d, want 200", resp.StatusCode)
	}
	var pr wire.PairResponse
	if err := json.NewDecoder(resp.Body).Decode(&pr); err != nil {
		t.Fatal(err)
	}
	secret, err := hub.DecodeSecret(pr.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// post sends body to /v1/batches signed by (kiosk, secret) at created.
func (h *testHub) post(t testing.TB, body []byte, kiosk string, secret []byte, created time.Time, nonce string) (int, wire.ErrorResponse, wire.BatchResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+wire.PathBatches, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if secret != nil {
		wire.Sign(req, body, kiosk, secret, created, nonce)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e wire.ErrorResponse
	var ok wire.BatchResponse
	if resp.StatusCode == http.StatusOK {
		json.NewDecoder(resp.Body).Decode(&ok)
	} else {
		json.NewDecoder(resp.Body).Decode(&e)
	}
	return resp.StatusCode, e, ok
}

// makeBatch builds n punch events for kiosk, alternating in and out for
// employee emp, starting at start, one per hour.
func makeBatch(kiosk, emp string, start time.Time, n int, seq0 int64) wire.Batch {
	b := wire.Batch{KioskID: kiosk, KioskClock: start, AuditHead: wire.AuditHead{Seq: seq0 + int64(n), Hash: "00ff"}}
	for i := range n {
		kind := clockface.PunchIn
		if i%2 == 1 {
			kind = clockface.PunchOut
		}
		at := start.Add(time.Duration(i) * time.Hour)
		p := clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: emp, Kind: kind,
			Method: clockface.MethodPIN, At: at, KioskID: kiosk}
		b.Events = append(b.Events, wire.Event{ID: uuid.Must(uuid.NewV7()).String(), Seq: seq0 + int64(i) + 1,
			Type: wire.TypePunch, At: at, Punch: wire.FromPunch(p)})
	}
	return b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func stats(t testing.TB, st hub.Health) hub.Stats {
	t.Helper()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fmtStats(s hub.Stats) string {
	return fmt.Sprintf("kiosks=%d events=%d punches=%d skew=%d", s.Kiosks, s.Events, s.Punches, s.SkewFlags)
}
