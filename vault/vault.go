// Package vault encrypts face templates and enrolment images at rest.
//
// Every employee has a random 32-byte data key. Their ciphertexts are DARE
// 2.0 streams (github.com/minio/sio, version 2.0 only, random nonces) under a
// key derived with HKDF-SHA256 from that data key, the owner and a purpose,
// so a blob copied to another employee's row, or from a template column to a
// snapshot column, fails to open instead of decrypting.
//
// Data keys are stored wrapped by a master key that lives outside the
// database (a 0600 key file, or a key derived from a passphrase with
// argon2id). Wrapping is itself a DARE 2.0 stream of the 32 data-key bytes
// under HKDF-SHA256(master, "clockface wrap v1" | owner), prefixed with the
// master key's public ID. Unwrap compares that ID before decrypting, so a
// wrong master key is reported as ErrWrongKey and never as tampering; and a
// wrapped key moved to another owner fails. Unwrap costs two HKDF
// expansions and one AES-GCM open: opening 10,000 employees is milliseconds.
//
// Destroying a wrapped data key (deleting its row) makes every ciphertext
// sealed under it unrecoverable: crypto-shredding.
package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/minio/sio"
	"golang.org/x/crypto/hkdf"
)

// KeySize is the length of master and data keys in bytes.
const KeySize = 32

// Errors callers test with errors.Is.
var (
	// ErrWrongKey says a wrapped key was made under another master key.
	// Nothing has been decrypted, changed or deleted.
	ErrWrongKey = errors.New("wrong master key")
	// ErrTampered says a ciphertext was modified, truncated, reordered, or
	// belongs to another owner or purpose. No plaintext is returned.
	ErrTampered = errors.New("ciphertext tampered or not for this owner and purpose")
)

// Wrapped key layout: magic, master key ID (raw), DARE 2.0 stream.
const (
	wrapMagic = "CFK1"
	idSize    = 8 // bytes of the key fingerprint; ID() is their hex form
	wrapHead  = len(wrapMagic) + idSize
)

// HKDF info labels. Changing one makes every existing ciphertext unreadable.
const (
	idLabel   = "clockface key id"
	wrapLabel = "clockface wrap v1"
	sealLabel = "clockface seal v1"
)

// MasterKey wraps and unwraps per-employee data keys. It is immutable and
// safe for concurrent use.
type MasterKey struct {
	key [KeySize]byte
	id  [idSize]byte
}

// NewMasterKey returns a random master key.
func NewMasterKey() (*MasterKey, error) {
	var k [KeySize]byte
	if _, err := io.ReadFull(rand.Reader, k[:]); err != nil {
		return nil, fmt.Errorf("new master key: %w", err)
	}
	return newMasterKey(k), nil
}

func newMasterKey(k [KeySize]byte) *MasterKey {
	m := &MasterKey{key: k}
	mac := hmac.New(sha256.New, k[:])
	mac.Write([]byte(idLabel))
	copy(m.id[:], mac.Sum(nil))
	return m
}

// ID is the key's public fingerprint: the first 8 bytes of
// HMAC-SHA256(key, "clockface key id"), in hex. It reveals nothing about
// the key; the ledger stores it to detect a wrong key before decrypting.
func (m *MasterKey) ID() string { return hex.EncodeToString(m.id[:]) }

// Secret derives a 32-byte secret for info from the master key
// (HKDF-SHA256 with info as the label), for keying what the master key
// does not seal itself, such as the ledger's PIN hashes. Different infos
// give independent secrets, and none reveals the master key.
func (m *MasterKey) Secret(info string) []byte { return derive(m.key[:], info) }

// DataKey is one employee's random key. The zero value is not a key.
type DataKey struct {
	key [KeySize]byte
	set bool
}

// NewDataKey makes a random data key for owner and returns it with its
// wrapped form, which is what gets stored.
func (m *MasterKey) NewDataKey(owner string) (DataKey, []byte, error) {
	if owner == "" {
		return DataKey{}, nil, errors.New("new data key: empty owner")
	}
	k := DataKey{set: true}
	if _, err := io.ReadFull(rand.Reader, k.key[:]); err != nil {
		return DataKey{}, nil, fmt.Errorf("new data key: %w", err)
	}
	w, err := m.wrap(owner, k)
	if err != nil {
		return DataKey{}, nil, fmt.Errorf("new data key: %w", err)
	}
	return k, w, nil
}

func (m *MasterKey) wrap(owner string, k DataKey) ([]byte, error) {
	head := make([]byte, 0, wrapHead+KeySize+32)
	head = append(append(head, wrapMagic...), m.id[:]...)
	w, err := seal(head, derive(m.key[:], wrapLabel, owner), k.key[:])
	if err != nil {
		return nil, fmt.Errorf("wrap: %w", err)
	}
	return w, nil
}

// Unwrap recovers owner's data key. It returns ErrWrongKey if wrapped was
// made under another master key, and ErrTampered if it was modified or
// belongs to another owner.
func (m *MasterKey) Unwrap(owner string, wrapped []byte) (DataKey, error) {
	if len(wrapped) < wrapHead || string(wrapped[:len(wrapMagic)]) != wrapMagic {
		return DataKey{}, fmt.Errorf("unwrap %s: not a wrapped key (%d bytes): %w", owner, len(wrapped), ErrTampered)
	}
	if id := wrapped[len(wrapMagic):wrapHead]; !hmac.Equal(id, m.id[:]) {
		return DataKey{}, fmt.Errorf("unwrap %s: wrapped under key %x, this is key %s: %w", owner, id, m.ID(), ErrWrongKey)
	}
	kek := derive(m.key[:], wrapLabel, owner)
	plain, err := open(kek, wrapped[wrapHead:])
	if err != nil || len(plain) != KeySize {
		return DataKey{}, fmt.Errorf("unwrap %s: %w", owner, ErrTampered)
	}
	k := DataKey{set: true}
	copy(k.key[:], plain)
	clear(plain)
	return k, nil
}

// Rewrap moves owner's wrapped data key from m to another master key. The
// data key, and so every ciphertext sealed under it, stays the same.
func (m *MasterKey) Rewrap(owner string, wrapped []byte, to *MasterKey) ([]byte, error) {
	if to == nil {
		return nil, errors.New("rewrap: no target key")
	}
	k, err := m.Unwrap(owner, wrapped)
	if err != nil {
		return nil, fmt.Errorf("rewrap: %w", err)
	}
	w, err := to.wrap(owner, k)
	if err != nil {
		return nil, fmt.Errorf("rewrap %s: %w", owner, err)
	}
	return w, nil
}

// Seal encrypts plaintext for owner and purpose (for example "template" or
// "enrol"). Only Open with the same key, owner and purpose recovers it.
func (k DataKey) Seal(owner, purpose string, plaintext []byte) ([]byte, error) {
	if !k.set {
		return nil, errors.New("seal: zero data key")
	}
	if owner == "" || purpose == "" {
		return nil, errors.New("seal: empty owner or purpose")
	}
	ct, err := seal(nil, derive(k.key[:], sealLabel, owner, purpose), plaintext)
	if err != nil {
		return nil, fmt.Errorf("seal %s for %s: %w", purpose, owner, err)
	}
	return ct, nil
}

// seal appends the DARE 2.0 stream of plaintext under key to dst, reading
// sio's encrypting reader straight into a buffer of the exact size.
func seal(dst, key, plaintext []byte) ([]byte, error) {
	size, err := sio.EncryptedSize(uint64(len(plaintext)))
	if err != nil {
		return nil, err
	}
	r, err := sio.EncryptReader(bytes.NewReader(plaintext), dareConfig(key))
	if err != nil {
		return nil, err
	}
	n := len(dst)
	dst = append(dst, make([]byte, size)...)
	if _, err := io.ReadFull(r, dst[n:]); err != nil {
		return nil, err
	}
	return dst, nil
}

// Open decrypts what Seal wrote for the same owner and purpose. Any change
// to the ciphertext, or another owner or purpose, gives ErrTampered.
func (k DataKey) Open(owner, purpose string, ciphertext []byte) ([]byte, error) {
	if !k.set {
		return nil, errors.New("open: zero data key")
	}
	key := derive(k.key[:], sealLabel, owner, purpose)
	plain, err := open(key, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("open %s for %s: %w", purpose, owner, err)
	}
	return plain, nil
}

// open decrypts a whole DARE 2.0 stream, or returns ErrTampered.
func open(key, ciphertext []byte) (plain []byte, err error) {
	// A stream with no package at all, or a short last package, is
	// truncated; checking here also keeps sio from slicing past the end.
	size, err := sio.DecryptedSize(uint64(len(ciphertext)))
	if err != nil || len(ciphertext) == 0 {
		return nil, fmt.Errorf("%d bytes: %w", len(ciphertext), ErrTampered)
	}
	defer func() {
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("malformed stream: %w", ErrTampered)
		}
	}()
	plain, err = sio.DecryptBuffer(make([]byte, 0, size), ciphertext, dareConfig(key))
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrTampered)
	}
	return plain, nil
}

// dareConfig is DARE 2.0 only, AES-256-GCM or ChaCha20-Poly1305 as the
// CPU prefers, with sio's random nonce (never a fixed one).
func dareConfig(key []byte) sio.Config {
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20, Key: key}
}

// derive is HKDF-SHA256(secret) expanded for a label and length-prefixed
// context strings, so ("a|b", "c") and ("a", "b|c") never collide.
func derive(secret []byte, label string, context ...string) []byte {
	info := make([]byte, 0, len(label)+64)
	info = append(info, label...)
	for _, c := range context {
		info = binary.BigEndian.AppendUint32(info, uint32(len(c)))
		info = append(info, c...)
	}
	out := make([]byte, KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, info), out); err != nil {
		panic("vault: hkdf: " + err.Error()) // cannot happen for 32 bytes of SHA-256
	}
	return out
}
