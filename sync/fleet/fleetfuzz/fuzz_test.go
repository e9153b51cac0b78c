package fleetfuzz_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/sync/fleet"
	"clockface/sync/wire"
)

// fuzzKey is the fixed fleet key of the seed corpus in testdata/fuzz: a
// test key, never used anywhere else.
func fuzzKey(f *testing.F) *fleet.Key {
	f.Helper()
	k, err := fleet.LoadKeyFile(filepath.Join("testdata", "fuzz-fleet.key"))
	if err != nil {
		f.Fatalf("fuzz key: %v (testdata/fuzz-fleet.key is committed with the corpus)", err)
	}
	return k
}

var fuzzNow = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func template(owner string) embeddings.Template {
	s := make(embeddings.Embedding, 128)
	for i := range s {
		s[i] = float32(i) / 128
	}
	return embeddings.Template{Owner: owner, Model: embeddings.Model{Name: "dlib", Version: "1", Dim: 128}, Samples: []embeddings.Embedding{s, s}}
}

// FuzzOpen feeds arbitrary share fields, as a hub or another kiosk could
// send them, to Open and VerifyTombstone: neither may panic, and whatever
// opens must belong to the employee and model the share names.
func FuzzOpen(f *testing.F) {
	k := fuzzKey(f)
	sh, err := k.Seal(template("E1"), fuzzNow)
	if err != nil {
		f.Fatal(err)
	}
	ts := k.Tombstone("E1", "dlib/1", fuzzNow)
	f.Add(sh.Employee, sh.Model, sh.KeyID, sh.Sealed, false, sh.At.UnixNano())
	f.Add(ts.Employee, ts.Model, ts.KeyID, ts.Sealed, true, ts.At.UnixNano())
	f.Add("E1", "dlib/1", k.ID(), "", true, fuzzNow.UnixNano())
	f.Fuzz(func(t *testing.T, employee, model, keyID, sealed string, deleted bool, at int64) {
		s := wire.TemplateShare{Employee: employee, Model: model, KeyID: keyID, Sealed: sealed, Deleted: deleted, At: time.Unix(0, at).UTC()}
		if tm, err := k.Open(s); err == nil {
			if tm.Owner != employee || tm.Model.String() != model || deleted {
				t.Errorf("opened %+v as %s/%s (deleted %v)", s, tm.Owner, tm.Model, deleted)
			}
		}
		if err := k.VerifyTombstone(s); err == nil && !deleted {
			t.Errorf("a share that is not a tombstone verified as one: %+v", s)
		}
	})
}

// FuzzShare feeds an arbitrary pull answer to a sharing pass: it must not
// panic or fail as a whole, and every share must be accounted for as
// applied, skipped for want of consent, refused, or not for this kiosk.
func FuzzShare(f *testing.F) {
	k := fuzzKey(f)
	e1, e2 := template("E1"), template("E2")
	s1, _ := k.Seal(e1, fuzzNow)
	s2, _ := k.Seal(e2, fuzzNow)
	moved := s2
	moved.Employee = "E1"
	resp := wire.TemplatePullResponse{Next: 4, Shares: []wire.SharedTemplate{
		{Seq: 1, Origin: "kiosk-a", TemplateShare: s1},
		{Seq: 2, Origin: "kiosk-a", TemplateShare: moved},
		{Seq: 3, Origin: "kiosk-m", TemplateShare: k.Tombstone("E2", "dlib/1", fuzzNow)},
		{Seq: 4, Origin: "kiosk-b", TemplateShare: s2},
	}}
	seed, _ := json.Marshal(resp)
	f.Add(seed)
	f.Add([]byte(`{"shares":[{"seq":1,"origin":"x","employee":"E1","model":"dlib/1","key_id":"` + k.ID() + `","deleted":true,"at":"2199-01-01T00:00:00Z"}],"next":1}`))
	m := embeddings.Model{Name: "dlib", Version: "1", Dim: 128}
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp wire.TemplatePullResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			return
		}
		h := &fakeHub{resp: resp}
		st := &fakeStore{consented: map[string]bool{"E1": true, "E2": true}, held: map[string]bool{}}
		state := fleet.State{Digests: map[string]string{}}
		r, err := fleet.Share(context.Background(), k, h, st, m, &state, fuzzNow)
		if err != nil {
			t.Fatalf("a pull answer failed the whole pass: %v", err)
		}
		mine := 0
		for _, sh := range resp.Shares {
			if sh.Origin != "kiosk-b" && sh.Model == m.String() {
				mine++
			}
		}
		if got := r.Imported + r.Deleted + r.NoConsent + len(r.Refusals); got != mine {
			t.Errorf("%d shares for this kiosk, %d accounted for: %+v", mine, got, r)
		}
	})
}

type fakeHub struct {
	resp   wire.TemplatePullResponse
	pulled bool
}

func (h *fakeHub) KioskID() string { return "kiosk-b" }
func (h *fakeHub) PushTemplates(ctx context.Context, shares []wire.TemplateShare) (int, error) {
	return len(shares), nil
}
func (h *fakeHub) PullTemplates(ctx context.Context, after int64) (wire.TemplatePullResponse, error) {
	if h.pulled {
		return wire.TemplatePullResponse{Next: after}, nil
	}
	h.pulled = true
	return h.resp, nil
}

type fakeStore struct {
	consented map[string]bool
	held      map[string]bool
}

func (s *fakeStore) Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error) {
	return nil, nil
}
func (s *fakeStore) SaveTemplate(ctx context.Context, t embeddings.Template, actor string) error {
	if !s.consented[t.Owner] {
		return clockface.ErrNoConsent
	}
	s.held[t.Owner] = true
	return nil
}
func (s *fakeStore) DeleteTemplates(ctx context.Context, number, actor, reason string) error {
	delete(s.held, number)
	return nil
}
