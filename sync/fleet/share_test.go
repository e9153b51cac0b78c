package fleet_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
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
	"clockface/sync/hubclient"
	"clockface/sync/wire"
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
		if len(r.Refusals) != 0 {
			t.Errorf("refusals: %v", r.Refusals)
		}
		return r
	}
	if got, want := pass(a), (fleet.Report{Pushed: 2}); !reflect.DeepEqual(got, want) {
		t.Errorf("A first pass: got %+v, want %+v", got, want)
	}
	if got, want := pass(b), (fleet.Report{Imported: 1, NoConsent: 1}); !reflect.DeepEqual(got, want) {
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
	if got, want := pass(b), (fleet.Report{}); !reflect.DeepEqual(got, want) {
		t.Errorf("B second pass (no echo): got %+v, want nothing", got)
	}
	if got, want := pass(a), (fleet.Report{}); !reflect.DeepEqual(got, want) {
		t.Errorf("A second pass: got %+v, want nothing", got)
	}

	if err := a.l.WithdrawConsent(ctx, "E1", "E1"); err != nil {
		t.Fatal(err)
	}
	if got, want := pass(a), (fleet.Report{Tombstones: 1}); !reflect.DeepEqual(got, want) {
		t.Errorf("A after withdrawal: got %+v, want one tombstone", got)
	}
	if got, want := pass(b), (fleet.Report{Deleted: 1}); !reflect.DeepEqual(got, want) {
		t.Errorf("B after A's withdrawal: got %+v, want one deletion", got)
	}
	if _, err := b.l.Template(ctx, "E1", m); err == nil {
		t.Error("B still holds E1's template after the withdrawal on A")
	}
	shares, _ := st.Shares(ctx, 0, 10)
	for _, s := range shares {
		if s.Employee == "E1" && (len(s.Sealed) != tombstoneTagChars || !s.Deleted) {
			t.Errorf("hub still holds E1's ciphertext: %+v", s)
		}
	}

	// A kiosk with another fleet's key skips the shares and says why.
	other, _ := fleet.NewKey()
	c := newKiosk(t, ctx, st, ts.URL, "kiosk-c", "E2")
	consent(t, ctx, c.l, "E2")
	r, err := fleet.Share(ctx, other, c.client, c.l, m, &c.state, time.Now())
	if err != nil {
		t.Fatalf("other fleet key: %v, want the shares skipped", err)
	}
	if len(r.Refusals) != 2 || !errors.Is(r.Refusals[0].Err, fleet.ErrWrongKey) || !errors.Is(r.Refusals[1].Err, fleet.ErrWrongKey) {
		t.Errorf("other fleet key: got refusals %v, want two ErrWrongKey", r.Refusals)
	}
	if r.Imported != 0 || r.Deleted != 0 {
		t.Errorf("other fleet key: got %+v, want nothing applied", r)
	}
}

// tombstoneTagChars is the base64url length of a tombstone's 40-byte tag.
const tombstoneTagChars = 54

// fleetHub is a hub with sharing on and kiosks A (the sender), B (the
// receiver, with E1 and E2 consented and E1's template imported from A)
// and M (a paired kiosk without the fleet key).
type fleetHub struct {
	key     *fleet.Key
	m       embeddings.Model
	st      *hub.DB
	a, b, x *kiosk
}

func newFleetHub(t *testing.T, ctx context.Context) *fleetHub {
	t.Helper()
	st, err := hub.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := hub.NewServer(st, clockface.SystemClock{}, nil)
	srv.EnableTemplateSharing()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f := &fleetHub{st: st, m: embeddings.Model{Name: "dlib", Version: "1", Dim: 128}}
	f.key, _ = fleet.NewKey()
	f.a = newKiosk(t, ctx, st, ts.URL, "kiosk-a", "E1", "E2")
	f.b = newKiosk(t, ctx, st, ts.URL, "kiosk-b", "E1", "E2")
	f.x = newKiosk(t, ctx, st, ts.URL, "kiosk-m", "E1")
	for _, p := range []string{"E1", "E2"} {
		consent(t, ctx, f.a.l, p)
		consent(t, ctx, f.b.l, p)
	}
	tm := template("E1")
	tm.Model = f.m
	if err := f.a.l.SaveTemplate(ctx, tm, "enrol"); err != nil {
		t.Fatal(err)
	}
	if _, err := fleet.Share(ctx, f.key, f.a.client, f.a.l, f.m, &f.a.state, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now()); err != nil || r.Imported != 1 {
		t.Fatalf("B imports E1: got %+v %v, want one import", r, err)
	}
	return f
}

// TestForgedTombstoneIgnored: a tombstone pushed by a paired kiosk (or put
// in by the hub) without the fleet key deletes nothing and is reported;
// a real one from a fleet kiosk still deletes.
func TestForgedTombstoneIgnored(t *testing.T) {
	ctx := context.Background()
	f := newFleetHub(t, ctx)
	now := time.Now()
	real := f.key.Tombstone("E1", f.m.String(), now)
	otherKey, _ := fleet.NewKey()
	wrongTag := otherKey.Tombstone("E1", f.m.String(), now)
	wrongTag.KeyID = f.key.ID()
	moved := f.key.Tombstone("E2", f.m.String(), now) // a real tag for someone else
	moved.Employee = "E1"
	redated := real
	redated.At = now.Add(time.Minute)
	forgeries := []struct {
		name string
		sh   wire.TemplateShare
	}{
		{"no tag", wire.TemplateShare{Employee: "E1", Model: f.m.String(), KeyID: f.key.ID(), Deleted: true, At: now}},
		{"tag from another key", wrongTag},
		{"tag for another employee", moved},
		{"re-dated", redated},
	}
	for _, fg := range forgeries {
		t.Run(fg.name, func(t *testing.T) {
			if _, err := f.x.client.PushTemplates(ctx, []wire.TemplateShare{fg.sh}); err != nil {
				t.Fatalf("push forged tombstone: %v", err)
			}
			r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now())
			if err != nil {
				t.Fatalf("share: %v", err)
			}
			if r.Deleted != 0 || len(r.Refusals) != 1 || !errors.Is(r.Refusals[0].Err, fleet.ErrForgedTombstone) ||
				r.Refusals[0].Origin != "kiosk-m" || !r.Refusals[0].Deleted {
				t.Errorf("got %+v, want the tombstone refused as forged", r)
			}
			if _, err := f.b.l.Template(ctx, "E1", f.m); err != nil {
				t.Errorf("B lost E1's template to a forged tombstone: %v", err)
			}
		})
	}
	// Dated after the re-dated forgery, which the hub keeps otherwise.
	if _, err := f.a.client.PushTemplates(ctx, []wire.TemplateShare{f.key.Tombstone("E1", f.m.String(), now.Add(2*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now())
	if err != nil || r.Deleted != 1 || len(r.Refusals) != 0 {
		t.Fatalf("real tombstone: got %+v %v, want one deletion", r, err)
	}
	if _, err := f.b.l.Template(ctx, "E1", f.m); err == nil {
		t.Error("B still holds E1's template after a real tombstone")
	}
}

// TestBadShareSkipped: one share that does not open is skipped and
// reported, and the shares after it in the same pull are imported; the
// next pass does not trip over it again.
func TestBadShareSkipped(t *testing.T) {
	ctx := context.Background()
	f := newFleetHub(t, ctx)
	now := time.Now()
	good := template("E2")
	good.Model = f.m
	goodShare, err := f.key.Seal(good, now)
	if err != nil {
		t.Fatal(err)
	}
	bad := goodShare
	bad.Employee = "E1" // a real ciphertext, moved to another employee: does not open
	garbled := goodShare
	raw, _ := base64.RawURLEncoding.DecodeString(garbled.Sealed)
	raw[len(raw)/2] ^= 1
	garbled.Sealed = base64.RawURLEncoding.EncodeToString(raw)
	if _, err := f.x.client.PushTemplates(ctx, []wire.TemplateShare{bad}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.client.PushTemplates(ctx, []wire.TemplateShare{goodShare}); err != nil {
		t.Fatal(err)
	}
	r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now())
	if err != nil {
		t.Fatalf("share: %v, want the bad share skipped", err)
	}
	if r.Imported != 1 || len(r.Refusals) != 1 || !errors.Is(r.Refusals[0].Err, fleet.ErrTampered) || r.Refusals[0].Employee != "E1" {
		t.Errorf("got %+v, want E2 imported and E1's bad share refused", r)
	}
	if _, err := f.b.l.Template(ctx, "E2", f.m); err != nil {
		t.Errorf("E2 not imported after a bad share: %v", err)
	}
	if _, err := f.b.l.Template(ctx, "E1", f.m); err != nil {
		t.Errorf("B lost E1's template to a bad share: %v", err)
	}
	if r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now()); err != nil || len(r.Refusals) != 0 {
		t.Errorf("next pass: got %+v %v, want the bad share left behind", r, err)
	}
	// A garbled ciphertext is refused the same way.
	if _, err := f.x.client.PushTemplates(ctx, []wire.TemplateShare{garbled}); err != nil {
		t.Fatal(err)
	}
	if r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, time.Now()); err != nil || len(r.Refusals) != 1 || !errors.Is(r.Refusals[0].Err, fleet.ErrTampered) {
		t.Errorf("garbled share: got %+v %v, want it refused as tampered", r, err)
	}
}

// TestFarFutureShareRefused: a share dated more than MaxFutureSkew ahead
// is refused (template and tombstone alike); one just inside is applied.
func TestFarFutureShareRefused(t *testing.T) {
	ctx := context.Background()
	f := newFleetHub(t, ctx)
	now := time.Now()
	e1, e2 := template("E1"), template("E2")
	e1.Model, e2.Model = f.m, f.m
	far, err := f.key.Seal(e1, now.Add(fleet.MaxFutureSkew+time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	near, err := f.key.Seal(e2, now.Add(fleet.MaxFutureSkew-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// This hub refuses a far-future share at push; a hostile or older hub
	// may still hand one out, so the kiosk must refuse it too: put it in the
	// hub's store directly.
	if _, err := f.a.client.PushTemplates(ctx, []wire.TemplateShare{far}); err == nil {
		t.Error("push of a far-future share: the hub accepted it")
	}
	if _, err := f.st.PutShares(ctx, f.a.client.KioskID(), []wire.TemplateShare{far, near}, now); err != nil {
		t.Fatal(err)
	}
	r, err := fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Imported != 1 || len(r.Refusals) != 1 || !errors.Is(r.Refusals[0].Err, fleet.ErrFutureShare) || r.Refusals[0].Employee != "E1" {
		t.Errorf("got %+v, want E2's share (23 h ahead) imported and E1's (24 h 1 min ahead) refused", r)
	}
	if _, err := f.b.l.Template(ctx, "E2", f.m); err != nil {
		t.Errorf("E2's share just inside the limit not imported: %v", err)
	}

	tomb := f.key.Tombstone("E1", f.m.String(), time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := f.st.PutShares(ctx, f.a.client.KioskID(), []wire.TemplateShare{tomb}, now); err != nil {
		t.Fatal(err)
	}
	r, err = fleet.Share(ctx, f.key, f.b.client, f.b.l, f.m, &f.b.state, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deleted != 0 || len(r.Refusals) != 1 || !errors.Is(r.Refusals[0].Err, fleet.ErrFutureShare) {
		t.Errorf("tombstone dated 2199: got %+v, want it refused", r)
	}
	if _, err := f.b.l.Template(ctx, "E1", f.m); err != nil {
		t.Errorf("a tombstone dated 2199 deleted E1: %v", err)
	}
}
