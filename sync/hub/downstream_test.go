package hub_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"clockface"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// TestEmployeeStatusDownstream: a status change made on the hub is
// audited with before and after, versioned by a strictly increasing
// sequence number, final after a termination, and handed to every kiosk
// after the last change it applied, with the other kiosks' states; the
// hub counts the kiosks a change is still pending on.
func TestEmployeeStatusDownstream(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			st := sc.open(t)
			h := newHub(t, st)
			h.pair(t, "front")
			h.pair(t, "back")
			b := makeBatch("front", "E1", t0, 1, 0) // E1 in at front at t0
			b.Employees = []wire.Employee{{Number: "E1", Name: "Ann Lee", Status: "active"}, {Number: "E2", Name: "Bo Chen", Status: "active"}}
			if _, err := st.ApplyBatch(ctx, hub.Receipt{KioskID: "front", Nonce: "n1", HubTime: t0, Batch: b}); err != nil {
				t.Fatal(err)
			}
			now := t0.Add(2 * time.Hour)

			refusals := []struct {
				name, number, action, reason string
				want                         error
			}{
				{"unknown employee", "E9", wire.ActionTerminate, "left", clockface.ErrUnknownEmployee},
				{"no reason", "E1", wire.ActionTerminate, "  ", hub.ErrBadStatusChange},
				{"unknown action", "E1", "rehire", "back", hub.ErrBadStatusChange},
			}
			for _, r := range refusals {
				if _, err := st.ChangeEmployeeStatus(ctx, r.number, r.action, r.reason, "hr@example.com", now); !errors.Is(err, r.want) {
					t.Errorf("%s: got %v, want %v", r.name, err, r.want)
				}
			}
			restrict, err := st.ChangeEmployeeStatus(ctx, "E2", wire.ActionRestrict, "look-alike of E5", "hr@example.com", now)
			if err != nil {
				t.Fatal(err)
			}
			term, err := st.ChangeEmployeeStatus(ctx, "E1", wire.ActionTerminate, "left the company", "owner@example.com", now)
			if err != nil {
				t.Fatal(err)
			}
			if restrict.Seq <= 0 || term.Seq <= restrict.Seq {
				t.Errorf("got sequence numbers %d then %d, want increasing", restrict.Seq, term.Seq)
			}
			for _, action := range []string{wire.ActionTerminate, wire.ActionRestrict, wire.ActionUnrestrict} {
				if _, err := st.ChangeEmployeeStatus(ctx, "E1", action, "again", "hr@example.com", now); !errors.Is(err, hub.ErrTerminatedFinal) {
					t.Errorf("%s after termination: got %v, want ErrTerminatedFinal", action, err)
				}
			}

			entries, err := st.Audit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				var d struct {
					Before, After struct {
						Status     string `json:"status"`
						Restricted bool   `json:"restricted_to_pin"`
					}
					Reason string
				}
				json.Unmarshal(e.Detail, &d)
				got = append(got, e.Actor+" "+e.Action+" "+e.Subject+" "+d.Before.Status+"→"+d.After.Status+" "+d.Reason)
				if e.Subject == "E2" && (d.Before.Restricted || !d.After.Restricted) {
					t.Errorf("E2's audit: got restricted %v→%v, want false→true", d.Before.Restricted, d.After.Restricted)
				}
			}
			want := []string{"hr@example.com employee.restrict E2 active→active look-alike of E5",
				"owner@example.com employee.terminate E1 active→terminated left the company"}
			if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("hub audit:\n got %q\nwant %q", got, want)
			}
			if _, err := st.VerifyAudit(ctx); err != nil {
				t.Error(err)
			}

			d, err := st.Downstream(ctx, "back", 0, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Changes) != 2 || d.Changes[0] != restrict || d.Changes[1] != term || d.More {
				t.Errorf("back's first answer: got %+v, want both changes", d.Changes)
			}
			if len(d.States) != 1 || d.States[0].Employee != "E1" || d.States[0].Kind != "in" || d.States[0].KioskID != "front" ||
				!d.States[0].At.Equal(t0) || d.States[0].PunchID != b.Events[0].Punch.ID {
				t.Errorf("back's states: got %+v, want E1 in at front since %v", d.States, t0)
			}
			if err := d.Validate(); err != nil {
				t.Errorf("the hub's answer does not pass the kiosk's decoder: %v", err)
			}
			front, err := st.Downstream(ctx, "front", term.Seq, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(front.Changes) != 0 || len(front.States) != 0 {
				t.Errorf("front, all applied: got %+v, want no changes and no states (its own punch)", front)
			}
			again, err := st.Downstream(ctx, "back", restrict.Seq, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Changes) != 1 || again.Changes[0] != term {
				t.Errorf("back after %d: got %+v, want only the termination", restrict.Seq, again.Changes)
			}
			// An older After (a replayed request) does not move back's progress back.
			if _, err := st.Downstream(ctx, "back", 0, now); err != nil {
				t.Fatal(err)
			}

			statuses, err := st.EmployeeStatuses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			e1, e2 := statuses["E1"], statuses["E2"]
			if !e1.Terminated || e1.Pending != 1 || e1.AppliedBy != "front" {
				t.Errorf("E1: got %+v, want terminated, pending on back, applied by front", e1)
			}
			if !e2.Restricted || e2.Terminated || e2.Pending != 0 {
				t.Errorf("E2: got %+v, want restricted and applied everywhere", e2)
			}
			if len(statuses) != 2 {
				t.Errorf("got statuses of %d employees, want 2", len(statuses))
			}
		})
	}
}

// TestDownstreamEndpoint: the downstream answer goes only to a paired
// kiosk's signed request naming itself, once per nonce, and passes the
// kiosk's strict decoder.
func TestDownstreamEndpoint(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			h := newHub(t, st)
			secret := h.pair(t, "front")
			post := func(body []byte, secret []byte, nonce string) (int, []byte) {
				t.Helper()
				req, err := http.NewRequest(http.MethodPost, h.srv.URL+wire.PathDownstream, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if secret != nil {
					wire.Sign(req, body, "front", secret, h.clock.Now(), nonce)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, data
			}
			good := mustJSON(t, wire.DownstreamRequest{KioskID: "front"})
			spent := wire.NewNonce()
			tests := []struct {
				name   string
				body   []byte
				secret []byte
				nonce  string
				want   int
			}{
				{"unsigned", good, nil, "", http.StatusUnauthorized},
				{"wrong secret", good, []byte("0123456789abcdef0123456789abcdef"), wire.NewNonce(), http.StatusUnauthorized},
				{"names another kiosk", mustJSON(t, wire.DownstreamRequest{KioskID: "back"}), secret, wire.NewNonce(), http.StatusForbidden},
				{"negative after", []byte(`{"kiosk_id":"front","after":-1}`), secret, wire.NewNonce(), http.StatusBadRequest},
				{"good", good, secret, spent, http.StatusOK},
				{"replayed nonce", good, secret, spent, http.StatusUnauthorized},
			}
			// Asked for gzip, the answer comes compressed and decodes.
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+wire.PathDownstream, bytes.NewReader(good))
			if err != nil {
				t.Fatal(err)
			}
			wire.Sign(req, good, "front", secret, h.clock.Now(), wire.NewNonce())
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves it compressed
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != http.StatusOK || got != "gzip" {
				t.Fatalf("asked for gzip: status %d, Content-Encoding %q, want 200 and gzip", resp.StatusCode, got)
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wire.DecodeDownstream(zr, wire.MaxDownstreamBytes); err != nil {
				t.Errorf("the gzip answer does not decode: %v", err)
			}
			for _, tt := range tests {
				status, body := post(tt.body, tt.secret, tt.nonce)
				if status != tt.want {
					t.Errorf("%s: got %d %s, want %d", tt.name, status, body, tt.want)
					continue
				}
				if status == http.StatusOK {
					if _, err := wire.DecodeDownstream(bytes.NewReader(body), wire.MaxDownstreamBytes); err != nil {
						t.Errorf("%s: the kiosk's decoder refuses the answer: %v", tt.name, err)
					}
				}
			}
		})
	}
}
