package hub_test

import (
	"bytes"
	"clockface"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"clockface/sync/hub"
	"clockface/sync/wire"
)

func TestPairing(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			code, err := hub.NewPairingCode(ctx, h.st, h.clock.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			try := func(code, kiosk string) int {
				body := mustJSON(t, wire.PairRequest{Code: code, KioskID: kiosk})
				resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if got, want := try("WRONG-CODE-0000", "k1"), http.StatusForbidden; got != want {
				t.Errorf("wrong code: got %d, want %d", got, want)
			}
			if got, want := try(strings.ToLower(code), "k1"), http.StatusOK; got != want {
				t.Errorf("good code (lower case): got %d, want %d", got, want)
			}
			if got, want := try(code, "k2"), http.StatusForbidden; got != want {
				t.Errorf("spent code: got %d, want %d", got, want)
			}
			expired, err := hub.NewPairingCode(ctx, h.st, h.clock.Now(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Set(t0.Add(2 * time.Minute))
			if got, want := try(expired, "k3"), http.StatusForbidden; got != want {
				t.Errorf("expired code: got %d, want %d", got, want)
			}
			ks, err := h.st.Kiosks(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ks) != 1 || ks[0].ID != "k1" || len(ks[0].Secret) != 32 {
				t.Fatalf("got kiosks %+v, want just k1 with a 32-byte secret", ks)
			}
		})
	}
}

// TestPairingCannotHijack: a general code cannot take over a paired kiosk
// id; a code for that id can (reinstall), and only for that id.
func TestPairingCannotHijack(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			old := h.pair(t, "k1")
			try := func(code, kiosk string) (int, wire.PairResponse) {
				resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json", bytes.NewReader(mustJSON(t, wire.PairRequest{Code: code, KioskID: kiosk})))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var pr wire.PairResponse
				json.NewDecoder(resp.Body).Decode(&pr)
				return resp.StatusCode, pr
			}
			general, _ := hub.NewPairingCode(ctx, h.st, h.clock.Now(), time.Hour)
			if got, _ := try(general, "k1"); got != http.StatusConflict {
				t.Errorf("general code onto paired k1: got %d, want 409", got)
			}
			forK1, err := hub.NewPairingCodeFor(ctx, h.st, h.clock.Now(), time.Hour, "k1")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := try(forK1, "k2"); got != http.StatusForbidden {
				t.Errorf("k1's code used by k2: got %d, want 403", got)
			}
			if err := h.st.Revoke(ctx, "k1", t0); err != nil {
				t.Fatal(err)
			}
			got, pr := try(forK1, "k1")
			if got != http.StatusOK {
				t.Fatalf("k1's code used by k1: got %d, want 200", got)
			}
			k, err := h.st.Kiosk(ctx, "k1")
			if err != nil || k.RevokedAt != nil {
				t.Errorf("re-paired k1: got %+v %v, want active", k, err)
			}
			body := mustJSON(t, wire.Batch{KioskID: "k1", KioskClock: t0})
			if s, e, _ := h.post(t, body, "k1", old, t0, wire.NewNonce()); s != http.StatusUnauthorized {
				t.Errorf("old secret after re-pairing: got %d %+v, want 401", s, e)
			}
			fresh, _ := hub.DecodeSecret(pr.Secret)
			if s, e, _ := h.post(t, body, "k1", fresh, t0, wire.NewNonce()); s != http.StatusOK {
				t.Errorf("new secret: got %d %+v, want 200", s, e)
			}
			// The general code was not spent by the refused attempt.
			if got, _ := try(general, "k3"); got != http.StatusOK {
				t.Errorf("general code for a new kiosk: got %d, want 200", got)
			}
		})
	}
}

func TestBatchExactlyOnce(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			b := makeBatch("k1", "E1", t0, 10, 0)
			b.Employees = []wire.Employee{{Number: "E1", Name: "Ann Lee", Status: "active"}}
			body := mustJSON(t, b)
			status, e, got := h.post(t, body, "k1", secret, t0, wire.NewNonce())
			if status != http.StatusOK {
				t.Fatalf("got %d %+v, want 200", status, e)
			}
			if got.Accepted != 10 || got.Duplicates != 0 {
				t.Errorf("first delivery: got %+v, want 10 accepted", got)
			}
			// Same batch again, fresh nonce (the relay lost the answer).
			status, e, got = h.post(t, body, "k1", secret, t0, wire.NewNonce())
			if status != http.StatusOK || got.Accepted != 0 || got.Duplicates != 10 {
				t.Errorf("second delivery: got %d %+v %+v, want 0 accepted, 10 duplicates", status, e, got)
			}
			// A new event id for an already-stored punch id: still once.
			b2 := b
			b2.Events = append([]wire.Event(nil), b.Events[:1]...)
			b2.Events[0].ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
			status, _, got = h.post(t, mustJSON(t, b2), "k1", secret, t0, wire.NewNonce())
			if status != http.StatusOK || got.Accepted != 0 || got.Duplicates != 1 {
				t.Errorf("punch id replayed under a new event id: got %d %+v, want 1 duplicate", status, got)
			}
			// Weeks later, the hub still knows the events (no time window).
			h.clock.Set(t0.Add(60 * 24 * time.Hour))
			status, _, got = h.post(t, body, "k1", secret, h.clock.Now(), wire.NewNonce())
			if status != http.StatusOK || got.Duplicates != 10 {
				t.Errorf("60 days later: got %d %+v, want 10 duplicates", status, got)
			}
			ps, err := h.st.PunchesBetween(ctx, t0.Add(-time.Hour), t0.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 10 {
				t.Fatalf("got %d punches, want 10", len(ps))
			}
			for i, p := range ps {
				if want := b.Events[i].Punch.Domain(); p.ID != want.ID || !p.At.Equal(want.At) || p.Kind != want.Kind {
					t.Errorf("punch %d: got %+v, want %+v", i, p, want)
				}
			}
			es, err := h.st.Employees(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 || es[0].Name != "Ann Lee" {
				t.Errorf("got employees %+v, want Ann Lee", es)
			}
			// One skew flag: the 60-day-late resend kept its old kiosk_clock.
			if got, want := stats(t, h.st), (hub.Stats{Kiosks: 1, Events: 11, Punches: 10, SkewFlags: 1}); got != want {
				t.Errorf("got %s, want %s", fmtStats(got), fmtStats(want))
			}
		})
	}
}

func TestCorrectionAndVoid(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			b := makeBatch("k1", "E1", t0, 2, 0)
			if s, e, _ := h.post(t, mustJSON(t, b), "k1", secret, t0, wire.NewNonce()); s != http.StatusOK {
				t.Fatalf("got %d %+v", s, e)
			}
			in, out := b.Events[0], b.Events[1]
			fixed := t0.Add(-15 * time.Minute)
			in.ID, in.Seq, in.Type = "0190a1b2-c3d4-7e5f-8a9b-000000000001", 3, wire.TypeCorrection
			in.Punch.Correction = &wire.Correction{At: fixed, By: "mgr", Reason: "forgot", When: t0.Add(time.Hour)}
			in.Punch.Kind = string(clockface.BreakStart) // the kiosk corrected the kind too
			out.ID, out.Seq, out.Type = "0190a1b2-c3d4-7e5f-8a9b-000000000002", 4, wire.TypeVoid
			out.Punch.Void = &wire.Void{By: "E1", Reason: "undo", When: t0.Add(time.Hour)}
			b2 := wire.Batch{KioskID: "k1", KioskClock: t0, Events: []wire.Event{in, out}}
			if s, e, r := h.post(t, mustJSON(t, b2), "k1", secret, t0, wire.NewNonce()); s != http.StatusOK || r.Accepted != 2 {
				t.Fatalf("got %d %+v %+v, want 2 accepted", s, e, r)
			}
			ps, err := h.st.PunchesBetween(ctx, t0.Add(-time.Hour), t0.Add(3*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 2 {
				t.Fatalf("got %d punches, want 2", len(ps))
			}
			if c := ps[0].Corrected; c == nil || !c.At.Equal(fixed) || !ps[0].At.Equal(t0) || c.By != "mgr" {
				t.Errorf("corrected punch: got %+v, want original %s kept and correction %s by mgr", ps[0], t0, fixed)
			}
			if ps[0].Kind != clockface.BreakStart {
				t.Errorf("corrected kind: got %s, want break_start (a kiosk's kind correction is applied)", ps[0].Kind)
			}
			if v := ps[1].Voided; v == nil || v.Reason != "undo" {
				t.Errorf("voided punch: got %+v, want a void", ps[1])
			}
		})
	}
}

// TestBadInputStoresNothing: every bad request gets a 4xx with a clear
// message and leaves the store as it was.
func TestBadInputStoresNothing(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			otherSecret := h.pair(t, "k2")
			revokedSecret := h.pair(t, "k3")
			if err := h.st.Revoke(ctx, "k3", t0); err != nil {
				t.Fatal(err)
			}
			good := mustJSON(t, makeBatch("k1", "E1", t0, 4, 0))
			replayNonce := wire.NewNonce()
			if s, e, _ := h.post(t, mustJSON(t, wire.Batch{KioskID: "k1", KioskClock: t0}), "k1", secret, t0, replayNonce); s != http.StatusOK {
				t.Fatalf("empty batch: got %d %+v", s, e)
			}
			before := stats(t, h.st)
			big := bytes.Repeat([]byte(" "), wire.MaxBatchBytes+1)
			tests := []struct {
				name    string
				body    []byte
				kiosk   string
				secret  []byte
				created time.Time
				nonce   string
				status  int
				code    string
				msg     string
			}{
				{"malformed json", []byte(`{"kiosk_id":"k1",`), "k1", secret, t0, "", 400, wire.CodeMalformed, "malformed json"},
				{"unknown field", bytes.Replace(good, []byte(`"kiosk_id":"k1",`), []byte(`"kiosk_id":"k1","image":"/9j/",`), 1), "k1", secret, t0, "", 400, wire.CodeMalformed, "unknown field"},
				{"oversized", big, "k1", secret, t0, "", 413, wire.CodeTooLarge, "body over"},
				{"unsigned", good, "k1", nil, t0, "", 401, wire.CodeBadSignature, "not signed"},
				{"wrong secret", good, "k1", otherSecret, t0, "", 401, wire.CodeBadSignature, "does not verify"},
				{"stale", good, "k1", secret, t0.Add(-6 * time.Minute), "", 401, wire.CodeStale, "resend with the hub's time"},
				{"future", good, "k1", secret, t0.Add(6 * time.Minute), "", 401, wire.CodeStale, "hub time"},
				{"replayed nonce", good, "k1", secret, t0, replayNonce, 401, wire.CodeReplay, "nonce already used"},
				{"unknown kiosk", good, "k9", secret, t0, "", 401, wire.CodeBadSignature, "signature does not verify, or the kiosk is not paired"},
				{"revoked kiosk", mustJSON(t, makeBatch("k3", "E1", t0, 2, 0)), "k3", revokedSecret, t0, "", 403, wire.CodeRevokedKiosk, "revoked"},
				{"other kiosk's batch", good, "k2", otherSecret, t0, "", 403, wire.CodeKioskMismatch, "signed by"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					nonce := tt.nonce
					if nonce == "" {
						nonce = wire.NewNonce()
					}
					status, e, _ := h.post(t, tt.body, tt.kiosk, tt.secret, tt.created, nonce)
					if status != tt.status || e.Code != tt.code || !strings.Contains(e.Error, tt.msg) {
						t.Errorf("got %d %q %q, want %d %q containing %q", status, e.Code, e.Error, tt.status, tt.code, tt.msg)
					}
					if got := stats(t, h.st); got != before {
						t.Errorf("store changed: got %s, want %s", fmtStats(got), fmtStats(before))
					}
				})
			}
			// The good batch still goes through afterwards.
			if s, e, r := h.post(t, good, "k1", secret, t0, wire.NewNonce()); s != http.StatusOK || r.Accepted != 4 {
				t.Errorf("good batch after the bad ones: got %d %+v %+v", s, e, r)
			}
		})
	}
}

func TestClockSkewFlagged(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			for _, tt := range []struct {
				kioskClock time.Time
				flag       bool
			}{
				{t0.Add(-90 * time.Second), false},
				{t0.Add(-3 * time.Minute), true},
				{t0.Add(10 * time.Minute), true},
			} {
				b := wire.Batch{KioskID: "k1", KioskClock: tt.kioskClock}
				s, e, r := h.post(t, mustJSON(t, b), "k1", secret, t0, wire.NewNonce())
				if s != http.StatusOK || r.SkewFlagged != tt.flag || r.SkewMillis != t0.Sub(tt.kioskClock).Milliseconds() {
					t.Errorf("kiosk clock %s: got %d %+v %+v, want flag %v", tt.kioskClock, s, e, r, tt.flag)
				}
			}
			if got, want := stats(t, h.st).SkewFlags, int64(2); got != want {
				t.Errorf("got %d skew flags stored, want %d", got, want)
			}
			k, err := h.st.Kiosk(ctx, "k1")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := k.LastSkew, -10*time.Minute; got != want {
				t.Errorf("got last skew %s, want %s", got, want)
			}
			resp, err := http.Get(h.srv.URL + wire.PathMetrics)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			m, _ := io.ReadAll(resp.Body)
			if !bytes.Contains(m, []byte("clockface_hub_clock_skew_flags_total 2")) {
				t.Errorf("metrics lack the skew counter at 2:\n%.2000s", m)
			}
		})
	}
}

func TestHealthAndRevokeUnknown(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			h := newHub(t, sc.open(t))
			resp, err := http.Get(h.srv.URL + wire.PathHealth)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("healthz: got %d, want 200", resp.StatusCode)
			}
			if err := h.st.Revoke(context.Background(), "nope", t0); !errors.Is(err, hub.ErrUnknownKiosk) {
				t.Errorf("revoke unknown: got %v, want ErrUnknownKiosk", err)
			}
		})
	}
}

func TestSQLiteDurabilityPragmas(t *testing.T) {
	st := openSQLite(t)
	journal, sync, err := st.SQLitePragmas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || sync != 2 {
		t.Errorf("got journal_mode=%s synchronous=%d, want wal and 2 (FULL)", journal, sync)
	}
}

func TestErrorBodyIsJSON(t *testing.T) {
	h := newHub(t, openSQLite(t))
	resp, err := http.Post(h.srv.URL+wire.PathBatches, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e wire.ErrorResponse
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code != wire.CodeBadSignature || !e.HubTime.Equal(t0) {
		t.Errorf("got %+v (%v), want a JSON error with code and hub time", e, err)
	}
}

// Promise 13: the hub remembers the audit heads a kiosk sent and flags one
// that goes back in sequence number or changes hash at a number already
// seen (a rewritten or restored audit log), without refusing the batch.
func TestAuditHeadRegressionFlagged(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			other := h.pair(t, "k2")
			steps := []struct {
				kiosk string
				head  wire.AuditHead
				flag  string // substring of the flag's reason; "" for none
			}{
				{"k1", wire.AuditHead{Seq: 3, Hash: "aa03"}, ""},
				{"k1", wire.AuditHead{Seq: 5, Hash: "aa05"}, ""},
				{"k1", wire.AuditHead{Seq: 5, Hash: "aa05"}, ""},                           // resent: same head
				{"k2", wire.AuditHead{Seq: 1, Hash: "bb01"}, ""},                           // another kiosk's log
				{"k1", wire.AuditHead{Seq: 5, Hash: "ff05"}, "entry 5 was aa05, now ff05"}, // same seq, new hash
				{"k1", wire.AuditHead{Seq: 5, Hash: "ff05"}, ""},                           // flagged once, not per batch
				{"k1", wire.AuditHead{Seq: 4, Hash: "ff04"}, "went back from entry 5 to 4"},
				{"k1", wire.AuditHead{Seq: 5, Hash: "ff05"}, "entry 5 was aa05, now ff05"}, // compared with the first hash seen
				{"k1", wire.AuditHead{Seq: 3, Hash: "ff03"}, "went back from entry 5 to 3; entry 3 was aa03, now ff03"},
				{"k1", wire.AuditHead{}, "batch carries no audit head"}, // no head: flagged (issue 15 item 10)
				{"k1", wire.AuditHead{Seq: 6, Hash: "ff06"}, ""},
			}
			want := 0
			for i, st := range steps {
				key := secret
				if st.kiosk == "k2" {
					key = other
				}
				b := makeBatch(st.kiosk, "E1", t0, 1, int64(i))
				b.AuditHead = st.head
				h.clock.Set(t0.Add(time.Duration(i) * time.Second))
				if s, e, _ := h.post(t, mustJSON(t, b), st.kiosk, key, h.clock.Now(), wire.NewNonce()); s != http.StatusOK {
					t.Fatalf("step %d: got %d %+v, want 200 (a flag does not refuse the batch)", i, s, e)
				}
				flags, err := h.st.AuditFlags(ctx, "k1")
				if err != nil {
					t.Fatal(err)
				}
				if st.flag != "" {
					want++
				}
				if got := len(flags); got != want {
					t.Fatalf("step %d (%s %+v): got %d flags, want %d: %+v", i, st.kiosk, st.head, got, want, flags)
				}
				if st.flag != "" {
					f := flags[len(flags)-1]
					if got := f.Reason; !strings.Contains(got, st.flag) || f.Seq != st.head.Seq || f.Hash != st.head.Hash || !f.HubTime.Equal(h.clock.Now()) {
						t.Errorf("step %d: got flag %+v, want reason %q for %+v", i, f, st.flag, st.head)
					}
				}
			}
			if got, want := stats(t, h.st).AuditFlags, int64(5); got != want {
				t.Errorf("got %d audit flags stored, want %d", got, want)
			}
			for id, want := range map[string]int64{"k1": 5, "k2": 0} {
				k, err := h.st.Kiosk(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got := k.AuditFlags; got != want {
					t.Errorf("kiosk %s: got %d audit flags, want %d", id, got, want)
				}
			}
			// The latest head is still what the kiosk last sent.
			if k, _ := h.st.Kiosk(ctx, "k1"); k.AuditSeq != 6 || k.AuditHash != "ff06" {
				t.Errorf("k1's head: got %d %s, want 6 ff06", k.AuditSeq, k.AuditHash)
			}
			resp, err := http.Get(h.srv.URL + wire.PathMetrics)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			m, _ := io.ReadAll(resp.Body)
			if !bytes.Contains(m, []byte("clockface_hub_audit_head_flags_total 5")) {
				t.Errorf("metrics lack the audit head counter at 5:\n%.2000s", m)
			}
		})
	}
}

// Promise 16: a request signed up to 5 minutes from the hub's clock, in
// either direction, is accepted; one a second further is refused with
// nothing stored.
func TestSignatureTimeWindowBoundaries(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			for _, tt := range []struct {
				offset time.Duration // signing time minus hub time
				ok     bool
			}{
				{-5 * time.Minute, true},
				{-5*time.Minute - time.Second, false},
				{5 * time.Minute, true},
				{5*time.Minute + time.Second, false},
			} {
				before := stats(t, h.st)
				body := mustJSON(t, makeBatch("k1", "E1", t0, 1, before.Events))
				s, e, _ := h.post(t, body, "k1", secret, t0.Add(tt.offset), wire.NewNonce())
				got := stats(t, h.st)
				switch {
				case tt.ok && (s != http.StatusOK || got.Events != before.Events+1):
					t.Errorf("signed %s from hub time: got %d %+v, %d events, want 200 and %d", tt.offset, s, e, got.Events, before.Events+1)
				case !tt.ok && (s != http.StatusUnauthorized || e.Code != wire.CodeStale || got != before):
					t.Errorf("signed %s from hub time: got %d %q, store %s, want 401 %q and %s", tt.offset, s, e.Code, fmtStats(got), wire.CodeStale, fmtStats(before))
				}
			}
		})
	}
}
