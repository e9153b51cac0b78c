package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"clockface/internal/atomicfile"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	for _, want := range []string{"first", "second"} {
		if err := atomicfile.Write(path, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("got mode %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if got, want := len(entries), 1; got != want {
		t.Errorf("got %d files, want %d (temp files left behind)", got, want)
	}
	if err := atomicfile.Write(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Error("got nil error writing into a missing folder, want an error")
	}
}
