package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"clockface/sync/wire"
)

// The fuzz targets below cover every decoder that reads what a network
// peer sends: pairing requests, template pushes and pulls and the
// Signature-Input header (FuzzDecodeBatch in wire_test.go covers batches).
// Each must never panic, and whatever it accepts must survive a round
// trip unchanged. Their corpora are in testdata/fuzz; `make fuzz` runs
// them.

func FuzzDecodePair(f *testing.F) {
	f.Add([]byte(`{"code":"ABCD-EFGH-JKLM","kiosk_id":"front-door"}`))
	f.Add([]byte(`{"code":"ABCD","kiosk_id":"k1","code":"EFGH"}`))
	f.Add([]byte(`{"code":"","kiosk_id":""}`))
	f.Add([]byte(`{"code":"x","kiosk_id":"a\"b"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := wire.DecodePair(bytes.NewReader(data))
		if err != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		p2, err := wire.DecodePair(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		if p != p2 {
			t.Fatalf("round trip: got %+v, want %+v", p2, p)
		}
	})
}

const fuzzSealed = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 42 bytes

func FuzzDecodeTemplatePush(f *testing.F) {
	f.Add([]byte(`{"kiosk_id":"k1","shares":[{"employee":"E1","model":"dlib","key_id":"0123456789abcdef","sealed":"` + fuzzSealed + `","at":"2026-03-01T12:00:00Z"}]}`))
	f.Add([]byte(`{"kiosk_id":"k1","shares":[{"employee":"E1","model":"dlib","key_id":"0123456789abcdef","deleted":true,"at":"2026-03-01T12:00:00Z"}]}`))
	f.Add([]byte(`{"kiosk_id":"k1","shares":[]}`))
	f.Add([]byte(`{"kiosk_id":"k1","shares":null,"shares":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := wire.DecodeTemplatePush(bytes.NewReader(data))
		if err != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		p2, err := wire.DecodeTemplatePush(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		if len(p.Shares) == 0 {
			p.Shares, p2.Shares = nil, nil
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip: got %+v, want %+v", p2, p)
		}
	})
}

func FuzzDecodeTemplatePull(f *testing.F) {
	f.Add([]byte(`{"kiosk_id":"k1","after":0}`))
	f.Add([]byte(`{"kiosk_id":"k1","after":-1}`))
	f.Add([]byte(`{"kiosk_id":"k1","after":1e3}`))
	f.Add([]byte(`{"kiosk_id":"k1","after":5,"After":6}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := wire.DecodeTemplatePull(bytes.NewReader(data))
		if err != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		p2, err := wire.DecodeTemplatePull(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		if p != p2 {
			t.Fatalf("round trip: got %+v, want %+v", p2, p)
		}
	})
}

// FuzzParseSignature: the header parser never panics; what it accepts has
// a valid key id and nonce, and a request signed with those parameters
// parses back to them.
func FuzzParseSignature(f *testing.F) {
	good := `sig1=("@method" "@path" "content-digest");created=1772366400;nonce="AAAAAAAAAAAAAAAAAAAAAA";keyid="front-door";alg="hmac-sha256"`
	f.Add(good, "sig1=:AAAA:")
	f.Add(`sig1=("@method" "@path" "content-digest");created=1;created=2;nonce="AAAAAAAAAAAAAAAAAAAAAA";keyid="k";alg="hmac-sha256"`, "sig1=:AAAA:")
	f.Add(`sig1=("@method" "@path" "content-digest");keyid="k\"";alg="x"`, "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, input, sig string) {
		h := http.Header{}
		h.Set("Signature-Input", input)
		h.Set("Signature", sig)
		p, err := wire.ParseSignature(h)
		if err != nil {
			if !errors.Is(err, wire.ErrBadSignature) && !errors.Is(err, wire.ErrNoSignature) {
				t.Fatalf("error %v is neither ErrBadSignature nor ErrNoSignature", err)
			}
			return
		}
		if err := wire.CheckKioskID("keyid", p.KeyID); err != nil {
			t.Fatalf("accepted keyid %q: %v", p.KeyID, err)
		}
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1"+wire.PathBatches, nil)
		if err != nil {
			t.Fatal(err)
		}
		secret := []byte("0123456789abcdef0123456789abcdef")
		wire.Sign(req, nil, p.KeyID, secret, p.Created, p.Nonce)
		p2, err := wire.ParseSignature(req.Header)
		if err != nil {
			t.Fatalf("parsed %q but not its re-signing %q: %v", input, req.Header.Get("Signature-Input"), err)
		}
		if p2.KeyID != p.KeyID || p2.Nonce != p.Nonce || p2.Created.Unix() != p.Created.Unix() {
			t.Fatalf("round trip: got %+v, want %+v", p2, p)
		}
		if err := wire.Verify(req, nil, p2, secret); err != nil {
			t.Fatalf("re-signed request does not verify: %v", err)
		}
	})
}
