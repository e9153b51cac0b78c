package vault_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/embeddings"
	"clockface/vault"
)

func newKey(t testing.TB) *vault.MasterKey {
	t.Helper()
	m, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newDataKey(t testing.TB, m *vault.MasterKey, owner string) (vault.DataKey, []byte) {
	t.Helper()
	k, w, err := m.NewDataKey(owner)
	if err != nil {
		t.Fatal(err)
	}
	return k, w
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// template128 is a real-shaped template: 5 samples of a 128-d descriptor.
func template128(t testing.TB, owner string) []byte {
	t.Helper()
	tpl := embeddings.Template{Owner: owner, Model: embeddings.Model{Name: "dlib", Version: "test", Dim: 128}}
	for i := range 5 {
		s := make(embeddings.Embedding, 128)
		for j := range s {
			s[j] = float32(i*128+j) / 1000
		}
		tpl.Samples = append(tpl.Samples, s)
	}
	b, err := tpl.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	m := newKey(t)
	k, wrapped := newDataKey(t, m, "E042")
	tests := []struct {
		name  string
		plain []byte
	}{
		{"template", template128(t, "E042")},
		{"one byte", []byte{7}},
		{"one package exactly", randomBytes(t, 64*1024)},
		{"three packages", randomBytes(t, 150*1024)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := k.Seal("E042", "template", tt.plain)
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.plain) >= 16 && bytes.Contains(ct, tt.plain) { // a short plaintext turns up in random bytes by chance
				t.Fatal("ciphertext contains the plaintext")
			}
			// Through the wrapped key, as the ledger does after a restart.
			k2, err := m.Unwrap("E042", wrapped)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k2.Open("E042", "template", ct)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Fatalf("got %d bytes, want the %d sealed", len(got), len(tt.plain))
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	k, _ := newDataKey(t, newKey(t), "E1")
	plain := template128(t, "E1")
	a, _ := k.Seal("E1", "template", plain)
	b, _ := k.Seal("E1", "template", plain)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}
}

func TestBitFlipEveryByte(t *testing.T) {
	k, _ := newDataKey(t, newKey(t), "E1")
	plain := []byte("a small template blob")
	ct, err := k.Seal("E1", "template", plain)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			got, err := k.Open("E1", "template", bad)
			if !errors.Is(err, vault.ErrTampered) {
				t.Fatalf("flip %#x at byte %d of %d: got (%q, %v), want ErrTampered", bit, i, len(ct), got, err)
			}
			if got != nil {
				t.Fatalf("flip at byte %d: got plaintext %q with the error", i, got)
			}
		}
	}
}

func TestTruncation(t *testing.T) {
	k, _ := newDataKey(t, newKey(t), "E1")
	small, _ := k.Seal("E1", "template", template128(t, "E1"))
	big, _ := k.Seal("E1", "template", randomBytes(t, 150*1024))
	const pkg = 64*1024 + 32 // a full DARE 2.0 package
	tests := []struct {
		name string
		ct   []byte
		n    int
	}{
		{"empty", small, 0},
		{"1 byte", small, 1},
		{"header only", small, 16},
		{"header and tag", small, 32},
		{"one byte short", small, len(small) - 1},
		{"half", small, len(small) / 2},
		{"first package only", big, pkg},
		{"two packages", big, 2 * pkg},
		{"into the last package", big, 2*pkg + 40},
		{"last byte", big, len(big) - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Open("E1", "template", tt.ct[:tt.n])
			if !errors.Is(err, vault.ErrTampered) || got != nil {
				t.Fatalf("got (%d bytes, %v), want ErrTampered", len(got), err)
			}
		})
	}
	t.Run("appended", func(t *testing.T) {
		got, err := k.Open("E1", "template", append(bytes.Clone(small), 0))
		if !errors.Is(err, vault.ErrTampered) || got != nil {
			t.Fatalf("got (%d bytes, %v), want ErrTampered", len(got), err)
		}
	})
}

func TestReorderedPackages(t *testing.T) {
	k, _ := newDataKey(t, newKey(t), "E1")
	plain := randomBytes(t, 200*1024) // 4 packages: 3 full, 1 short
	ct, err := k.Seal("E1", "snapshot", plain)
	if err != nil {
		t.Fatal(err)
	}
	const pkg = 64*1024 + 32
	if len(ct) < 3*pkg {
		t.Fatalf("got %d bytes of ciphertext, want at least 3 full packages", len(ct))
	}
	swap := func(i, j int) []byte {
		b := bytes.Clone(ct)
		pi := bytes.Clone(b[i*pkg : (i+1)*pkg])
		copy(b[i*pkg:], b[j*pkg:(j+1)*pkg])
		copy(b[j*pkg:], pi)
		return b
	}
	tests := []struct {
		name string
		ct   []byte
	}{
		{"swap 0 and 1", swap(0, 1)},
		{"swap 1 and 2", swap(1, 2)},
		{"drop package 1", append(bytes.Clone(ct[:pkg]), ct[2*pkg:]...)},
		{"repeat package 0", append(bytes.Clone(ct[:pkg]), ct...)},
		{"last package first", append(bytes.Clone(ct[3*pkg:]), ct[:3*pkg]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Open("E1", "snapshot", tt.ct)
			if !errors.Is(err, vault.ErrTampered) || got != nil {
				t.Fatalf("got (%d bytes, %v), want ErrTampered", len(got), err)
			}
		})
	}
	// And the untouched stream still opens: the failures are the edits.
	if got, err := k.Open("E1", "snapshot", ct); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("untouched: got (%d bytes, %v), want the plaintext", len(got), err)
	}
}

func TestBoundToOwnerAndPurpose(t *testing.T) {
	m := newKey(t)
	ka, wa := newDataKey(t, m, "A1")
	kb, wb := newDataKey(t, m, "B2")
	ct, err := ka.Seal("A1", "template", template128(t, "A1"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		key            vault.DataKey
		owner, purpose string
	}{
		{"other purpose", ka, "A1", "enrol"},
		{"other owner name, right key", ka, "B2", "template"},
		{"other employee's key and name", kb, "B2", "template"},
		{"other employee's key", kb, "A1", "template"},
		{"owner and purpose run together", ka, "A1template", ""},
		{"boundary moved", ka, "A", "1template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Open(tt.owner, tt.purpose, ct)
			if !errors.Is(err, vault.ErrTampered) || got != nil {
				t.Fatalf("got (%d bytes, %v), want ErrTampered", len(got), err)
			}
		})
	}
	// Swapped wrapped keys: A's row now holds B's wrapped key and back.
	for _, tt := range []struct {
		owner   string
		wrapped []byte
	}{{"A1", wb}, {"B2", wa}} {
		if _, err := m.Unwrap(tt.owner, tt.wrapped); !errors.Is(err, vault.ErrTampered) {
			t.Errorf("unwrap %s with the other's wrapped key: got %v, want ErrTampered", tt.owner, err)
		}
	}
}

func TestWrongMasterKey(t *testing.T) {
	m, other := newKey(t), newKey(t)
	if m.ID() == other.ID() {
		t.Fatal("two random keys share an ID")
	}
	_, wrapped := newDataKey(t, m, "E1")
	before := bytes.Clone(wrapped)
	_, err := other.Unwrap("E1", wrapped)
	if !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("got %v, want ErrWrongKey", err)
	}
	if errors.Is(err, vault.ErrTampered) {
		t.Fatalf("a wrong key is reported as tampering: %v", err)
	}
	if !strings.Contains(err.Error(), other.ID()) {
		t.Errorf("error %q does not name the key in use %s", err, other.ID())
	}
	if !bytes.Equal(wrapped, before) {
		t.Fatal("unwrap with the wrong key changed the wrapped key")
	}
	if _, err := other.Rewrap("E1", wrapped, newKey(t)); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("rewrap with the wrong key: got %v, want ErrWrongKey", err)
	}
	if _, err := m.Unwrap("E1", wrapped); err != nil {
		t.Fatalf("the right key after a wrong one: %v", err)
	}
}

func TestUnwrapTampered(t *testing.T) {
	m := newKey(t)
	_, wrapped := newDataKey(t, m, "E1")
	for i := range wrapped {
		bad := bytes.Clone(wrapped)
		bad[i] ^= 0x04
		_, err := m.Unwrap("E1", bad)
		// Bytes 4..11 hold the key ID: a flip there reads as another key.
		if !errors.Is(err, vault.ErrTampered) && !errors.Is(err, vault.ErrWrongKey) {
			t.Fatalf("flip at byte %d: got %v, want ErrTampered or ErrWrongKey", i, err)
		}
	}
	for _, n := range []int{0, 3, 12, 40, len(wrapped) - 1} {
		if _, err := m.Unwrap("E1", wrapped[:n]); !errors.Is(err, vault.ErrTampered) {
			t.Fatalf("truncated to %d: got %v, want ErrTampered", n, err)
		}
	}
}

func TestRewrap(t *testing.T) {
	old, next := newKey(t), newKey(t)
	k, wrapped := newDataKey(t, old, "E1")
	ct, _ := k.Seal("E1", "template", []byte("descriptor"))
	rewrapped, err := old.Rewrap("E1", wrapped, next)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Unwrap("E1", rewrapped); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("old key on the rewrapped key: got %v, want ErrWrongKey", err)
	}
	k2, err := next.Unwrap("E1", rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k2.Open("E1", "template", ct)
	if err != nil {
		t.Fatal(err)
	}
	if want := "descriptor"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Rewrapping is idempotent from the crash's point of view: the old
	// wrapped key still opens under the old master until the row is replaced.
	if _, err := old.Unwrap("E1", wrapped); err != nil {
		t.Fatalf("old wrapped key after rewrap: %v", err)
	}
}

func TestZeroDataKey(t *testing.T) {
	var k vault.DataKey
	if _, err := k.Seal("E1", "template", []byte("x")); err == nil {
		t.Fatal("seal with the zero data key: got nil error")
	}
	if _, err := k.Open("E1", "template", []byte("x")); err == nil {
		t.Fatal("open with the zero data key: got nil error")
	}
}

func TestKeyFileCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "master.key")
	m, err := vault.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("key file mode: got %04o, want %04o", got, want)
	}
	dst, _ := os.Stat(dir)
	if got, want := dst.Mode().Perm(), fs.FileMode(0o700); got != want {
		t.Errorf("key folder mode: got %04o, want %04o", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("key folder holds %d files, want 1 (no temporary left)", len(entries))
	}
	again, err := vault.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.ID(), m.ID(); got != want {
		t.Fatalf("second run: got key %s, want the first run's %s", got, want)
	}
	loaded, err := vault.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, wrapped := newDataKey(t, m, "E1")
	if _, err := loaded.Unwrap("E1", wrapped); err != nil {
		t.Fatalf("loaded key does not unwrap: %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rotated.key")
	m := newKey(t)
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := vault.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != m.ID() {
		t.Fatalf("got key %s, want %s", got.ID(), m.ID())
	}
	st, _ := os.Stat(path)
	if got, want := st.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("mode: got %04o, want %04o", got, want)
	}
}

func TestBadKeyFile(t *testing.T) {
	good := newKey(t)
	goodPath := filepath.Join(t.TempDir(), "good.key")
	if err := good.WriteFile(goodPath); err != nil {
		t.Fatal(err)
	}
	goodBytes, _ := os.ReadFile(goodPath)
	tests := []struct {
		name    string
		content []byte
		mode    fs.FileMode
		want    string
	}{
		{"empty", nil, 0o600, "header"},
		{"short", goodBytes[:40], 0o600, "hex digits"},
		{"raw bytes", randomBytes(t, 32), 0o600, "header"},
		{"not hex", bytes.Replace(goodBytes, goodBytes[30:32], []byte("zz"), 1), 0o600, "invalid"},
		{"world readable", goodBytes, 0o644, "chmod 600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, tt.content, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			for _, load := range []func(string) (*vault.MasterKey, error){vault.LoadKeyFile, vault.LoadOrCreateKeyFile} {
				_, err := load(path)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %v, want an error naming the file and saying %q", err, tt.want)
				}
			}
			// Nothing was overwritten.
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, tt.content) {
				t.Fatal("a bad key file was modified")
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := vault.LoadKeyFile(filepath.Join(t.TempDir(), "nope.key"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want fs.ErrNotExist", err)
		}
	})
}

func TestKeyFromPassphrase(t *testing.T) {
	salt := []byte("0123456789abcdef")
	a, err := vault.KeyFromPassphrase([]byte("correct horse"), salt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := vault.KeyFromPassphrase([]byte("correct horse"), salt)
	c, _ := vault.KeyFromPassphrase([]byte("correct horsf"), salt)
	if a.ID() != b.ID() {
		t.Fatalf("same passphrase and salt: got IDs %s and %s, want equal", a.ID(), b.ID())
	}
	if a.ID() == c.ID() {
		t.Fatal("different passphrases give the same key")
	}
	_, wrapped := newDataKey(t, a, "E1")
	if _, err := c.Unwrap("E1", wrapped); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong passphrase: got %v, want ErrWrongKey", err)
	}
	for _, tt := range []struct {
		pass, salt []byte
	}{{nil, salt}, {[]byte("p"), []byte("short")}} {
		if _, err := vault.KeyFromPassphrase(tt.pass, tt.salt); err == nil {
			t.Errorf("KeyFromPassphrase(%q, %q): got nil error", tt.pass, tt.salt)
		}
	}
}

// TestOpenVault10k measures the ledger's start-up: unwrapping and opening
// 10,000 employees' templates must take at most a second.
func TestOpenVault10k(t *testing.T) {
	if testing.Short() {
		t.Log("short mode: 1,000 employees")
	}
	n := 10000
	if testing.Short() {
		n = 1000
	}
	m := newKey(t)
	owners := make([]string, n)
	wrapped := make([][]byte, n)
	sealed := make([][]byte, n)
	for i := range n {
		owners[i] = fmt.Sprintf("E%05d", i)
		k, w := newDataKey(t, m, owners[i])
		ct, err := k.Seal(owners[i], "template", template128(t, owners[i]))
		if err != nil {
			t.Fatal(err)
		}
		wrapped[i], sealed[i] = w, ct
	}
	start := time.Now()
	for i := range n {
		k, err := m.Unwrap(owners[i], wrapped[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Open(owners[i], "template", sealed[i]); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	t.Logf("unwrap+open of %d employees: %v", n, took)
	if limit := time.Second * time.Duration(n) / 10000; took > limit {
		t.Fatalf("got %v, want at most %v", took, limit)
	}
}

func BenchmarkSeal(b *testing.B) {
	k, _ := newDataKey(b, newKey(b), "E1")
	plain := template128(b, "E1")
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := k.Seal("E1", "template", plain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k, _ := newDataKey(b, newKey(b), "E1")
	plain := template128(b, "E1")
	ct, _ := k.Seal("E1", "template", plain)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := k.Open("E1", "template", ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrap(b *testing.B) {
	m := newKey(b)
	_, w := newDataKey(b, m, "E1")
	for b.Loop() {
		if _, err := m.Unwrap("E1", w); err != nil {
			b.Fatal(err)
		}
	}
}
