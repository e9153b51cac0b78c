// Package embeddings holds face descriptors as value types, the engine seam
// that produces them (a Detector finds faces with typed Landmarks, an
// Embedder describes an aligned face, composed into an Engine), the model
// profiles (thresholds, enrolment gates, licence), and matching (1:1
// verification and 1:N identification with decision bands). It is pure Go.
// The adapters live in sub-packages: dlib (go-face), onnx (OpenCV DNN),
// align (the similarity fit), and models, the registry that opens a
// profile's engine.
package embeddings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
)

// Embedding is one face descriptor.
type Embedding []float32

// Dist is the Euclidean distance between two embeddings of the same model.
// It panics if the lengths differ: comparing vectors of different models is
// a programming error that Template and Gallery already prevent.
func (e Embedding) Dist(o Embedding) float64 {
	if len(e) != len(o) {
		panic(fmt.Sprintf("embeddings: dist of %d-d and %d-d vectors", len(e), len(o)))
	}
	var sum float32
	for i := range e {
		d := e[i] - o[i]
		sum += d * d
	}
	return math.Sqrt(float64(sum))
}

// Normalize returns e scaled to unit length.
func (e Embedding) Normalize() Embedding {
	var sum float64
	for _, v := range e {
		sum += float64(v) * float64(v)
	}
	n := math.Sqrt(sum)
	out := make(Embedding, len(e))
	if n == 0 {
		return out
	}
	for i, v := range e {
		out[i] = float32(float64(v) / n)
	}
	return out
}

// Model names the network that made an embedding. Embeddings of different
// models are never compared.
type Model struct {
	Name    string `json:"name"`    // "dlib" or "onnx"
	Version string `json:"version"` // e.g. the weights file's SHA-256 prefix
	Dim     int    `json:"dim"`
}

// String is "name/version".
func (m Model) String() string { return m.Name + "/" + m.Version }

// Quality describes how usable a face crop is for enrolment or matching.
type Quality struct {
	// Width of the face box in pixels.
	Width int `json:"width"`
	// Sharpness is the variance of the Laplacian of the face crop (grey).
	Sharpness float64 `json:"sharpness"`
	// Brightness is the mean grey level of the face crop, 0..255.
	Brightness float64 `json:"brightness"`
	// Frontal is 1 for a face looking straight at the camera, falling to 0
	// as the head turns; Yaw is signed (negative: turned to the image's left).
	Frontal float64 `json:"frontal"`
	Yaw     float64 `json:"yaw"`
}

// Face is one detected and described face.
type Face struct {
	Box       image.Rectangle `json:"box"`
	Landmarks Landmarks       `json:"landmarks"`
	Quality   Quality         `json:"quality"`
	Embedding Embedding       `json:"embedding"`
}

// Typed errors for bad input.
var (
	ErrNotImage  = errors.New("not a decodable image")
	ErrNoFace    = errors.New("no face found")
	ErrManyFaces = errors.New("more than one face")
	ErrModel     = errors.New("model file")
)

// Template is one employee's enrolled samples for one model.
type Template struct {
	Owner   string      `json:"owner"`
	Model   Model       `json:"model"`
	Samples []Embedding `json:"samples"`
}

const templateMagic = "CFT1"

// MarshalBinary encodes t compactly: magic, model, dims, float32 samples.
func (t Template) MarshalBinary() ([]byte, error) {
	if len(t.Samples) == 0 {
		return nil, errors.New("marshal template: no samples")
	}
	dim := len(t.Samples[0])
	for _, s := range t.Samples {
		if len(s) != dim {
			return nil, errors.New("marshal template: samples differ in length")
		}
	}
	buf := []byte(templateMagic)
	buf = appendString(buf, t.Owner)
	buf = appendString(buf, t.Model.Name)
	buf = appendString(buf, t.Model.Version)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(dim))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(t.Samples)))
	for _, s := range t.Samples {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return buf, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote and rejects anything else.
func (t *Template) UnmarshalBinary(b []byte) error {
	if len(b) < len(templateMagic) || string(b[:len(templateMagic)]) != templateMagic {
		return errors.New("unmarshal template: bad magic")
	}
	r := b[len(templateMagic):]
	var err error
	var owner, name, version string
	if owner, r, err = readString(r); err != nil {
		return err
	}
	if name, r, err = readString(r); err != nil {
		return err
	}
	if version, r, err = readString(r); err != nil {
		return err
	}
	if len(r) < 8 {
		return errors.New("unmarshal template: truncated header")
	}
	dim := int(binary.LittleEndian.Uint32(r))
	n := int(binary.LittleEndian.Uint32(r[4:]))
	r = r[8:]
	if dim <= 0 || dim > 4096 || n <= 0 || n > 1024 || len(r) != dim*n*4 {
		return fmt.Errorf("unmarshal template: %d samples of %d-d do not fit %d bytes", n, dim, len(r))
	}
	samples := make([]Embedding, n)
	for i := range samples {
		s := make(Embedding, dim)
		for j := range s {
			s[j] = math.Float32frombits(binary.LittleEndian.Uint32(r))
			r = r[4:]
		}
		samples[i] = s
	}
	*t = Template{Owner: owner, Model: Model{Name: name, Version: version, Dim: dim}, Samples: samples}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func readString(b []byte) (string, []byte, error) {
	if len(b) < 2 {
		return "", nil, errors.New("unmarshal template: truncated string")
	}
	n := int(binary.LittleEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, errors.New("unmarshal template: truncated string")
	}
	return string(b[2 : 2+n]), b[2+n:], nil
}
