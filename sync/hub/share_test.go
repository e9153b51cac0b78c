package hub_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"clockface/embeddings"
	"clockface/sync/fleet"
	"clockface/sync/hubclient"
	"clockface/sync/wire"
)

func shareTemplate(owner string, v float32) embeddings.Template {
	s := make(embeddings.Embedding, 128)
	for i := range s {
		s[i] = v + float32(i)/1000
	}
	return embeddings.Template{Owner: owner, Model: embeddings.Model{Name: "dlib", Version: "1", Dim: 128}, Samples: []embeddings.Embedding{s}}
}

func (h *testHub) client(t *testing.T, kiosk string) *hubclient.Client {
	t.Helper()
	secret := h.pair(t, kiosk)
	c, err := hubclient.NewClient(hubclient.Credential{HubURL: h.srv.URL, KioskID: kiosk, Secret: encode(secret)}, nil, h.clock)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTemplateSharing: opt-in only; the hub stores and forwards sealed
// shares it cannot open; the newest share wins; tombstones erase the
// ciphertext from the hub.
func TestTemplateSharing(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			key, err := fleet.NewKey()
			if err != nil {
				t.Fatal(err)
			}
			tmpl := shareTemplate("E1", 0.25)
			share, err := key.Seal(tmpl, t0)
			if err != nil {
				t.Fatal(err)
			}

			off := newHub(t, sc.open(t))
			_, err = off.client(t, "k1").PushTemplates(ctx, []wire.TemplateShare{share})
			var he *hubclient.HubError
			if !errors.As(err, &he) || he.Status != 403 || he.Code != wire.CodeSharingOff {
				t.Fatalf("hub without sharing: got %v, want 403 %s", err, wire.CodeSharingOff)
			}
			if got, _ := off.st.Shares(ctx, 0, 10); len(got) != 0 {
				t.Fatalf("hub without sharing stored %d shares", len(got))
			}

			st := sc.open(t)
			h := newHubWith(t, st, true)
			k1, k2 := h.client(t, "k1"), h.client(t, "k2")
			if n, err := k1.PushTemplates(ctx, []wire.TemplateShare{share}); err != nil || n != 1 {
				t.Fatalf("push: got %d %v, want 1 stored", n, err)
			}
			pulled, err := k2.PullTemplates(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(pulled.Shares) != 1 || pulled.Shares[0].Origin != "k1" || pulled.Shares[0].Sealed != share.Sealed {
				t.Fatalf("pull: got %+v, want k1's share byte for byte", pulled)
			}
			got, err := key.Open(pulled.Shares[0].TemplateShare)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tmpl) {
				t.Errorf("opened template differs from the sealed one")
			}
			if again, err := k2.PullTemplates(ctx, pulled.Next); err != nil || len(again.Shares) != 0 {
				t.Errorf("pull after next: got %+v %v, want nothing new", again, err)
			}

			// An older share arriving late does not replace a newer one.
			newer, _ := key.Seal(shareTemplate("E1", 0.5), t0.Add(time.Hour))
			if n, err := k2.PushTemplates(ctx, []wire.TemplateShare{newer}); err != nil || n != 1 {
				t.Fatalf("push newer: got %d %v", n, err)
			}
			if n, err := k1.PushTemplates(ctx, []wire.TemplateShare{share}); err != nil || n != 0 {
				t.Errorf("push older again: got %d stored (%v), want 0", n, err)
			}

			// Plaintext never reaches the hub's files.
			if sc.name == "sqlite" {
				plain, _ := tmpl.MarshalBinary()
				needle := plain[len(plain)-64:]
				matches, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath(t, st)), "hub.db*"))
				if len(matches) == 0 {
					t.Fatal("no hub.db files to scan")
				}
				for _, m := range matches {
					data, _ := os.ReadFile(m)
					if bytes.Contains(data, needle) {
						t.Errorf("%s holds plaintext descriptor bytes", filepath.Base(m))
					}
				}
			}

			// A tombstone replaces the ciphertext.
			if n, err := k1.PushTemplates(ctx, []wire.TemplateShare{key.Tombstone("E1", tmpl.Model.String(), t0.Add(2*time.Hour))}); err != nil || n != 1 {
				t.Fatalf("tombstone: got %d %v", n, err)
			}
			all, err := st.Shares(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 1 || !all[0].Deleted || len(all[0].Sealed) != 54 { // the 40-byte tag, base64url; no ciphertext
				t.Errorf("after tombstone: got %+v, want one deleted share carrying only its tag", all)
			}

			// Malformed share: 400, nothing stored.
			bad := share
			bad.Employee, bad.Sealed = "E9", "not base64!"
			if _, err := k1.PushTemplates(ctx, []wire.TemplateShare{bad}); !errors.As(err, &he) || he.Status != 400 {
				t.Errorf("bad share: got %v, want 400", err)
			}
			if all, _ := st.Shares(ctx, 0, 10); len(all) != 1 {
				t.Errorf("bad share stored: %d shares", len(all))
			}

			// A share dated far ahead would win over every later one:
			// refused, nothing stored.
			future := key.Tombstone("E1", tmpl.Model.String(), h.clock.Now().Add(wire.MaxFuture+time.Minute))
			if _, err := k1.PushTemplates(ctx, []wire.TemplateShare{future}); !errors.As(err, &he) || he.Status != 400 || he.Code != wire.CodeFutureTime {
				t.Errorf("far-future share: got %v, want 400 %s", err, wire.CodeFutureTime)
			}
			if all, _ := st.Shares(ctx, 0, 10); len(all) != 1 || !all[0].At.Before(h.clock.Now().Add(wire.MaxFuture)) {
				t.Errorf("far-future share stored: %+v", all)
			}
		})
	}
}
