package wire_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"clockface/sync/wire"
)

// A tombstone may carry the fleet key's 40-byte tag in Sealed, and nothing
// else: no ciphertext rides along with a deletion.
func TestTombstoneTag(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	enc := base64.RawURLEncoding.EncodeToString
	for _, c := range []struct {
		name   string
		sealed string
		ok     bool
	}{
		{"no tag", "", true},
		{"a 40-byte tag", enc(make([]byte, wire.TombstoneTagBytes)), true},
		{"41 bytes", enc(make([]byte, wire.TombstoneTagBytes+1)), false},
		{"a ciphertext", enc(make([]byte, 600)), false},
		{"not base64url", strings.Repeat("!", 54), false},
	} {
		s := wire.TemplateShare{Employee: "E1", Model: "dlib/1", KeyID: "0123456789abcdef", Deleted: true, At: at, Sealed: c.sealed}
		if err := s.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok %v", c.name, err, c.ok)
		}
	}
}
