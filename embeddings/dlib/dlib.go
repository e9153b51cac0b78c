// Package dlib is the face engine over go-face (dlib): HOG or CNN face
// detection, the 5-point shape predictor and the 128-d ResNet descriptor.
//
// go-face detects, finds the landmarks and describes in one call, so the
// Engine is a whole embeddings.Engine (FacesImage) and also a
// embeddings.Detector (Detect). go-face reads only 3-channel JPEG bytes:
// FacesImage encodes the image, and Faces, for callers that hold a JPEG
// file, passes it as is (re-encoding only grayscale JPEG, PNG and GIF).
// That JPEG path stays inside this package. Quality is measured in Go on
// the grey face crop; the pose comes from the typed landmarks.
package dlib

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // Faces accepts GIF and PNG and converts them
	"image/jpeg"
	_ "image/png"
	"path/filepath"
	"sync"

	face "github.com/Kagami/go-face"

	"clockface/embeddings"
)

const (
	// ModelName is the embedding model's name in templates.
	ModelName = "dlib"
	// descriptorDim is the length of dlib's ResNet descriptor.
	descriptorDim = 128
	// chipSize and chipPadding are dlib's defaults for the aligned face chip
	// the ResNet reads (150 px, 25% padding); the model was trained on them.
	chipSize    = 150
	chipPadding = 0.25
	// DefaultCNNMaxSide bounds the frame the CNN detector sees. The CNN at
	// full resolution took 7 s and 10 GB on a 1920 px photo; at 640 px it
	// takes about a second.
	DefaultCNNMaxSide = 640
	// jpegQuality is used when a frame must be re-encoded for go-face.
	jpegQuality = 92
)

// modelFile is a model go-face loads, with the SHA-256 scripts/setup
// verified when it fetched it.
type modelFile struct {
	name, sha256 string
}

// modelFiles are the files go-face loads from the models folder.
func modelFiles() []modelFile {
	return []modelFile{
		{"shape_predictor_5_face_landmarks.dat", "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"},
		{"dlib_face_recognition_resnet_model_v1.dat", resnetSHA256},
		{"mmod_human_face_detector.dat", "be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a"},
	}
}

// resnetSHA256 identifies the descriptor weights; its prefix is the
// model version templates record.
const resnetSHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"

// Model is the embedding model this engine produces.
func Model() embeddings.Model {
	return embeddings.Model{Name: ModelName, Version: resnetSHA256[:12], Dim: descriptorDim}
}

// Options configure an Engine. The zero value is the kiosk's default:
// HOG detection, no jitter.
type Options struct {
	// CNN uses dlib's MMOD CNN detector instead of HOG. It finds smaller
	// and turned faces but is slow, so frames are first downscaled to
	// CNNMaxSide and the descriptor is computed on the downscaled frame.
	CNN bool
	// CNNMaxSide is the longest side the CNN sees (0: DefaultCNNMaxSide).
	CNNMaxSide int
	// Jitter averages the descriptor over this many jittered copies of the
	// face chip (0: none). It costs Jitter times the descriptor time; use it
	// for enrolment, not per kiosk frame.
	Jitter int
}

// Engine finds and describes faces. It is safe for concurrent use: go-face
// serialises the detector and the network internally.
type Engine struct {
	opts Options

	mu  sync.RWMutex // guards rec against Close
	rec *face.Recognizer
}

var (
	_ embeddings.Engine   = (*Engine)(nil)
	_ embeddings.Detector = (*Engine)(nil)
)

// New verifies every model file in modelsDir against its SHA-256 and loads
// the models. Errors name the file and wrap embeddings.ErrModel.
func New(modelsDir string, o Options) (*Engine, error) {
	if o.CNNMaxSide <= 0 {
		o.CNNMaxSide = DefaultCNNMaxSide
	}
	if o.Jitter < 0 {
		return nil, fmt.Errorf("dlib: jitter %d < 0", o.Jitter)
	}
	for _, f := range modelFiles() {
		if err := embeddings.CheckModelFile(filepath.Join(modelsDir, f.name), f.sha256); err != nil {
			return nil, err
		}
	}
	rec, err := face.NewRecognizerWithConfig(modelsDir, chipSize, chipPadding, o.Jitter)
	if err != nil {
		return nil, fmt.Errorf("dlib: load models from %s: %v: %w", modelsDir, err, embeddings.ErrModel)
	}
	return &Engine{opts: o, rec: rec}, nil
}

// Model names the embedding model.
func (e *Engine) Model() embeddings.Model { return Model() }

// Close frees the models. It is safe to call more than once; the engine
// must not be used afterwards.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec != nil {
		e.rec.Close()
		e.rec = nil
	}
	return nil
}

// ErrClosed says the engine was used after Close.
var ErrClosed = errors.New("dlib: engine closed")

// Faces returns every face in an encoded image, left to right. JPEG is
// passed to dlib as is when it has 3 channels; grayscale JPEG, PNG and GIF
// are converted first. Undecodable or truncated input wraps
// embeddings.ErrNotImage. No face is an empty result, not an error.
func (e *Engine) Faces(data []byte) ([]embeddings.Face, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("faces: %w: %v", embeddings.ErrNotImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > embeddings.MaxPixels {
		return nil, fmt.Errorf("faces: %w: %d×%d pixels", embeddings.ErrNotImage, cfg.Width, cfg.Height)
	}
	native := format == "jpeg" && cfg.ColorModel == color.YCbCrModel
	if !native || e.opts.CNN {
		// Convert (or, for the CNN, downscale) first.
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("faces: %w: %v", embeddings.ErrNotImage, err)
		}
		var jpg []byte
		if native {
			jpg = data
		}
		return e.faces(img, jpg)
	}
	// The hot path: dlib reads the bytes as they are while Go decodes them
	// on the other core for the quality measures.
	type decoded struct {
		img image.Image
		err error
	}
	ch := make(chan decoded, 1)
	go func() {
		img, err := jpeg.Decode(bytes.NewReader(data))
		ch <- decoded{img, err}
	}()
	found, err := e.recognize(data)
	d := <-ch
	if d.err != nil {
		return nil, fmt.Errorf("faces: %w: %v", embeddings.ErrNotImage, d.err)
	}
	if err != nil {
		return nil, err
	}
	return describe(d.img, found, 1), nil
}

// FacesImage returns every face in an image, left to right. The image is
// encoded to a 3-channel JPEG for dlib; see BenchmarkJPEGRoundTrip for the
// cost.
func (e *Engine) FacesImage(img image.Image) ([]embeddings.Face, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("faces: %w: empty image", embeddings.ErrNotImage)
	}
	return e.faces(img, nil)
}

// Detect finds the faces of img with their landmarks and quality, left to
// right: FacesImage without the descriptors (go-face computes them anyway).
func (e *Engine) Detect(img image.Image) ([]embeddings.Detection, error) {
	fs, err := e.FacesImage(img)
	if err != nil {
		return nil, err
	}
	out := make([]embeddings.Detection, len(fs))
	for i, f := range fs {
		out[i] = embeddings.Detection{Box: f.Box, Landmarks: f.Landmarks, Quality: f.Quality}
	}
	return out, nil
}

// faces encodes img for dlib (downscaled for the CNN), runs it and
// measures quality on img.
func (e *Engine) faces(img image.Image, jpg []byte) ([]embeddings.Face, error) {
	scale := 1.0
	if e.opts.CNN {
		var small image.Image
		small, scale = downscale(img, e.opts.CNNMaxSide)
		if scale != 1 || jpg == nil {
			var err error
			if jpg, err = EncodeJPEG(small); err != nil {
				return nil, err
			}
		}
	} else if jpg == nil {
		var err error
		if jpg, err = EncodeJPEG(img); err != nil {
			return nil, err
		}
	}
	found, err := e.recognize(jpg)
	if err != nil {
		return nil, err
	}
	return describe(img, found, scale), nil
}

// recognize runs go-face's detector, landmarks and descriptor on JPEG
// bytes.
func (e *Engine) recognize(jpg []byte) ([]face.Face, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.rec == nil {
		return nil, ErrClosed
	}
	var found []face.Face
	var err error
	if e.opts.CNN {
		found, err = e.rec.RecognizeCNN(jpg)
	} else {
		found, err = e.rec.Recognize(jpg)
	}
	if err != nil {
		var le face.ImageLoadError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("faces: %w: %v", embeddings.ErrNotImage, err)
		}
		return nil, fmt.Errorf("faces: %w", err)
	}
	return found, nil
}

// describe turns go-face's results, found on img scaled by scale, into
// faces in img's coordinates with their quality.
func describe(img image.Image, found []face.Face, scale float64) []embeddings.Face {
	out := make([]embeddings.Face, 0, len(found))
	off := img.Bounds().Min
	for _, f := range found {
		box := scaleRect(f.Rectangle, scale).Add(off)
		marks := make(embeddings.Landmarks, len(f.Shapes))
		for i, p := range f.Shapes {
			marks[i] = scalePoint(p, scale).Add(off)
		}
		desc := make(embeddings.Embedding, descriptorDim)
		copy(desc, f.Descriptor[:])
		out = append(out, embeddings.Face{
			Box:       box,
			Landmarks: marks,
			Quality:   measure(img, box, marks),
			Embedding: desc,
		})
	}
	return out
}

func scaleRect(r image.Rectangle, s float64) image.Rectangle {
	if s == 1 {
		return r
	}
	return image.Rectangle{Min: scalePoint(r.Min, s), Max: scalePoint(r.Max, s)}
}

func scalePoint(p image.Point, s float64) image.Point {
	if s == 1 {
		return p
	}
	return image.Pt(int(float64(p.X)/s+0.5), int(float64(p.Y)/s+0.5))
}

// EncodeJPEG encodes img as a 3-channel JPEG, the only input go-face
// reads. Grayscale images are widened to YCbCr with neutral chroma.
func EncodeJPEG(img image.Image) ([]byte, error) {
	if g, ok := img.(*image.Gray); ok {
		img = grayToYCbCr(g)
	}
	var buf bytes.Buffer
	b := img.Bounds()
	buf.Grow(b.Dx() * b.Dy() / 4)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// grayToYCbCr copies a grey image into the luma plane of a 4:2:0 YCbCr
// image with neutral chroma, so the JPEG encoder writes 3 channels.
func grayToYCbCr(g *image.Gray) *image.YCbCr {
	b := g.Bounds()
	y := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for row := 0; row < b.Dy(); row++ {
		copy(y.Y[row*y.YStride:row*y.YStride+b.Dx()], g.Pix[row*g.Stride:row*g.Stride+b.Dx()])
	}
	for i := range y.Cb {
		y.Cb[i] = 128
	}
	copy(y.Cr, y.Cb)
	return y
}

// downscale shrinks img so its longest side is at most max, by averaging
// boxes of pixels, and returns the factor applied (new/old, 1 if none).
func downscale(img image.Image, max int) (image.Image, float64) {
	b := img.Bounds()
	side := b.Dx()
	if b.Dy() > side {
		side = b.Dy()
	}
	if side <= max {
		return img, 1
	}
	s := float64(max) / float64(side)
	w, h := int(float64(b.Dx())*s), int(float64(b.Dy())*s)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
		for x := 0; x < w; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			var r, g, bl, n uint32
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, _ := img.At(sx, sy).RGBA()
					r, g, bl, n = r+cr>>8, g+cg>>8, bl+cb>>8, n+1
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), 255
		}
	}
	// The factor actually applied differs per axis by under a pixel; use
	// the horizontal one.
	return out, float64(w) / float64(b.Dx())
}
