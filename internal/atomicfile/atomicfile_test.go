package atomicfile_test

import (
	"errors"
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

// TestWriteRegularRefusesSpecialTargets: a symlink, a device and a folder
// are refused and left as they were; the file a symlink points at keeps
// its bytes.
func TestWriteRegularRefusesSpecialTargets(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, []byte("last period"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"symlink", link},
		{"device", os.DevNull},
		{"folder", dir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := atomicfile.WriteRegular(tc.path, []byte("new"), 0o600)
			if !errors.Is(err, atomicfile.ErrNotRegular) {
				t.Errorf("got %v, want ErrNotRegular", err)
			}
		})
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced (%v)", err)
	}
	if got, _ := os.ReadFile(real); string(got) != "last period" {
		t.Errorf("got %q behind the symlink, want it untouched", got)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s is no longer a device (%v)", os.DevNull, err)
	}
	fresh := filepath.Join(dir, "fresh.csv")
	if err := atomicfile.WriteRegular(fresh, []byte("ok"), 0o600); err != nil {
		t.Fatalf("new file: %v", err)
	}
	if err := atomicfile.WriteRegular(real, []byte("replaced"), 0o600); err != nil {
		t.Fatalf("existing regular file: %v", err)
	}
	if got, _ := os.ReadFile(real); string(got) != "replaced" {
		t.Errorf("got %q, want %q", got, "replaced")
	}
}

func TestTarget(t *testing.T) {
	dir := t.TempDir()
	if got, want := atomicfile.Target(dir, "PRAB1EPI.csv"), filepath.Join(dir, "PRAB1EPI.csv"); got != want {
		t.Errorf("folder: got %q, want %q", got, want)
	}
	f := filepath.Join(dir, "x.csv")
	if got := atomicfile.Target(f, "PRAB1EPI.csv"); got != f {
		t.Errorf("file: got %q, want %q", got, f)
	}
}
