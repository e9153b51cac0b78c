// Package onnx is the second embedding model: an ArcFace-class 512-d network
// (fr_feature.onnx, MobileFaceNet-style) run through OpenCV's DNN module.
// Faces and landmarks come from dlib (go-face, HOG detector); each face is
// warped onto the ArcFace reference points with a least-squares similarity
// fit and described by a unit-length 512-d vector, compared by Euclidean
// distance like every other model (d² = 2 − 2·cos for unit vectors).
package onnx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	face "github.com/Kagami/go-face"
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
	// go-face insists on loading these two as well, though this engine
	// uses neither the dlib descriptor nor the CNN detector.
	resnetFile   = "dlib_face_recognition_resnet_model_v1.dat"
	resnetSHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
	mmodFile     = "mmod_human_face_detector.dat"
	mmodSHA256   = "be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a"
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
	// one. It is cheaper and clearly less accurate.
	Landmarks5 bool
	// Flip averages the embeddings of the face and its mirror image. It
	// doubles the network time and made no measurable difference on the
	// test media, so it is off by default.
	Flip bool
}

// Engine implements embeddings.Engine. It is safe for concurrent use: the
// dlib recogniser is thread-safe and the network is guarded by a mutex.
type Engine struct {
	opts  Options
	model embeddings.Model
	rec   *face.Recognizer

	mu  sync.Mutex // guards net
	net gocv.Net
}

var _ embeddings.Engine = (*Engine)(nil)

// New loads the models from modelsDir after checking each file's SHA-256.
// A missing, unreadable or wrong-hash file gives an error naming it that
// wraps embeddings.ErrModel.
func New(modelsDir string, opts Options) (*Engine, error) {
	predFile, predSum := predictor68File, predictor68SHA256
	if opts.Landmarks5 {
		predFile, predSum = predictor5File, predictor5SHA256
	}
	for _, f := range []struct{ name, sum string }{
		{ONNXFile, ONNXSHA256}, {predFile, predSum}, {resnetFile, resnetSHA256}, {mmodFile, mmodSHA256},
	} {
		if err := checkSum(filepath.Join(modelsDir, f.name), f.sum); err != nil {
			return nil, err
		}
	}

	// go-face loads its one shape predictor under the 5-point file name:
	// present the chosen predictor under that name in a private folder.
	tmp, err := os.MkdirTemp("", "clockface-onnx-models-")
	if err != nil {
		return nil, fmt.Errorf("onnx engine: %w", err)
	}
	defer os.RemoveAll(tmp)
	for link, target := range map[string]string{
		predictor5File: predFile, resnetFile: resnetFile, mmodFile: mmodFile,
	} {
		abs, err := filepath.Abs(filepath.Join(modelsDir, target))
		if err != nil {
			return nil, fmt.Errorf("onnx engine: %w", err)
		}
		if err := os.Symlink(abs, filepath.Join(tmp, link)); err != nil {
			return nil, fmt.Errorf("onnx engine: %w", err)
		}
	}
	rec, err := face.NewRecognizer(tmp)
	if err != nil {
		return nil, fmt.Errorf("onnx engine: load dlib models from %s: %v: %w", modelsDir, err, embeddings.ErrModel)
	}

	onnxPath := filepath.Join(modelsDir, ONNXFile)
	net := gocv.ReadNetFromONNX(onnxPath)
	if net.Empty() {
		rec.Close()
		return nil, fmt.Errorf("onnx engine: %s: not a loadable ONNX network: %w", onnxPath, embeddings.ErrModel)
	}
	return &Engine{
		opts:  opts,
		model: Model(),
		rec:   rec,
		net:   net,
	}, nil
}

// checkSum fails unless the file's SHA-256 is want.
func checkSum(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("model %s: %v: %w", path, err, embeddings.ErrModel)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("model %s: %v: %w", path, err, embeddings.ErrModel)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("model %s: SHA-256 %s, want %s (run scripts/setup): %w", path, got, want, embeddings.ErrModel)
	}
	return nil
}

// ModelName is the model's name in templates.
const ModelName = "onnx"

// Model is {onnx, first 12 hex digits of the network's SHA-256, 512}: what
// templates made by this engine record, known without loading it.
func Model() embeddings.Model {
	return embeddings.Model{Name: ModelName, Version: ONNXSHA256[:12], Dim: Dim}
}

// Model is the engine's model.
func (e *Engine) Model() embeddings.Model { return e.model }

// Close frees the models.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec != nil {
		e.rec.Close()
		e.rec = nil
	}
	return e.net.Close()
}

// Faces finds every face in a JPEG image, left to right, and describes each.
// A non-image or truncated JPEG gives embeddings.ErrNotImage; an image with
// no face gives an empty slice.
func (e *Engine) Faces(jpeg []byte) ([]embeddings.Face, error) {
	img, err := gocv.IMDecode(jpeg, gocv.IMReadColor)
	if err != nil || img.Empty() {
		if err == nil {
			img.Close()
		}
		return nil, fmt.Errorf("onnx faces: %w", embeddings.ErrNotImage)
	}
	defer img.Close()

	// go-face takes only 3-channel JPEG: re-encode other formats and
	// greyscale JPEG. A truncated JPEG, which OpenCV pads with grey, is
	// refused by go-face's strict loader below.
	isJPEG := bytes.HasPrefix(jpeg, []byte{0xFF, 0xD8, 0xFF})
	var dets []face.Face
	var lerr face.ImageLoadError
	if isJPEG {
		dets, err = e.rec.Recognize(jpeg)
	}
	if !isJPEG || errors.As(err, &lerr) && strings.Contains(string(lerr), "unsupported pixel size") {
		buf, encErr := gocv.IMEncodeWithParams(gocv.JPEGFileExt, img, []int{gocv.IMWriteJpegQuality, 95})
		if encErr != nil {
			return nil, fmt.Errorf("onnx faces: re-encode: %v: %w", encErr, embeddings.ErrNotImage)
		}
		dets, err = e.rec.Recognize(buf.GetBytes())
		buf.Close()
	}
	if errors.As(err, &lerr) {
		return nil, fmt.Errorf("onnx faces: %v: %w", err, embeddings.ErrNotImage)
	}
	if err != nil {
		return nil, fmt.Errorf("onnx faces: %w", err)
	}

	out := make([]embeddings.Face, 0, len(dets))
	for _, d := range dets {
		pts, noseBase, err := e.points(d.Shapes)
		if err != nil {
			return nil, fmt.Errorf("onnx faces: %w", err)
		}
		emb, err := e.embed(img, pts)
		if err != nil {
			return nil, fmt.Errorf("onnx faces: %w", err)
		}
		lm := make([]image.Point, len(pts))
		for i, p := range pts {
			lm[i] = image.Pt(int(p.X+0.5), int(p.Y+0.5))
		}
		out = append(out, embeddings.Face{
			Box:       d.Rectangle,
			Landmarks: lm,
			Quality:   quality(img, d.Rectangle, pts[0], pts[1], noseBase),
			Embedding: emb,
		})
	}
	return out, nil
}

// FacesImage is Faces for a decoded image (encoded to JPEG at quality 95).
func (e *Engine) FacesImage(img image.Image) ([]embeddings.Face, error) {
	m, err := gocv.ImageToMatRGB(img)
	if err != nil {
		return nil, fmt.Errorf("onnx faces: %v: %w", err, embeddings.ErrNotImage)
	}
	defer m.Close()
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, m, []int{gocv.IMWriteJpegQuality, 95})
	if err != nil {
		return nil, fmt.Errorf("onnx faces: encode: %v: %w", err, embeddings.ErrNotImage)
	}
	defer buf.Close()
	return e.Faces(append([]byte(nil), buf.GetBytes()...))
}

// points turns dlib's landmarks into alignment points: with 68 points the
// 5 ArcFace points (eye centres, nose tip, mouth corners); with 5 points
// the eye centres and the base of the nose. It also returns the base of the
// nose, for the pose estimate.
func (e *Engine) points(shapes []image.Point) (pts []align.Point, noseBase align.Point, err error) {
	pt := func(i int) align.Point { return align.Point{X: float64(shapes[i].X), Y: float64(shapes[i].Y)} }
	mean := func(from, to int) align.Point {
		var m align.Point
		for i := from; i <= to; i++ {
			m.X += float64(shapes[i].X)
			m.Y += float64(shapes[i].Y)
		}
		n := float64(to - from + 1)
		return align.Point{X: m.X / n, Y: m.Y / n}
	}
	switch {
	case e.opts.Landmarks5 && len(shapes) == 5:
		// dlib's 5-point model: 0–1 the corners of the eye on the image's
		// right, 2–3 the eye on the image's left, 4 the base of the nose.
		return []align.Point{mean(2, 3), mean(0, 1), pt(4)}, pt(4), nil
	case !e.opts.Landmarks5 && len(shapes) == 68:
		return []align.Point{mean(36, 41), mean(42, 47), pt(30), pt(48), pt(54)}, pt(33), nil
	}
	return nil, align.Point{}, fmt.Errorf("landmarks: got %d points from the shape predictor", len(shapes))
}

// embed warps the face onto the reference and runs the network.
func (e *Engine) embed(img gocv.Mat, pts []align.Point) (embeddings.Embedding, error) {
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
func (e *Engine) forward(chip gocv.Mat) (embeddings.Embedding, error) {
	blob := gocv.BlobFromImage(chip, 1/pixelStd, image.Pt(chipSize, chipSize),
		gocv.NewScalar(pixelMean, pixelMean, pixelMean, 0), true, false)
	defer blob.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec == nil {
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
