package vault

import (
	"bytes"
	"errors"
	"testing"

	"github.com/minio/sio"
)

// dareStream encrypts plain under key as sio would with the given version
// range, bypassing Seal, to build streams Seal itself never writes.
func dareStream(t *testing.T, key, plain []byte, minV, maxV byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := sio.Encrypt(&buf, bytes.NewReader(plain), sio.Config{MinVersion: minV, MaxVersion: maxV, Key: key}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Requirement 4: DARE 2.0 only (MinVersion 2.0). A DARE 1.0 stream under
// the right key, for the right owner and purpose, is refused as tampering;
// the same plaintext as a 2.0 stream under the same key opens, so the
// refusal is the version and nothing else.
func TestOnlyDARE20Accepted(t *testing.T) {
	m, err := NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	k, wrapped, err := m.NewDataKey("E1")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("a template blob")
	key := derive(k.key[:], sealLabel, "E1", "template")

	v20 := dareStream(t, key, plain, sio.Version20, sio.Version20)
	got, err := k.Open("E1", "template", v20)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("DARE 2.0 stream under the derived key: got %q, %v, want %q (the test derives the wrong key)", got, err, plain)
	}

	v10 := dareStream(t, key, plain, sio.Version10, sio.Version10)
	if got, want := v10[0], sio.Version10; got != want {
		t.Fatalf("control stream has version byte %#x, want %#x", got, want)
	}
	if got, err := k.Open("E1", "template", v10); !errors.Is(err, ErrTampered) {
		t.Errorf("DARE 1.0 stream: got %q, %v, want ErrTampered", got, err)
	}

	// The same for a wrapped data key: a 1.0 wrapping is refused.
	kek := derive(m.key[:], wrapLabel, "E1")
	w10 := append(append([]byte(wrapMagic), m.id[:]...), dareStream(t, kek, k.key[:], sio.Version10, sio.Version10)...)
	if _, err := m.Unwrap("E1", w10); !errors.Is(err, ErrTampered) {
		t.Errorf("data key wrapped as DARE 1.0: got %v, want ErrTampered", err)
	}
	if _, err := m.Unwrap("E1", wrapped); err != nil {
		t.Errorf("data key wrapped by NewDataKey: %v", err)
	}

	// What Seal and NewDataKey write is 2.0.
	ct, err := k.Seal("E1", "template", plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ct[0], sio.Version20; got != want {
		t.Errorf("Seal wrote version byte %#x, want %#x (DARE 2.0)", got, want)
	}
	if got, want := wrapped[wrapHead], sio.Version20; got != want {
		t.Errorf("NewDataKey wrapped with version byte %#x, want %#x (DARE 2.0)", got, want)
	}
}
