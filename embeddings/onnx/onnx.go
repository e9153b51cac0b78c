// Package onnx is the second embedding model: an ArcFace-class 512-d network
// (fr_feature.onnx, MobileFaceNet-style) run through OpenCV's DNN module.
//
// It is two parts, composed into the Engine: a Detector (dlib's HOG face
// detector and a 68- or 5-point shape predictor, called directly: go-face's
// recogniser would also load and run dlib's descriptor network) and an
// Embedder (each face warped onto the ArcFace reference points with a
// least-squares similarity fit of its typed landmarks, described by a
// unit-length 512-d vector, compared by Euclidean distance like every other
// model: d² = 2 − 2·cos for unit vectors). Either part can be composed with
// another through embeddings.Compose. The Engine runs both on one OpenCV
// frame, so a frame is converted once.
package onnx

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"sync"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/align"
)

// Model files, with the SHA-256 that scripts/setup pins for each.
const (
	// ONNXFile is the embedding network, from npm faceplugin-face-recognition-js@0.0.1.
	ONNXFile   = "fr_feature.onnx"
	ONNXSHA256 = "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"

	predictor68File   = "shape_predictor_68_face_landmarks.dat"
	predictor68SHA256 = "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f"
	predictor5File    = "shape_predictor_5_face_landmarks.dat"
	predictor5SHA256  = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
)

// Network input: NCHW 1×3×112×112, RGB, (v − 127) / 128; output 512 floats.
const (
	inputName = "input"
	chipSize  = 112
	pixelMean = 127.0
	pixelStd  = 128.0
	// Dim is the embedding length.
	Dim = 512
)

// reference holds the ArcFace 112×112 reference landmarks: left eye, right
// eye, nose tip, left and right mouth corner (in image coordinates, "left"
// meaning the image's left).
var reference = [5]align.Point{
	{X: 38.2946, Y: 51.6963}, {X: 73.5318, Y: 51.5014}, {X: 56.0252, Y: 71.7366},
	{X: 41.5493, Y: 92.3655}, {X: 70.7299, Y: 92.2041},
}

// Options configure the engine. The zero value is the measured best
// configuration (see BENCHMARKS.md, "ONNX model").
type Options struct {
	// Landmarks5 takes the landmarks from dlib's 5-point predictor (eye
	// corners and the base of the nose; 3-point fit) instead of the 68-point
	// one. It is less accurate, and its licence is clean: the 68-point
	// predictor was trained on iBUG 300-W, whose terms exclude commercial
	// use (see the README's "Models and licences").
	Landmarks5 bool
	// Flip averages the embeddings of the face and its mirror image. It
	// doubles the network time and made no measurable difference on the
	// test media, so it is off by default.
	Flip bool
}

// Detector finds faces with dlib's HOG detector and their landmarks with a
// shape predictor. It implements embeddings.Detector and is safe for
// concurrent use (calls are serialised).
type Detector struct {
	lm *landmarker
}

var _ embeddings.Detector = (*Detector)(nil)

// NewDetector loads the 68-point shape predictor (or, with landmarks5, the
// 5-point one) from modelsDir after checking its SHA-256.
func NewDetector(modelsDir string, landmarks5 bool) (*Detector, error) {
	predFile, predSum := predictor68File, predictor68SHA256
	if landmarks5 {
		predFile, predSum = predictor5File, predictor5SHA256
	}
	predPath := filepath.Join(modelsDir, predFile)
	if err := embeddings.CheckModelFile(predPath, predSum); err != nil {
		return nil, err
	}
	lm, err := newLandmarker(predPath)
	if err != nil {
		return nil, fmt.Errorf("onnx detector: %s: %v: %w", predPath, err, embeddings.ErrModel)
	}
	return &Detector{lm: lm}, nil
}

// Close frees the models. It is safe to call more than once.
func (d *Detector) Close() error {
	d.lm.close()
	return nil
}

// Detect finds the faces of an image, left to right.
func (d *Detector) Detect(img image.Image) ([]embeddings.Detection, error) {
	m, err := toMat(img)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return d.DetectMat(m)
}

// DetectMat is Detect for a continuous BGR frame.
func (d *Detector) DetectMat(img gocv.Mat) ([]embeddings.Detection, error) {
	dets, err := d.lm.detect(img)
	if err != nil {
		return nil, err
	}
	out := make([]embeddings.Detection, len(dets))
	for i, det := range dets {
		out[i] = embeddings.Detection{Box: det.box, Landmarks: det.shapes, Quality: quality(img, det.box, det.shapes)}
	}
	return out, nil
}

// Embedder aligns a face from its landmarks and runs the ONNX network. It
// implements embeddings.Embedder and is safe for concurrent use (the
// network is guarded by a mutex).
type Embedder struct {
	opts  Options
	model embeddings.Model

	mu     sync.Mutex // guards net and closed
	net    gocv.Net
	closed bool
}

var _ embeddings.Embedder = (*Embedder)(nil)

// NewEmbedder loads the network from modelsDir after checking its
// SHA-256. Only opts.Flip and opts.Landmarks5 matter: the latter says the
// detections carry 5 points, not 68.
func NewEmbedder(modelsDir string, opts Options) (*Embedder, error) {
	onnxPath := filepath.Join(modelsDir, ONNXFile)
	if err := embeddings.CheckModelFile(onnxPath, ONNXSHA256); err != nil {
		return nil, err
	}
	net := gocv.ReadNetFromONNX(onnxPath)
	if net.Empty() {
		return nil, fmt.Errorf("onnx engine: %s: not a loadable ONNX network: %w", onnxPath, embeddings.ErrModel)
	}
	return &Embedder{opts: opts, model: opts.Model(), net: net}, nil
}

// Model is the model the embedder makes embeddings with.
func (e *Embedder) Model() embeddings.Model { return e.model }

// Close frees the network. It is safe to call more than once.
func (e *Embedder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.net.Close()
}

// Embed describes the detected face of img.
func (e *Embedder) Embed(img image.Image, d embeddings.Detection) (embeddings.Embedding, error) {
	m, err := toMat(img)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return e.EmbedMat(m, d)
}

// EmbedMat is Embed for a continuous BGR frame.
func (e *Embedder) EmbedMat(img gocv.Mat, d embeddings.Detection) (embeddings.Embedding, error) {
	pts, _, err := e.points(d.Landmarks)
	if err != nil {
		return nil, err
	}
	return e.embed(img, pts)
}

// Engine implements embeddings.Engine: a Detector and an Embedder run on
// one frame. It is safe for concurrent use: the detector and the network
// each have a mutex, so two goroutines can detect and embed at the same
// time.
type Engine struct {
	det *Detector
	emb *Embedder
	lm  *landmarker // det.lm, for the package's benchmarks
}

var _ embeddings.Engine = (*Engine)(nil)

// New loads the models from modelsDir after checking each file's SHA-256.
// A missing, unreadable or wrong-hash file gives an error naming it that
// wraps embeddings.ErrModel.
func New(modelsDir string, opts Options) (*Engine, error) {
	emb, err := NewEmbedder(modelsDir, opts)
	if err != nil {
		return nil, err
	}
	det, err := NewDetector(modelsDir, opts.Landmarks5)
	if err != nil {
		emb.Close()
		return nil, err
	}
	return &Engine{det: det, emb: emb, lm: det.lm}, nil
}

// ModelName is the model's name in templates.
const ModelName = "onnx"

// Model is {onnx, first 12 hex digits of the network's SHA-256, 512} for
// the default options: what templates made by this engine record, known
// without loading it.
func Model() embeddings.Model { return Options{}.Model() }

// Model is the model an engine with these options makes embeddings with.
// The alignment is part of the model: a face aligned on the 5-point
// predictor's landmarks, or flip-averaged, gives a different vector from
// the same network, so the version says so ("+sp5", "+flip") and such
// templates are never compared with the default's.
func (o Options) Model() embeddings.Model {
	v := ONNXSHA256[:12]
	if o.Landmarks5 {
		v += "+sp5"
	}
	if o.Flip {
		v += "+flip"
	}
	return embeddings.Model{Name: ModelName, Version: v, Dim: Dim}
}

// Model is the engine's model.
func (e *Engine) Model() embeddings.Model { return e.emb.Model() }

// Close frees the models.
func (e *Engine) Close() error {
	e.det.Close()
	return e.emb.Close()
}

// Faces finds every face in an image (JPEG, or any format OpenCV reads),
// left to right, and describes each. A non-image or a truncated JPEG gives
// embeddings.ErrNotImage; an image with no face gives an empty slice.
func (e *Engine) Faces(data []byte) ([]embeddings.Face, error) {
	if truncatedJPEG(data) {
		return nil, fmt.Errorf("onnx faces: truncated JPEG: %w", embeddings.ErrNotImage)
	}
	img, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil || img.Empty() {
		if err == nil {
			img.Close()
		}
		return nil, fmt.Errorf("onnx faces: %w", embeddings.ErrNotImage)
	}
	defer img.Close()
	return e.faces(img)
}

// FacesMat is Faces for a decoded BGR frame (a gocv capture).
func (e *Engine) FacesMat(img gocv.Mat) ([]embeddings.Face, error) {
	if img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("onnx faces: want a BGR frame: %w", embeddings.ErrNotImage)
	}
	if !img.IsContinuous() { // a Region of a larger frame
		c := img.Clone()
		defer c.Close()
		return e.faces(c)
	}
	return e.faces(img)
}

func (e *Engine) faces(img gocv.Mat) ([]embeddings.Face, error) {
	dets, err := e.det.DetectMat(img)
	if err != nil {
		return nil, fmt.Errorf("onnx faces: %w", err)
	}
	out := make([]embeddings.Face, 0, len(dets))
	for _, d := range dets {
		emb, err := e.emb.EmbedMat(img, d)
		if err != nil {
			return nil, fmt.Errorf("onnx faces: %w", err)
		}
		out = append(out, embeddings.Face{Box: d.Box, Landmarks: d.Landmarks, Quality: d.Quality, Embedding: emb})
	}
	return out, nil
}

// points and embed are the embedder's, for the package's benchmarks.
func (e *Engine) points(l embeddings.Landmarks) ([]align.Point, embeddings.Parts, error) {
	return e.emb.points(l)
}

func (e *Engine) embed(img gocv.Mat, pts []align.Point) (embeddings.Embedding, error) {
	return e.emb.embed(img, pts)
}

// truncatedJPEG reports whether data is a JPEG whose last scan has no end
// marker after it. OpenCV decodes such a file with a grey bottom and only
// a warning; a face half made of padding must not be enrolled or matched.
// Entropy-coded data never holds a marker byte pair (0xFF is stuffed), so
// the last SOS (FFDA) must be followed by an EOI (FFD9).
func truncatedJPEG(data []byte) bool {
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		return false
	}
	sos := bytes.LastIndex(data, []byte{0xFF, 0xDA})
	return sos < 0 || bytes.LastIndex(data, []byte{0xFF, 0xD9}) < sos
}

// FacesImage is Faces for a decoded image. Boxes and landmarks are
// relative to the image's bounds.
func (e *Engine) FacesImage(img image.Image) ([]embeddings.Face, error) {
	m, err := toMat(img)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return e.faces(m)
}

// toMat converts an image to a continuous BGR frame.
func toMat(img image.Image) (gocv.Mat, error) {
	if img == nil || img.Bounds().Empty() {
		return gocv.Mat{}, fmt.Errorf("onnx faces: empty image: %w", embeddings.ErrNotImage)
	}
	m, err := gocv.ImageToMatRGB(img) // BGR order, despite the name
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("onnx faces: %v: %w", err, embeddings.ErrNotImage)
	}
	return m, nil
}

// points turns the typed landmarks into alignment points, matched to the
// reference: with 68 points the 5 ArcFace points (eye centres, nose tip,
// mouth corners); with 5 points (Landmarks5) the eye centres and the base
// of the nose. It also returns the decoded parts.
func (e *Embedder) points(l embeddings.Landmarks) ([]align.Point, embeddings.Parts, error) {
	p, err := l.Parts()
	if err != nil {
		return nil, p, fmt.Errorf("align: %w", err)
	}
	switch {
	case e.opts.Landmarks5 && p.Scheme == embeddings.Scheme5:
		return []align.Point{align.Point(p.LeftEye), align.Point(p.RightEye), align.Point(p.NoseBase)}, p, nil
	case !e.opts.Landmarks5 && p.Scheme == embeddings.Scheme68:
		return []align.Point{align.Point(p.LeftEye), align.Point(p.RightEye), align.Point(p.NoseTip),
			align.Point(p.MouthLeft), align.Point(p.MouthRight)}, p, nil
	}
	want := embeddings.Scheme68
	if e.opts.Landmarks5 {
		want = embeddings.Scheme5
	}
	return nil, p, fmt.Errorf("align: got %s landmarks, this model aligns from %s", p.Scheme, want)
}

// embed warps the face onto the reference and runs the network.
func (e *Embedder) embed(img gocv.Mat, pts []align.Point) (embeddings.Embedding, error) {
	sim, err := align.Fit(pts, reference[:len(pts)])
	if err != nil {
		return nil, err
	}
	m := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer m.Close()
	for i, v := range sim.Matrix() {
		m.SetDoubleAt(i/3, i%3, v)
	}
	chip := gocv.NewMat()
	defer chip.Close()
	gocv.WarpAffineWithParams(img, &chip, m, image.Pt(chipSize, chipSize), gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})

	v, err := e.forward(chip)
	if err != nil {
		return nil, err
	}
	if e.opts.Flip {
		flipped := gocv.NewMat()
		defer flipped.Close()
		gocv.Flip(chip, &flipped, 1)
		w, err := e.forward(flipped)
		if err != nil {
			return nil, err
		}
		for i := range v {
			v[i] += w[i]
		}
	}
	return v.Normalize(), nil
}

// forward runs the network on one BGR 112×112 chip and returns the raw
// (unnormalised) output.
func (e *Embedder) forward(chip gocv.Mat) (embeddings.Embedding, error) {
	blob := gocv.BlobFromImage(chip, 1/pixelStd, image.Pt(chipSize, chipSize),
		gocv.NewScalar(pixelMean, pixelMean, pixelMean, 0), true, false)
	defer blob.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errors.New("forward: engine closed")
	}
	e.net.SetInput(blob, inputName)
	out := e.net.Forward("")
	defer out.Close()
	data, err := out.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	if len(data) != Dim {
		return nil, fmt.Errorf("forward: got %d outputs, want %d", len(data), Dim)
	}
	return append(embeddings.Embedding(nil), data...), nil
}
