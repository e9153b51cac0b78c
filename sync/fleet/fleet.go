// Package fleet seals face templates for opt-in sharing between one
// employer's kiosks. The fleet key lives on the kiosks only (a file the
// admin copies to each); the hub stores and forwards the sealed bytes and
// can neither read nor alter them undetected (privacy promise 7).
//
// Sealing is XChaCha20-Poly1305 with a random 24-byte nonce; the
// additional data binds the ciphertext to the employee, the model and the
// key id, so a share moved to another employee or model fails to open.
//
// A tombstone carries no ciphertext but a tag: the same AEAD over an empty
// plaintext, with additional data naming the employee, the model, the key
// id and the tombstone's time. Only a holder of the fleet key can make one,
// so neither the hub nor a kiosk outside the fleet can delete a template.
package fleet

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"clockface/embeddings"
	"clockface/internal/atomicfile"
	"clockface/sync/wire"
)

// Errors from Open.
var (
	ErrWrongKey = errors.New("share sealed under another fleet key")
	ErrTampered = errors.New("share does not open: tampered, moved or truncated")
	// ErrForgedTombstone says a tombstone has no valid tag under this
	// fleet key: it was not made by a kiosk of this fleet, or was altered.
	ErrForgedTombstone = errors.New("tombstone not made with the fleet key (forged or altered)")
)

// Key is a fleet key.
type Key struct {
	raw  []byte
	id   string
	aead cipher.AEAD
}

const keyFileHeader = "clockface-fleet-key-v1\n"

// NewKey returns a random key.
func NewKey() (*Key, error) {
	raw := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("fleet key: %w", err)
	}
	return keyFrom(raw)
}

func keyFrom(raw []byte) (*Key, error) {
	aead, err := chacha20poly1305.NewX(raw)
	if err != nil {
		return nil, fmt.Errorf("fleet key: %w", err)
	}
	sum := sha256.Sum256(append([]byte("clockface fleet key id\x00"), raw...))
	return &Key{raw: raw, id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// ID is the key's public fingerprint (16 hex digits).
func (k *Key) ID() string { return k.id }

// WriteFile saves the key atomically, mode 0600.
func (k *Key) WriteFile(path string) error {
	data := keyFileHeader + base64.StdEncoding.EncodeToString(k.raw) + "\n"
	return atomicfile.Write(path, []byte(data), 0o600)
}

// LoadKeyFile reads a key written by WriteFile.
func LoadKeyFile(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet key: %w", err)
	}
	body, ok := strings.CutPrefix(string(data), keyFileHeader)
	if !ok {
		return nil, fmt.Errorf("fleet key %s: not a clockface fleet key file", path)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(body))
	if err != nil || len(raw) != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("fleet key %s: garbled", path)
	}
	return keyFrom(raw)
}

func additionalData(keyID, employee, model string) []byte {
	return []byte("clockface-template-share/v1\x00" + keyID + "\x00" + employee + "\x00" + model)
}

// Seal turns a template into a share.
func (k *Key) Seal(t embeddings.Template, at time.Time) (wire.TemplateShare, error) {
	plain, err := t.MarshalBinary()
	if err != nil {
		return wire.TemplateShare{}, fmt.Errorf("seal template: %w", err)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return wire.TemplateShare{}, fmt.Errorf("seal template: %w", err)
	}
	model := t.Model.String()
	sealed := k.aead.Seal(nonce, nonce, plain, additionalData(k.id, t.Owner, model))
	clear(plain)
	return wire.TemplateShare{Employee: t.Owner, Model: model, KeyID: k.id,
		Sealed: base64.RawURLEncoding.EncodeToString(sealed), At: at.UTC()}, nil
}

func tombstoneData(keyID, employee, model string, at time.Time) []byte {
	b := []byte("clockface-template-tombstone/v1\x00" + keyID + "\x00" + employee + "\x00" + model + "\x00")
	return binary.BigEndian.AppendUint64(b, uint64(at.UTC().UnixNano()))
}

// tombstoneTagLen is the decoded size of a tombstone's tag: nonce and
// Poly1305 tag over an empty plaintext.
const tombstoneTagLen = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// Tombstone is the share that tells other kiosks to delete their copy. Its
// Sealed field holds the tag that proves it was made with the fleet key.
func (k *Key) Tombstone(employee, model string, at time.Time) wire.TemplateShare {
	at = at.UTC()
	nonce := make([]byte, chacha20poly1305.NonceSizeX, tombstoneTagLen)
	rand.Read(nonce) // crypto/rand.Read never fails (it aborts the program instead)
	tag := k.aead.Seal(nonce, nonce, nil, tombstoneData(k.id, employee, model, at))
	return wire.TemplateShare{Employee: employee, Model: model, KeyID: k.id, Deleted: true, At: at,
		Sealed: base64.RawURLEncoding.EncodeToString(tag)}
}

// VerifyTombstone checks that a tombstone was made with this fleet key for
// exactly this employee, model and time: ErrWrongKey, ErrForgedTombstone
// (no tag, a bad tag, or a share that is not a tombstone) or nil.
func (k *Key) VerifyTombstone(s wire.TemplateShare) error {
	if s.KeyID != k.id {
		return fmt.Errorf("%w: %s, this kiosk has %s", ErrWrongKey, s.KeyID, k.id)
	}
	if !s.Deleted {
		return fmt.Errorf("verify tombstone: not a tombstone: %w", ErrForgedTombstone)
	}
	tag, err := base64.RawURLEncoding.DecodeString(s.Sealed)
	if err != nil || len(tag) != tombstoneTagLen {
		return ErrForgedTombstone
	}
	nonce, ct := tag[:chacha20poly1305.NonceSizeX], tag[chacha20poly1305.NonceSizeX:]
	if _, err := k.aead.Open(nil, nonce, ct, tombstoneData(k.id, s.Employee, s.Model, s.At)); err != nil {
		return ErrForgedTombstone
	}
	return nil
}

// Open recovers the template from a share.
func (k *Key) Open(s wire.TemplateShare) (embeddings.Template, error) {
	if s.KeyID != k.id {
		return embeddings.Template{}, fmt.Errorf("%w: %s, this kiosk has %s", ErrWrongKey, s.KeyID, k.id)
	}
	if s.Deleted {
		return embeddings.Template{}, errors.New("open share: it is a tombstone")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(s.Sealed)
	if err != nil || len(sealed) < chacha20poly1305.NonceSizeX+k.aead.Overhead() {
		return embeddings.Template{}, ErrTampered
	}
	nonce, ct := sealed[:chacha20poly1305.NonceSizeX], sealed[chacha20poly1305.NonceSizeX:]
	plain, err := k.aead.Open(nil, nonce, ct, additionalData(k.id, s.Employee, s.Model))
	if err != nil {
		return embeddings.Template{}, ErrTampered
	}
	defer clear(plain)
	var t embeddings.Template
	if err := t.UnmarshalBinary(plain); err != nil {
		return embeddings.Template{}, fmt.Errorf("open share: %w", err)
	}
	if t.Owner != s.Employee || t.Model.String() != s.Model {
		return embeddings.Template{}, ErrTampered
	}
	return t, nil
}
