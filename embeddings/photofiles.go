package embeddings

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadFaces runs the engine on an image file (JPEG, PNG or GIF).
func ReadFaces(eng Engine, path string) ([]Face, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fs, err := FacesIn(eng, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fs, nil
}

// ReadOneFace is the only face in an image file: none is ErrNoFace,
// several is ErrManyFaces.
func ReadOneFace(eng Engine, path string) (Face, error) {
	fs, err := ReadFaces(eng, path)
	if err != nil {
		return Face{}, err
	}
	switch len(fs) {
	case 0:
		return Face{}, fmt.Errorf("%s: %w", path, ErrNoFace)
	case 1:
		return fs[0], nil
	}
	return Face{}, fmt.Errorf("%s: %w (%d faces; crop it to one)", path, ErrManyFaces, len(fs))
}

// ReadGallery reads DIR/PERSON/PHOTO: one template per sub-folder (its
// owner the folder's name), one sample per photo, sorted by owner. Hidden
// files and folders are skipped; a folder without photos is an error.
func ReadGallery(eng Engine, dir string) ([]Template, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read gallery: %w", err)
	}
	var ts []Template
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		t, err := readPerson(eng, filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read gallery: %w", err)
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("read gallery: %s has no person folders (want DIR/PERSON/PHOTO.jpg)", dir)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Owner < ts[j].Owner })
	return ts, nil
}

// readPerson is the template of one gallery folder.
func readPerson(eng Engine, dir string) (Template, error) {
	photos, err := os.ReadDir(dir)
	if err != nil {
		return Template{}, err
	}
	t := Template{Owner: filepath.Base(dir), Model: eng.Model()}
	for _, p := range photos {
		if p.IsDir() || strings.HasPrefix(p.Name(), ".") {
			continue
		}
		f, err := ReadOneFace(eng, filepath.Join(dir, p.Name()))
		if err != nil {
			return Template{}, err
		}
		t.Samples = append(t.Samples, f.Embedding)
	}
	if len(t.Samples) == 0 {
		return Template{}, fmt.Errorf("%s has no photos", dir)
	}
	return t, nil
}
