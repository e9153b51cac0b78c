package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"clockface"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// auditActions lists the hub audit log's actions, oldest first.
func auditActions(t *testing.T, st *hub.DB) []string {
	t.Helper()
	es, err := st.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.Subject)
	}
	return out
}

// pairWith pairs kiosk over HTTP with code and returns the status.
func pairWith(t *testing.T, h *testHub, code, kiosk string) int {
	t.Helper()
	body, _ := json.Marshal(wire.PairRequest{Code: code, KioskID: kiosk})
	resp, err := http.Post(h.srv.URL+wire.PathPair, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSitesAndPlacement(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			h.send(t, secret, wire.Batch{KioskID: "k1", KioskClock: t0, Employees: []wire.Employee{{Number: "E1", Name: "Ann Lee", Status: "active"}}})
			if _, err := h.st.AddSite(ctx, "main", "Main Street", "owner@x", t0); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []struct{ name, id, title string }{
				{"upper case id", "Main", "x"},
				{"taken by a site", "main", "again"},
				{"taken by a kiosk", "k1", "kiosk one"},
				{"no name", "north", " "},
				{"control character", "north", "a\x07b"},
			} {
				if _, err := h.st.AddSite(ctx, bad.id, bad.title, "owner@x", t0); !errors.Is(err, hub.ErrInvalidInput) {
					t.Errorf("%s: got %v, want ErrInvalidInput", bad.name, err)
				}
			}
			if err := h.st.AssignKiosk(ctx, "k1", "nowhere", "hr@x", t0); !errors.Is(err, hub.ErrUnknownSite) {
				t.Errorf("assign to an unknown site: got %v, want ErrUnknownSite", err)
			}
			if err := h.st.AssignKiosk(ctx, "k9", "main", "hr@x", t0); !errors.Is(err, hub.ErrUnknownKiosk) {
				t.Errorf("assign an unknown kiosk: got %v, want ErrUnknownKiosk", err)
			}
			if err := h.st.AssignKiosk(ctx, "k1", "main", "hr@x", t0); err != nil {
				t.Fatal(err)
			}
			if k, err := h.st.Kiosk(ctx, "k1"); err != nil || k.Site != "main" {
				t.Errorf("kiosk k1: got site %q (%v), want main", k.Site, err)
			}
			if err := h.st.SetPlacement(ctx, "E9", hub.Placement{Site: "main"}, "hr@x", t0); !errors.Is(err, hub.ErrUnknownEmployee) {
				t.Errorf("place an unknown employee: got %v, want ErrUnknownEmployee", err)
			}
			if err := h.st.SetPlacement(ctx, "E1", hub.Placement{Site: "nowhere"}, "hr@x", t0); !errors.Is(err, hub.ErrUnknownSite) {
				t.Errorf("place at an unknown site: got %v, want ErrUnknownSite", err)
			}
			if err := h.st.SetPlacement(ctx, "E1", hub.Placement{Site: "main", Department: " kitchen "}, "hr@x", t0); err != nil {
				t.Fatal(err)
			}
			// A later kiosk upload of the employee changes neither.
			h.send(t, secret, wire.Batch{KioskID: "k1", KioskClock: t0, Employees: []wire.Employee{{Number: "E1", Name: "Ann B. Lee", Status: "active"}}})
			got, err := h.st.Roster(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []hub.RosterEntry{{Number: "E1", Name: "Ann B. Lee", Placement: hub.Placement{Site: "main", Department: "kitchen"}}}
			if !slices.Equal(got, want) {
				t.Errorf("roster after a kiosk sync: got %+v, want %+v", got, want)
			}
			sites, err := h.st.NamedSites(ctx)
			if err != nil || len(sites) != 1 || sites[0].ID != "main" || sites[0].Name != "Main Street" {
				t.Errorf("sites: got %+v (%v), want main, Main Street", sites, err)
			}
			if got, want := auditActions(t, h.st), []string{"site.add main", "kiosk.site k1", "employee.placement E1"}; !slices.Equal(got, want) {
				t.Errorf("audit: got %q, want %q", got, want)
			}
		})
	}
}

func TestKioskCodesAndRevoke(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			code, exp, err := h.st.IssuePairingCode(ctx, "", "owner@x", h.clock.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if want := h.clock.Now().Add(time.Hour); !exp.Equal(want) {
				t.Errorf("expires %v, want %v", exp, want)
			}
			if s := pairWith(t, h, code, "k1"); s != http.StatusOK {
				t.Fatalf("pair with the dashboard's code: status %d", s)
			}
			if s := pairWith(t, h, code, "k2"); s == http.StatusOK {
				t.Errorf("the code paired a second kiosk")
			}
			if _, _, err := h.st.IssuePairingCode(ctx, "k9", "owner@x", h.clock.Now(), time.Hour); !errors.Is(err, hub.ErrUnknownKiosk) {
				t.Errorf("re-pair code for an unknown kiosk: got %v, want ErrUnknownKiosk", err)
			}
			if err := h.st.RevokeKiosk(ctx, "k1", "  ", "hr@x", h.clock.Now()); !errors.Is(err, hub.ErrInvalidInput) {
				t.Errorf("revoke without a reason: got %v, want ErrInvalidInput", err)
			}
			if err := h.st.RevokeKiosk(ctx, "k9", "stolen", "hr@x", h.clock.Now()); !errors.Is(err, hub.ErrUnknownKiosk) {
				t.Errorf("revoke an unknown kiosk: got %v, want ErrUnknownKiosk", err)
			}
			if err := h.st.RevokeKiosk(ctx, "k1", "stolen from the lobby", "hr@x", h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := h.st.RevokeKiosk(ctx, "k1", "again", "hr@x", h.clock.Now()); !errors.Is(err, hub.ErrInvalidInput) {
				t.Errorf("revoke twice: got %v, want ErrInvalidInput", err)
			}
			k, err := h.st.Kiosk(ctx, "k1")
			if err != nil || k.RevokedAt == nil || k.RevokeReason != "stolen from the lobby" {
				t.Errorf("revoked kiosk: got %+v (%v), want revoked with its reason", k, err)
			}
			re, _, err := h.st.IssuePairingCode(ctx, "k1", "owner@x", h.clock.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if s := pairWith(t, h, re, "k1"); s != http.StatusOK {
				t.Fatalf("re-pair the revoked kiosk: status %d", s)
			}
			if k, _ := h.st.Kiosk(ctx, "k1"); k.RevokedAt != nil || k.RevokeReason != "" {
				t.Errorf("re-paired kiosk: got revoked %v reason %q, want neither", k.RevokedAt, k.RevokeReason)
			}
			want := []string{"kiosk.pair_code (new kiosk)", "kiosk.revoke k1", "kiosk.repair_code k1"}
			if got := auditActions(t, h.st); !slices.Equal(got, want) {
				t.Errorf("audit: got %q, want %q", got, want)
			}
			for _, e := range mustAudit(t, h.st) {
				if bytes.Contains(e.Detail, []byte(code)) || bytes.Contains(e.Detail, []byte(re)) {
					t.Errorf("audit entry %d holds a pairing code: %s", e.Seq, e.Detail)
				}
			}
		})
	}
}

func mustAudit(t *testing.T, st *hub.DB) []hub.AuditEntry {
	t.Helper()
	es, err := st.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestRevokedKioskRefused: a kiosk revoked from the dashboard has its
// batches refused.
func TestRevokedKioskRefused(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			if err := h.st.RevokeKiosk(context.Background(), "k1", "retired", "owner@x", h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			b := punchBatch("k1", "E1", 0, []time.Time{h.clock.Now()}, inOut, wire.Employee{Number: "E1", Name: "Ann", Status: "active"})
			s, e, _ := h.post(t, mustJSON(t, b), "k1", secret, h.clock.Now(), wire.NewNonce())
			if s != http.StatusForbidden || e.Code != wire.CodeRevokedKiosk {
				t.Errorf("batch from the revoked kiosk: got %d %+v, want 403 %s", s, e, wire.CodeRevokedKiosk)
			}
		})
	}
}

func TestCorrectionRequests(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			secret := h.pair(t, "k1")
			people := []wire.Employee{{Number: "E1", Name: "Ann", Status: "active"}, {Number: "E2", Name: "Bo", Status: "active"}}
			b := punchBatch("k1", "E1", 0, []time.Time{at(2, 8, 0), at(2, 16, 0)}, inOut, people...)
			h.send(t, secret, b)
			h.send(t, secret, punchBatch("k1", "E2", 2, []time.Time{at(2, 9, 0)}, inOut))
			e1Out, e2In := b.Events[1].Punch.ID, ""
			ps, err := h.st.PunchesOf(ctx, "E2", time.Time{}, time.Time{})
			if err != nil || len(ps) != 1 {
				t.Fatalf("E2's punches: %v %v", ps, err)
			}
			e2In = ps[0].ID
			now := at(3, 9, 0)
			for _, bad := range []struct {
				name string
				r    hub.CorrectionRequest
				want error
			}{
				{"no note", hub.CorrectionRequest{Employee: "E1", Kind: clockface.PunchOut, At: at(2, 17, 0), Note: " "}, hub.ErrInvalidInput},
				{"bad kind", hub.CorrectionRequest{Employee: "E1", Kind: "lunch", At: at(2, 17, 0), Note: "x"}, hub.ErrInvalidInput},
				{"no time", hub.CorrectionRequest{Employee: "E1", Kind: clockface.PunchOut, Note: "x"}, hub.ErrInvalidInput},
				{"another's punch", hub.CorrectionRequest{Employee: "E1", PunchID: e2In, Kind: clockface.PunchIn, At: at(2, 8, 0), Note: "x"}, hub.ErrUnknownPunch},
				{"unknown employee", hub.CorrectionRequest{Employee: "E9", Kind: clockface.PunchIn, At: at(2, 8, 0), Note: "x"}, hub.ErrUnknownEmployee},
			} {
				if _, err := h.st.RequestCorrection(ctx, bad.r, "e1@x", now); !errors.Is(err, bad.want) {
					t.Errorf("%s: got %v, want %v", bad.name, err, bad.want)
				}
			}
			fix, err := h.st.RequestCorrection(ctx, hub.CorrectionRequest{Employee: "E1", PunchID: e1Out, Kind: clockface.PunchOut,
				At: at(2, 17, 0), Note: "left at 17:00"}, "e1@x", now)
			if err != nil {
				t.Fatal(err)
			}
			missing, err := h.st.RequestCorrection(ctx, hub.CorrectionRequest{Employee: "E2", Kind: clockface.PunchOut,
				At: at(2, 17, 30), Note: "forgot to clock out"}, "e2@x", now.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			open, err := h.st.OpenRequests(ctx)
			if err != nil || len(open) != 2 || open[0].ID != fix.ID || open[1].ID != missing.ID {
				t.Fatalf("open requests: got %+v (%v), want both, oldest first", open, err)
			}
			if _, err := h.st.DecideRequest(ctx, fix.ID, hub.RequestResolved, "", "done", "mgr@x", now); !errors.Is(err, hub.ErrInvalidInput) {
				t.Errorf("resolve without the punch: got %v, want ErrInvalidInput", err)
			}
			if _, err := h.st.DecideRequest(ctx, fix.ID, hub.RequestRejected, "", "", "mgr@x", now); !errors.Is(err, hub.ErrInvalidInput) {
				t.Errorf("reject without a reason: got %v, want ErrInvalidInput", err)
			}
			if _, err := h.st.DecideRequest(ctx, 999, hub.RequestRejected, "", "no", "mgr@x", now); !errors.Is(err, hub.ErrUnknownRequest) {
				t.Errorf("unknown request: got %v, want ErrUnknownRequest", err)
			}
			got, err := h.st.DecideRequest(ctx, fix.ID, hub.RequestResolved, e1Out, "confirmed with the shift lead", "mgr@x", now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != hub.RequestResolved || got.DecidedBy != "mgr@x" || got.Reason != "confirmed with the shift lead" ||
				got.ResultPunch != e1Out || got.DecidedAt == nil || !got.DecidedAt.Equal(now.Add(time.Hour)) {
				t.Errorf("resolved: got %+v", got)
			}
			if _, err := h.st.DecideRequest(ctx, fix.ID, hub.RequestRejected, "", "changed my mind", "mgr2@x", now); !errors.Is(err, hub.ErrInvalidInput) {
				t.Errorf("a second decision: got %v, want ErrInvalidInput", err)
			}
			if _, err := h.st.DecideRequest(ctx, missing.ID, hub.RequestRejected, "", "you clocked out at the back kiosk", "mgr@x", now); err != nil {
				t.Fatal(err)
			}
			mine, err := h.st.RequestsOf(ctx, "E1")
			if err != nil || len(mine) != 1 || mine[0].Status != hub.RequestResolved || mine[0].Note != "left at 17:00" {
				t.Errorf("E1's requests: got %+v (%v)", mine, err)
			}
			if open, _ := h.st.OpenRequests(ctx); len(open) != 0 {
				t.Errorf("open after both decisions: %+v", open)
			}
			want := []string{"request.create E1", "request.create E2", "request.resolve E1", "request.reject E2"}
			if got := auditActions(t, h.st); !slices.Equal(got, want) {
				t.Errorf("audit: got %q, want %q", got, want)
			}
			if _, err := h.st.VerifyAudit(ctx); err != nil {
				t.Errorf("audit chain: %v", err)
			}
		})
	}
}
