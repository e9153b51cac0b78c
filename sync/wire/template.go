package wire

import (
	"encoding/base64"
	"fmt"
	"io"
	"time"
)

// Opt-in template sharing between one employer's kiosks. This is the one
// exception to "no biometrics on the wire", and it carries ciphertext only:
// a kiosk seals a template under the fleet key (sync/fleet), which kiosks
// hold and the hub never does. The hub stores and forwards opaque bytes.
const (
	PathTemplatesPush = "/v1/templates/push"
	PathTemplatesPull = "/v1/templates/pull"

	CodeSharingOff = "template_sharing_off"

	MaxSealedBytes  = 64 << 10 // one sealed template, decoded
	MaxShares       = 100      // per push
	MaxPullShares   = 500      // per pull answer
	MaxTemplateBody = 12 << 20
	// TombstoneTagBytes is the decoded size of a tombstone's tag in
	// Sealed: a 24-byte nonce and a 16-byte tag.
	TombstoneTagBytes = 24 + 16
)

// TemplateShare is one employee's template for one model, sealed. Deleted
// marks a tombstone (consent withdrawn, employee terminated or erased):
// kiosks delete their copy, and the hub keeps no ciphertext for it.
type TemplateShare struct {
	Employee string    `json:"employee"`
	Model    string    `json:"model"`
	KeyID    string    `json:"key_id"`
	Sealed   string    `json:"sealed,omitempty"` // base64url of nonce ‖ XChaCha20-Poly1305 ciphertext (a tombstone: nonce ‖ tag)
	Deleted  bool      `json:"deleted,omitempty"`
	At       time.Time `json:"at"`
}

// TemplatePush uploads shares from one kiosk.
type TemplatePush struct {
	KioskID string          `json:"kiosk_id"`
	Shares  []TemplateShare `json:"shares"`
}

// TemplatePull asks for shares stored after sequence number After.
type TemplatePull struct {
	KioskID string `json:"kiosk_id"`
	After   int64  `json:"after"`
}

// SharedTemplate is a share as the hub forwards it.
type SharedTemplate struct {
	Seq    int64  `json:"seq"`
	Origin string `json:"origin"`
	TemplateShare
}

// TemplatePullResponse carries shares in sequence order; Next is the
// After for the following pull.
type TemplatePullResponse struct {
	Shares []SharedTemplate `json:"shares"`
	Next   int64            `json:"next"`
}

// TemplatePushResponse counts stored shares.
type TemplatePushResponse struct {
	Stored int `json:"stored"`
}

// DecodeTemplatePush reads a push strictly.
func DecodeTemplatePush(r io.Reader) (TemplatePush, error) {
	var p TemplatePush
	if err := decodeStrict(r, MaxTemplateBody, &p); err != nil {
		return TemplatePush{}, err
	}
	if err := CheckKioskID("kiosk_id", p.KioskID); err != nil {
		return TemplatePush{}, err
	}
	if len(p.Shares) > MaxShares {
		return TemplatePush{}, &ValidationError{"shares", fmt.Sprintf("at most %d", MaxShares)}
	}
	for i, s := range p.Shares {
		if err := s.Validate(); err != nil {
			if ve, ok := err.(*ValidationError); ok {
				ve.Field = fmt.Sprintf("shares[%d].%s", i, ve.Field)
			}
			return TemplatePush{}, err
		}
	}
	return p, nil
}

// DecodeTemplatePull reads a pull request strictly.
func DecodeTemplatePull(r io.Reader) (TemplatePull, error) {
	var p TemplatePull
	if err := decodeStrict(r, MaxPairBytes, &p); err != nil {
		return TemplatePull{}, err
	}
	if err := CheckKioskID("kiosk_id", p.KioskID); err != nil {
		return TemplatePull{}, err
	}
	if p.After < 0 {
		return TemplatePull{}, &ValidationError{"after", "negative"}
	}
	return p, nil
}

// Validate checks a share's fields; the ciphertext stays opaque.
func (s TemplateShare) Validate() error {
	if err := checkID("employee", s.Employee); err != nil {
		return err
	}
	if err := checkID("model", s.Model); err != nil {
		return err
	}
	if len(s.KeyID) != 16 || checkHash(s.KeyID) != nil {
		return &ValidationError{"key_id", "want 16 hex digits"}
	}
	if err := checkTime("at", s.At); err != nil {
		return err
	}
	if s.Deleted {
		// A tombstone carries no ciphertext, only the fleet key's tag
		// (nonce and Poly1305 tag over an empty plaintext, see sync/fleet).
		if s.Sealed == "" {
			return nil
		}
		b, err := base64.RawURLEncoding.DecodeString(s.Sealed)
		if err != nil || len(b) != TombstoneTagBytes {
			return &ValidationError{"sealed", fmt.Sprintf("a tombstone carries only a %d-byte tag", TombstoneTagBytes)}
		}
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s.Sealed)
	if err != nil {
		return &ValidationError{"sealed", "not base64url"}
	}
	if len(b) < 24+16+1 || len(b) > MaxSealedBytes {
		return &ValidationError{"sealed", fmt.Sprintf("%d bytes: not a sealed template", len(b))}
	}
	return nil
}
