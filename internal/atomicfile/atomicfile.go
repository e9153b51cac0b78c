// Package atomicfile writes files so that a crash leaves either the old
// file or the new one, never a torn mix: temp file in the same folder,
// fsync, rename, fsync the folder.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data, atomically and durably.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("chmod temp: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write temp: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync temp: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close temp: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir: %w", err)
	}
	return nil
}

// ErrNotRegular is returned by WriteRegular for a target that exists and
// is not a regular file: a symlink, a device, a folder, a pipe or a socket.
var ErrNotRegular = errors.New("not a regular file")

// WriteRegular is Write for a path someone typed: it refuses a target that
// exists and is not a regular file. A symlink is refused rather than
// replaced (replacing it would leave the file it points at with old
// data), and so is a device such as /dev/stdout, which a rename would
// otherwise swap for a plain file when run as root. A target that does not
// exist yet is created.
//
// The check and the rename are not one step: if the path turns into a
// symlink in between, rename replaces the link itself and never writes
// through it.
func WriteRegular(path string, data []byte, perm os.FileMode) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("check target: %w", err)
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symlink: %w (give the real path)", path, ErrNotRegular)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is a %s: %w", path, kind(st.Mode()), ErrNotRegular)
	}
	return Write(path, data, perm)
}

// Target is where a file named name goes when the user gave out: inside
// out if out is an existing folder (not followed through a symlink), out
// itself otherwise.
func Target(out, name string) string {
	if st, err := os.Lstat(out); err == nil && st.IsDir() {
		return filepath.Join(out, name)
	}
	return out
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}
