package reliability_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/internal/pgtest"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

type storeCase struct {
	name string
	// open returns the --db value and schema for a fresh store, and
	// registers its cleanup.
	open func(t testing.TB) (db, schema string)
}

var stores = []storeCase{
	{"sqlite", func(t testing.TB) (string, string) { return filepath.Join(t.TempDir(), "hub.db"), "" }},
	{"postgres", func(t testing.TB) (string, string) { return pgtest.URL(), pgtest.Schema(t, "reltest") }},
}

func openStore(t testing.TB, db, schema string) *hub.DB {
	t.Helper()
	st, err := hub.Open(context.Background(), db, schema)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// memSource is an in-memory outbox with the ledger's semantics.
type memSource struct {
	mu     sync.Mutex
	events []outbox.Event
	acked  map[int64]bool
}

func newMemSource(kiosk string, n int, start time.Time) *memSource {
	s := &memSource{acked: map[int64]bool{}}
	for i := range n {
		seq := int64(i + 1)
		kind := clockface.PunchIn
		if seq%2 == 0 {
			kind = clockface.PunchOut
		}
		at := start.Add(time.Duration(seq) * time.Second) // thousands of events stay within wire.MaxFuture of now
		p := clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: "E" + kiosk, Kind: kind,
			Method: clockface.MethodPIN, At: at, KioskID: kiosk}
		s.events = append(s.events, outbox.Event{Seq: seq, ID: uuid.Must(uuid.NewV7()).String(), Type: wire.TypePunch, Punch: p, At: at})
	}
	return s
}

func (s *memSource) PendingOutbox(ctx context.Context, limit int) ([]outbox.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Event
	for _, e := range s.events {
		if len(out) == limit {
			break
		}
		if !s.acked[e.Seq] {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memSource) AckOutbox(ctx context.Context, seqs []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range seqs {
		s.acked[q] = true
	}
	return nil
}

func (s *memSource) left() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events) - len(s.acked)
}

func (s *memSource) AuditHead(ctx context.Context) (int64, string, error) { return 1, "ab", nil }
func (s *memSource) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return nil, nil
}

// checkExactlyOnce fails unless the hub holds exactly the sources' punches.
func checkExactlyOnce(t *testing.T, st *hub.DB, srcs ...*memSource) {
	t.Helper()
	ps, err := st.PunchesBetween(context.Background(), time.Unix(0, 0), time.Now().Add(24*365*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range srcs {
		for _, e := range s.events {
			want = append(want, e.Punch.ID)
		}
	}
	got := make([]string, len(ps))
	for i, p := range ps {
		got[i] = p.ID
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("hub holds %d punches, want exactly %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("punch %d: got %s, want %s", i, got[i], want[i])
		}
	}
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != int64(len(want)) {
		t.Fatalf("hub holds %d events, want %d", s.Events, len(want))
	}
}

// pairAll creates a code per kiosk in st and exchanges it over HTTP.
func pairAll(t testing.TB, st *hub.DB, base string, kiosks []string) []hubclient.Credential {
	t.Helper()
	ctx := context.Background()
	creds := make([]hubclient.Credential, len(kiosks))
	hc, _ := hubclient.HTTPClient("")
	for i, k := range kiosks {
		code, err := hub.NewPairingCode(ctx, st, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if creds[i], err = hubclient.Pair(ctx, hc, base, code, k, ""); err != nil {
			t.Fatal(err)
		}
	}
	return creds
}
