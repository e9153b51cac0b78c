package outbox_test

import (
	"clockface/sync/hubclient"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/sync/hub"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

// memSource is an in-memory outbox with the ledger's semantics.
type memSource struct {
	mu      sync.Mutex
	events  []outbox.Event
	acked   map[int64]bool
	people  []clockface.Employee
	pending atomic.Int64 // calls to Pending
}

func newMemSource(kiosk string, n int, start time.Time) *memSource {
	s := &memSource{acked: map[int64]bool{}, people: []clockface.Employee{{Number: "E1", Name: "Ann Lee", Status: clockface.StatusActive}}}
	s.add(kiosk, n, start)
	return s
}

func (s *memSource) add(kiosk string, n int, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		seq := int64(len(s.events) + 1)
		kind := clockface.PunchIn
		if seq%2 == 0 {
			kind = clockface.PunchOut
		}
		at := start.Add(time.Duration(seq) * time.Minute)
		p := clockface.Punch{ID: uuid.Must(uuid.NewV7()).String(), EmployeeNumber: "E1", Kind: kind,
			Method: clockface.MethodFace, At: at, KioskID: kiosk, Evidence: clockface.Evidence{Distance: 0.3, SnapshotID: seq}}
		s.events = append(s.events, outbox.Event{Seq: seq, ID: uuid.Must(uuid.NewV7()).String(), Type: wire.TypePunch, Punch: p, At: at})
	}
}

func (s *memSource) PendingOutbox(ctx context.Context, limit int) ([]outbox.Event, error) {
	s.pending.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Event
	for _, e := range s.events {
		if !s.acked[e.Seq] && len(out) < limit {
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

func (s *memSource) AuditHead(ctx context.Context) (int64, string, error) { return 42, "abcd", nil }
func (s *memSource) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return s.people, nil
}

type clock struct{ off time.Duration }

func (c clock) Now() time.Time { return time.Now().UTC().Add(c.off) }

// rig is a real hub (SQLite in a temp dir) on 127.0.0.1 and a paired client.
type rig struct {
	st     *hub.DB
	srv    *httptest.Server
	cred   hubclient.Credential
	client *hubclient.Client
}

func newRig(t *testing.T, kiosk string, kioskClock clockface.Clock) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(hub.NewServer(st, clockface.SystemClock{}, nil).Handler())
	t.Cleanup(srv.Close)
	code, err := hub.NewPairingCode(ctx, st, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := hubclient.Pair(ctx, srv.Client(), srv.URL, code, kiosk, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hub.json")
	if err := cred.Save(path); err != nil {
		t.Fatal(err)
	}
	if cred, err = hubclient.LoadCredential(path); err != nil {
		t.Fatal(err)
	}
	c, err := hubclient.NewClient(cred, nil, kioskClock)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, srv: srv, cred: cred, client: c}
}

func (r *rig) punchIDs(t *testing.T) []string {
	t.Helper()
	ps, err := r.st.PunchesBetween(context.Background(), time.Unix(0, 0), time.Now().Add(1000*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	sort.Strings(ids)
	return ids
}

func wantIDs(s *memSource) []string {
	var ids []string
	for _, e := range s.events {
		ids = append(ids, e.Punch.ID)
	}
	sort.Strings(ids)
	return ids
}

func sameIDs(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d punches on the hub, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("punch %d: got %s, want %s", i, got[i], want[i])
		}
	}
}

// countingSender records batch sizes.
type countingSender struct {
	next  outbox.Sender
	mu    sync.Mutex
	sizes []int
}

func (c *countingSender) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	c.mu.Lock()
	c.sizes = append(c.sizes, len(b.Events))
	c.mu.Unlock()
	return c.next.Send(ctx, b)
}

func TestRunOnceDrainsInBatches(t *testing.T) {
	r := newRig(t, "k1", clockface.SystemClock{})
	src := newMemSource("k1", 1234, time.Now().Add(-48*time.Hour))
	cs := &countingSender{next: r.client}
	relay := outbox.New(src, cs, outbox.Options{KioskID: "k1"})
	st, err := relay.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The directory goes alone first, then the events.
	if got, want := fmt.Sprint(cs.sizes), fmt.Sprint([]int{0, 500, 500, 234}); got != want {
		t.Errorf("got batch sizes %v, want %v", got, want)
	}
	if st.Accepted != 1234 || st.Events != 1234 || src.left() != 0 {
		t.Errorf("got %+v with %d left, want 1234 accepted and none left", st, src.left())
	}
	sameIDs(t, r.punchIDs(t), wantIDs(src))
	es, err := r.st.Employees(context.Background())
	if err != nil || len(es) != 1 || es[0].Name != "Ann Lee" {
		t.Errorf("got directory %+v (%v), want Ann Lee", es, err)
	}
	k, err := r.st.Kiosk(context.Background(), "k1")
	if err != nil || k.AuditSeq != 42 || k.AuditHash != "abcd" {
		t.Errorf("got kiosk %+v (%v), want audit head 42/abcd", k, err)
	}
	// Nothing pending: a pass sends nothing (the directory is unchanged).
	cs.sizes = nil
	if st, err := relay.RunOnce(context.Background()); err != nil || st.Batches != 0 || len(cs.sizes) != 0 {
		t.Errorf("idle pass: got %+v %v and %d sends, want nothing", st, err, len(cs.sizes))
	}
}

// lossySender delivers every batch but reports failure for the first n:
// the hub stored it, the kiosk never heard.
type lossySender struct {
	next outbox.Sender
	n    atomic.Int32
}

func (l *lossySender) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	resp, err := l.next.Send(ctx, b)
	if err == nil && l.n.Add(-1) >= 0 {
		return wire.BatchResponse{}, errors.New("connection reset (answer lost)")
	}
	return resp, err
}

func TestLostAnswersStillExactlyOnce(t *testing.T) {
	r := newRig(t, "k1", clockface.SystemClock{})
	src := newMemSource("k1", 700, time.Now().Add(-time.Hour))
	src.people = nil // events only, so the lost answers are the first two event batches
	ls := &lossySender{next: r.client}
	ls.n.Store(2)
	relay := outbox.New(src, ls, outbox.Options{KioskID: "k1"})
	var total outbox.PassStats
	for i := 0; src.left() > 0; i++ {
		if i > 5 {
			t.Fatal("relay did not drain")
		}
		st, _ := relay.RunOnce(context.Background())
		total.Accepted += st.Accepted
		total.Duplicates += st.Duplicates
	}
	if total.Accepted != 200 || total.Duplicates != 500 {
		// the first 500 landed unheard, so the resend is all duplicates
		t.Errorf("got %+v, want 200 accepted and 500 duplicates after the lost answers", total)
	}
	sameIDs(t, r.punchIDs(t), wantIDs(src))
}

// TestWrongKioskClock: a kiosk clock 3 hours fast is refused as stale
// once; the client adopts the hub's time and the batch goes through,
// flagged as skewed; punch times are untouched.
func TestWrongKioskClock(t *testing.T) {
	r := newRig(t, "k1", clock{off: 3 * time.Hour})
	src := newMemSource("k1", 10, time.Now())
	src.people = nil // one batch, so one skew flag
	relay := outbox.New(src, r.client, outbox.Options{KioskID: "k1", Clock: clock{off: 3 * time.Hour}})
	st, err := relay.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != 10 {
		t.Errorf("got %+v, want 10 accepted", st)
	}
	if off := r.client.Offset(); off > -3*time.Hour+time.Minute || off < -3*time.Hour-time.Minute {
		t.Errorf("got offset %s, want about -3h", off)
	}
	s, err := r.st.Stats(context.Background())
	if err != nil || s.SkewFlags != 1 {
		t.Errorf("got %+v (%v), want one skew flag", s, err)
	}
	sameIDs(t, r.punchIDs(t), wantIDs(src))
}

// flakySender fails the first n sends outright (hub down).
type flakySender struct {
	next  outbox.Sender
	n     atomic.Int32
	calls atomic.Int32
}

func (f *flakySender) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	f.calls.Add(1)
	if f.n.Add(-1) >= 0 {
		return wire.BatchResponse{}, errors.New("dial tcp: connection refused")
	}
	return f.next.Send(ctx, b)
}

func TestRunBacksOffAndNeverBlocks(t *testing.T) {
	r := newRig(t, "k1", clockface.SystemClock{})
	src := newMemSource("k1", 50, time.Now())
	fs := &flakySender{next: r.client}
	fs.n.Store(4)
	relay := outbox.New(src, fs, outbox.Options{KioskID: "k1", MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Interval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { relay.Run(ctx); close(done) }()
	start := time.Now()
	for range 1000 {
		relay.Notify() // the kiosk after each punch: must not block
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("1000 Notify calls took %s, want immediate", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for src.left() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	src.add("k1", 25, time.Now()) // more punches while running
	relay.Notify()
	for src.left() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if src.left() != 0 {
		t.Fatalf("got %d events left, want 0", src.left())
	}
	if got := fs.calls.Load(); got < 5 {
		t.Errorf("got %d send attempts, want at least 5 (4 failures, then success)", got)
	}
	sameIDs(t, r.punchIDs(t), wantIDs(src))
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		u        float64
		want     time.Duration
	}{
		{0, 0, 500 * time.Millisecond},
		{0, 0.5, 750 * time.Millisecond},
		{1, 0, time.Second},
		{3, 0.5, 6 * time.Second},  // d = 8 s: 4 s + 2 s
		{20, 0, 150 * time.Second}, // capped at 5 min: half of it
		{20, 1, 300 * time.Second},
	}
	for _, tt := range tests {
		got := outbox.Backoff(tt.failures, time.Second, 5*time.Minute, tt.u)
		if got.Round(time.Microsecond) != tt.want {
			t.Errorf("Backoff(%d, u=%v): got %s, want %s", tt.failures, tt.u, got, tt.want)
		}
	}
}

// TestLargeDirectoryIsChunked: 5,000 employees with long names reach the
// hub in chunks under its body cap, and the punches follow.
func TestLargeDirectoryIsChunked(t *testing.T) {
	r := newRig(t, "k1", clockface.SystemClock{})
	src := newMemSource("k1", 10, time.Now())
	src.people = nil
	for i := range 5000 {
		src.people = append(src.people, clockface.Employee{Number: fmt.Sprintf("E%05d", i), Name: strings.Repeat("N", 190), Status: clockface.StatusActive})
	}
	st, err := outbox.New(src, r.client, outbox.Options{KioskID: "k1"}).RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches != 4 || st.Accepted != 10 {
		t.Errorf("got %+v, want 3 directory chunks and 1 batch of 10 punches", st)
	}
	es, err := r.st.Employees(context.Background())
	if err != nil || len(es) != 5000 {
		t.Errorf("got %d employees on the hub (%v), want 5000", len(es), err)
	}
}

func TestRevokedKioskIsAPermanentError(t *testing.T) {
	r := newRig(t, "k1", clockface.SystemClock{})
	if err := r.st.Revoke(context.Background(), "k1", time.Now()); err != nil {
		t.Fatal(err)
	}
	src := newMemSource("k1", 3, time.Now())
	_, err := outbox.New(src, r.client, outbox.Options{KioskID: "k1"}).RunOnce(context.Background())
	var he *hubclient.HubError
	if !errors.As(err, &he) || he.Code != wire.CodeRevokedKiosk || he.Temporary() {
		t.Fatalf("got %v, want a permanent revoked_kiosk HubError", err)
	}
	if src.left() != 3 {
		t.Errorf("got %d left, want all 3 kept for later", src.left())
	}
}
