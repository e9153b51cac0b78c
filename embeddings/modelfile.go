package embeddings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// CheckModelFile fails unless the model file at path exists and its SHA-256
// is want. The error names the file, says what to do, and wraps ErrModel.
func CheckModelFile(path, want string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("model %s is missing (run scripts/setup): %w", path, ErrModel)
	}
	if err != nil {
		return fmt.Errorf("model %s: %v (run scripts/setup): %w", path, err, ErrModel)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("model %s: %v (run scripts/setup): %w", path, err, ErrModel)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("model %s: SHA-256 %s, want %s (corrupt or wrong file: run scripts/setup): %w", path, got, want, ErrModel)
	}
	return nil
}
