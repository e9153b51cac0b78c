package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/argon2"
)

// ErrBadKeyFile says a master key file exists but does not hold a key.
// The file is left as it is.
var ErrBadKeyFile = errors.New("not a clockface master key file")

// Key file format: one line, a versioned prefix and the key in hex.
const keyFilePrefix = "clockface-master-key-v1:"

// Argon2id parameters for passphrase keys (RFC 9106's second recommended
// option, with 64 MiB): about 0.1-0.2 s once at start-up, never per employee.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	// MinSaltSize is the shortest salt KeyFromPassphrase accepts.
	MinSaltSize = 16
)

// KeyFromPassphrase derives a master key from a passphrase and a salt
// (at least MinSaltSize random bytes, stored beside the data) with argon2id.
func KeyFromPassphrase(pass, salt []byte) (*MasterKey, error) {
	if len(pass) == 0 {
		return nil, errors.New("key from passphrase: empty passphrase")
	}
	if len(salt) < MinSaltSize {
		return nil, fmt.Errorf("key from passphrase: salt of %d bytes, need at least %d", len(salt), MinSaltSize)
	}
	var k [KeySize]byte
	copy(k[:], argon2.IDKey(pass, salt, argonTime, argonMemory, argonThreads, KeySize))
	return newMasterKey(k), nil
}

// LoadKeyFile reads a master key file. A missing file wraps fs.ErrNotExist;
// a short, garbled or group/world-readable file is an error naming the file,
// and is never modified.
func LoadKeyFile(path string) (*MasterKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("load master key %s: not a regular file: %w", path, ErrBadKeyFile)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("load master key %s: mode %04o lets others read it; run chmod 600 on it", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load master key: %w", err)
	}
	line := bytes.TrimSpace(b)
	if !bytes.HasPrefix(line, []byte(keyFilePrefix)) {
		return nil, fmt.Errorf("load master key %s: %d bytes without the %q header: %w", path, len(b), keyFilePrefix, ErrBadKeyFile)
	}
	h := line[len(keyFilePrefix):]
	if len(h) != 2*KeySize {
		return nil, fmt.Errorf("load master key %s: %d hex digits, want %d: %w", path, len(h), 2*KeySize, ErrBadKeyFile)
	}
	var k [KeySize]byte
	if _, err := hex.Decode(k[:], h); err != nil {
		return nil, fmt.Errorf("load master key %s: %v: %w", path, err, ErrBadKeyFile)
	}
	return newMasterKey(k), nil
}

// LoadOrCreateKeyFile loads the master key at path, or, if there is no
// file, creates a random one (folder 0700, file 0600, written atomically).
// An existing file is never overwritten, even if it is garbled, and two
// processes racing to create it end up with the same key.
func LoadOrCreateKeyFile(path string) (*MasterKey, error) {
	m, err := LoadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return m, err
	}
	if m, err = NewMasterKey(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	tmp, err := writeTemp(path, m.encode())
	if err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	defer os.Remove(tmp)
	// Link fails if the name exists: another process won the race.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadKeyFile(path)
		}
		return nil, fmt.Errorf("create master key: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	return m, nil
}

// WriteFile writes the key to path atomically (temporary file, fsync,
// rename, fsync of the folder) with mode 0600, replacing any file there.
func (m *MasterKey) WriteFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write master key: %w", err)
	}
	tmp, err := writeTemp(path, m.encode())
	if err != nil {
		return fmt.Errorf("write master key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write master key: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("write master key: %w", err)
	}
	return nil
}

func (m *MasterKey) encode() []byte {
	return []byte(keyFilePrefix + hex.EncodeToString(m.key[:]) + "\n")
}

// writeTemp writes b to a new 0600 file beside path, fsyncs it and returns
// its name.
func writeTemp(path string, b []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
