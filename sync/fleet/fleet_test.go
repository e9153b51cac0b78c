package fleet_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"clockface/embeddings"
	"clockface/sync/fleet"
	"clockface/sync/wire"
)

func template(owner string) embeddings.Template {
	s := make(embeddings.Embedding, 128)
	for i := range s {
		s[i] = float32(i) / 128
	}
	return embeddings.Template{Owner: owner, Model: embeddings.Model{Name: "dlib", Version: "1", Dim: 128}, Samples: []embeddings.Embedding{s, s}}
}

var at = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func TestSealOpen(t *testing.T) {
	k, err := fleet.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	want := template("E1")
	share, err := k.Seal(want, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := share.Validate(); err != nil {
		t.Fatalf("sealed share fails wire validation: %v", err)
	}
	got, err := k.Open(share)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	plain, _ := want.MarshalBinary()
	sealed, _ := base64.RawURLEncoding.DecodeString(share.Sealed)
	if bytes.Contains(sealed, plain[len(plain)-64:]) {
		t.Error("sealed share contains plaintext descriptor bytes")
	}
	again, _ := k.Seal(want, at)
	if again.Sealed == share.Sealed {
		t.Error("two seals of one template are identical: nonce reused")
	}
}

func TestOpenRejects(t *testing.T) {
	k, _ := fleet.NewKey()
	other, _ := fleet.NewKey()
	share, err := k.Seal(template("E1"), at)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := k.Seal(template("E2"), at)
	flip := func(s wire.TemplateShare, i int) wire.TemplateShare {
		b, _ := base64.RawURLEncoding.DecodeString(s.Sealed)
		b[(i%len(b)+len(b))%len(b)] ^= 1
		s.Sealed = base64.RawURLEncoding.EncodeToString(b)
		return s
	}
	tests := []struct {
		name  string
		share wire.TemplateShare
		key   *fleet.Key
		want  error
	}{
		{"bit flip in nonce", flip(share, 3), k, fleet.ErrTampered},
		{"bit flip in ciphertext", flip(share, 200), k, fleet.ErrTampered},
		{"bit flip in tag", flip(share, -1), k, fleet.ErrTampered},
		{"truncated", func() wire.TemplateShare { s := share; s.Sealed = s.Sealed[:len(s.Sealed)-10]; return s }(), k, fleet.ErrTampered},
		{"moved to another employee", func() wire.TemplateShare { s := share; s.Employee = "E2"; return s }(), k, fleet.ErrTampered},
		{"swapped ciphertexts", func() wire.TemplateShare { s := share; s.Sealed = e2.Sealed; return s }(), k, fleet.ErrTampered},
		{"moved to another model", func() wire.TemplateShare { s := share; s.Model = "onnx/1"; return s }(), k, fleet.ErrTampered},
		{"another fleet's key", share, other, fleet.ErrWrongKey},
		{"key id forged", func() wire.TemplateShare { s := share; s.KeyID = other.ID(); return s }(), other, fleet.ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.key.Open(tt.share); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	k, _ := fleet.NewKey()
	path := filepath.Join(t.TempDir(), "fleet.key")
	if err := k.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	k2, err := fleet.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k2.ID() != k.ID() || len(k.ID()) != 16 {
		t.Errorf("got id %s, want %s (16 hex digits)", k2.ID(), k.ID())
	}
	share, _ := k.Seal(template("E1"), at)
	if _, err := k2.Open(share); err != nil {
		t.Errorf("reloaded key cannot open: %v", err)
	}
	if _, err := fleet.LoadKeyFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file: got nil error")
	}
}
