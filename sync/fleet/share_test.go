package fleet_test

import (
	"clockface/sync/hubclient"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/ledger"
	"clockface/sync/fleet"
	"clockface/sync/hub"
)

type kiosk struct {
	l      *ledger.Ledger
	client *hubclient.Client
	state  fleet.State
}

func newKiosk(t *testing.T, ctx context.Context, st *hub.DB, url, id string, people ...string) *kiosk {
	t.Helper()
	dir := t.TempDir()
	l, err := ledger.Open(ctx, ledger.Config{Path: filepath.Join(dir, "ledger.db"), KeyFile: filepath.Join(dir, "keys", "master.key"),
		Clock: clockface.SystemClock{}, KioskID: id})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for _, p := range people {
		if _, err := l.AddEmployee(ctx, clockface.Employee{Number: p, Name: p}, ""); err != nil {
			t.Fatal(err)
		}
	}
	code, err := hub.NewPairingCode(ctx, st, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := hubclient.HTTPClient("")
	cred, err := hubclient.Pair(ctx, hc, url, code, id, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := hubclient.NewClient(cred, nil, clockface.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	return &kiosk{l: l, client: c, state: fleet.State{Digests: map[string]string{}}}
}

func consent(t *testing.T, ctx context.Context, l *ledger.Ledger, number string) {
	t.Helper()
	sum := sha256.Sum256([]byte("consent text v1"))
	if _, err := l.RecordConsent(ctx, clockface.Consent{EmployeeNumber: number, TextVersion: "v1", Locale: "en",
		TextSHA256: hex.EncodeToString(sum[:]), Signature: number, RetentionPolicy: "r1"}); err != nil {
		t.Fatal(err)
	}
}

// TestShareBetweenLedgers: kiosk A's template reaches kiosk B through a
// hub that only sees ciphertext, only where B holds a consent; nothing is
// echoed back; A's withdrawal deletes B's copy.
func TestShareBetweenLedgers(t *testing.T) {
	ctx := context.Background()
	st, err := hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := hub.NewServer(st, clockface.SystemClock{}, nil)
	srv.EnableTemplateSharing()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	key, _ := fleet.NewKey()
	m := embeddings.Model{Name: "dlib", Version: "1", Dim: 128}

	a := newKiosk(t, ctx, st, ts.URL, "kiosk-a", "E1", "E2")
	b := newKiosk(t, ctx, st, ts.URL, "kiosk-b", "E1", "E2")
	for _, p := range []string{"E1", "E2"} {
		consent(t, ctx, a.l, p)
		tm := template(p)
		tm.Model = m
		if err := a.l.SaveTemplate(ctx, tm, "enrol"); err != nil {
			t.Fatal(err)
		}
	}
	consent(t, ctx, b.l, "E1") // E2 never consented on kiosk B

	pass := func(k *kiosk) fleet.Report {
		t.Helper()
		r, err := fleet.Share(ctx, key, k.client, k.l, m, &k.state, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if got, want := pass(a), (fleet.Report{Pushed: 2}); got != want {
		t.Errorf("A first pass: got %+v, want %+v", got, want)
	}
	if got, want := pass(b), (fleet.Report{Imported: 1, NoConsent: 1}); got != want {
		t.Errorf("B first pass: got %+v, want %+v", got, want)
	}
	want, _ := a.l.Template(ctx, "E1", m)
	got, err := b.l.Template(ctx, "E1", m)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("B's E1: got %+v (%v), want A's template", got.Owner, err)
	}
	if _, err := b.l.Template(ctx, "E2", m); err == nil {
		t.Error("B holds E2's template without E2's consent")
	}
	if got, want := pass(b), (fleet.Report{}); got != want {
		t.Errorf("B second pass (no echo): got %+v, want nothing", got)
	}
	if got, want := pass(a), (fleet.Report{}); got != want {
		t.Errorf("A second pass: got %+v, want nothing", got)
	}

	if err := a.l.WithdrawConsent(ctx, "E1", "E1"); err != nil {
		t.Fatal(err)
	}
	if got, want := pass(a), (fleet.Report{Tombstones: 1}); got != want {
		t.Errorf("A after withdrawal: got %+v, want one tombstone", got)
	}
	if got, want := pass(b), (fleet.Report{Deleted: 1}); got != want {
		t.Errorf("B after A's withdrawal: got %+v, want one deletion", got)
	}
	if _, err := b.l.Template(ctx, "E1", m); err == nil {
		t.Error("B still holds E1's template after the withdrawal on A")
	}
	shares, _ := st.Shares(ctx, 0, 10)
	for _, s := range shares {
		if s.Employee == "E1" && (s.Sealed != "" || !s.Deleted) {
			t.Errorf("hub still holds E1's ciphertext: %+v", s)
		}
	}

	// A kiosk with another fleet's key refuses the shares.
	other, _ := fleet.NewKey()
	c := newKiosk(t, ctx, st, ts.URL, "kiosk-c", "E2")
	consent(t, ctx, c.l, "E2")
	if _, err := fleet.Share(ctx, other, c.client, c.l, m, &c.state, time.Now()); !errors.Is(err, fleet.ErrWrongKey) {
		t.Errorf("other fleet key: got %v, want ErrWrongKey", err)
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet-state.json")
	s, err := fleet.LoadState(path)
	if err != nil || s.Cursor != 0 || len(s.Digests) != 0 {
		t.Fatalf("missing file: got %+v %v, want an empty state", s, err)
	}
	s.Cursor, s.Digests["E1\x00dlib/1"] = 42, "ab"
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := fleet.LoadState(path)
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Errorf("got %+v %v, want %+v", got, err, s)
	}
}
