package models_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"clockface/embeddings"
	"clockface/internal/testmedia"
)

// copyTo copies the test media file src to dst, making dst's folder.
func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadOneFace(t *testing.T) {
	plain, _ := photoEngines(t)
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notImage, []byte("not a photo"), 0o644)
	tests := []struct {
		name string
		path string
		want error // nil: one face
	}{
		{"one face", testmedia.File(t, "gocv/face.jpg"), nil},
		{"several faces", testmedia.File(t, "faceapi/sample1.jpg"), embeddings.ErrManyFaces},
		{"not an image", notImage, embeddings.ErrNotImage},
		{"missing", filepath.Join(t.TempDir(), "missing.jpg"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := embeddings.ReadOneFace(plain, tt.path)
			if tt.want == nil {
				if err != nil || len(f.Embedding) != plain.Model().Dim {
					t.Fatalf("got %d values, %v; want one %d-d face", len(f.Embedding), err, plain.Model().Dim)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Fatalf("got %v, want %v naming the file", err, tt.want)
			}
		})
	}
}

func TestReadGallery(t *testing.T) {
	plain, _ := photoEngines(t)
	franck := testmedia.Franck(t)
	tests := []struct {
		name    string
		files   map[string]string // gallery path -> test media file
		want    map[string]int    // owner -> samples
		wantErr string
	}{
		{"two people", map[string]string{
			"franck/1.jpg": franck[0], "franck/2.jpg": franck[1], "franck/.hidden.jpg": "notes",
			"gocv/face.jpg": testmedia.File(t, "gocv/face.jpg"), ".trash/x.jpg": "notes",
		}, map[string]int{"franck": 2, "gocv": 1}, ""},
		{"empty person", map[string]string{"franck/1.jpg": franck[0], "nobody/.keep": "notes"}, nil, "has no photos"},
		{"several faces", map[string]string{"crowd/1.jpg": testmedia.File(t, "faceapi/sample1.jpg")}, nil, "more than one face"},
		{"no person folders", map[string]string{"loose.jpg": franck[0]}, nil, "no person folders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for rel, src := range tt.files {
				if src == "notes" {
					os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
					os.WriteFile(filepath.Join(dir, rel), []byte("x"), 0o644)
					continue
				}
				copyTo(t, src, filepath.Join(dir, rel))
			}
			ts, err := embeddings.ReadGallery(plain, dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "read gallery: ") {
					t.Fatalf("got %v, want a read gallery error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for i, tpl := range ts {
				got[tpl.Owner] = len(tpl.Samples)
				if i > 0 && ts[i-1].Owner > tpl.Owner {
					t.Errorf("owners not sorted: %s before %s", ts[i-1].Owner, tpl.Owner)
				}
				if tpl.Model != plain.Model() {
					t.Errorf("%s: model %s, want %s", tpl.Owner, tpl.Model, plain.Model())
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for o, n := range tt.want {
				if got[o] != n {
					t.Errorf("%s: got %d samples, want %d", o, got[o], n)
				}
			}
		})
	}
}
