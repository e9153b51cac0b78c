package embeddings

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // DecodeImage reads JPEG, PNG and GIF
	_ "image/jpeg"
	_ "image/png"
)

// Detection is one face found in an image, not yet described: its box, its
// landmarks and its quality.
type Detection struct {
	Box       image.Rectangle
	Landmarks Landmarks
	Quality   Quality
}

// Detector finds the faces of an image, left to right. No face is an empty
// result, not an error. Implementations are safe for concurrent use.
type Detector interface {
	Detect(img image.Image) ([]Detection, error)
}

// Embedder describes one detected face of img: it aligns the face from the
// detection's landmarks and runs its network. Implementations are safe for
// concurrent use.
type Embedder interface {
	Embed(img image.Image, d Detection) (Embedding, error)
	// Model names the embeddings it makes.
	Model() Model
}

// Engine finds faces and describes them: what the kiosk, enrolment and the
// CLI use. Implementations are safe for concurrent use.
type Engine interface {
	// FacesImage returns every face in an image, left to right. No face is
	// an empty result; an empty image wraps ErrNotImage.
	FacesImage(img image.Image) ([]Face, error)
	// Model names the embedding model.
	Model() Model
	Close() error
}

// Compose joins a detector and an embedder into an Engine. Close calls
// each closer in order (the adapters' model files), once.
func Compose(d Detector, e Embedder, closers ...func() error) Engine {
	return &composed{det: d, emb: e, closers: closers}
}

type composed struct {
	det     Detector
	emb     Embedder
	closers []func() error
}

func (c *composed) Model() Model { return c.emb.Model() }

func (c *composed) FacesImage(img image.Image) ([]Face, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("faces: %w: empty image", ErrNotImage)
	}
	dets, err := c.det.Detect(img)
	if err != nil {
		return nil, fmt.Errorf("faces: %w", err)
	}
	out := make([]Face, 0, len(dets))
	for _, d := range dets {
		v, err := c.emb.Embed(img, d)
		if err != nil {
			return nil, fmt.Errorf("faces: %w", err)
		}
		out = append(out, Face{Box: d.Box, Landmarks: d.Landmarks, Quality: d.Quality, Embedding: v})
	}
	return out, nil
}

func (c *composed) Close() error {
	var errs []error
	for _, f := range c.closers {
		errs = append(errs, f())
	}
	c.closers = nil
	return errors.Join(errs...)
}

// MaxPixels bounds the images DecodeImage accepts: 40 megapixels. Larger
// ones are refused before they are decoded (the detectors would need
// gigabytes).
const MaxPixels = 40 << 20

// DecodeImage decodes a JPEG, PNG or GIF file's bytes. Anything else, a
// truncated file or an image over MaxPixels wraps ErrNotImage.
func DecodeImage(data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w: %v", ErrNotImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("decode image: %w: %d×%d pixels", ErrNotImage, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w: %v", ErrNotImage, err)
	}
	return img, nil
}

// FacesIn decodes an encoded image (DecodeImage) and runs the engine on it:
// for callers that hold a file or an encoded frame.
func FacesIn(e Engine, data []byte) ([]Face, error) {
	img, err := DecodeImage(data)
	if err != nil {
		return nil, err
	}
	return e.FacesImage(img)
}
