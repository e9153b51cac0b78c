// Package models is the model registry: it opens the engine of a
// registered embeddings.Profile by name. It is the one place that imports
// every engine adapter, so the CLI and the kiosk call one function and
// never switch on a model name themselves.
package models

import (
	"fmt"

	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/embeddings/onnx"
)

// Default is the profile --model selects when it is not given.
const Default = "dlib"

// Open opens the engine of the profile called name with the model files
// in modelsDir. An unknown name is an error listing the known ones; a
// missing or wrong model file wraps embeddings.ErrModel and names it.
func Open(name, modelsDir string) (embeddings.Engine, embeddings.Profile, error) {
	p, err := embeddings.ProfileNamed(name)
	if err != nil {
		return nil, embeddings.Profile{}, fmt.Errorf("open engine: %w", err)
	}
	e, err := open(p, modelsDir)
	if err != nil {
		return nil, embeddings.Profile{}, fmt.Errorf("open engine %s: %w", name, err)
	}
	if got := e.Model(); got != p.Model {
		e.Close()
		return nil, embeddings.Profile{}, fmt.Errorf("open engine %s: the engine makes %s, the profile says %s", name, got, p.Model)
	}
	return e, p, nil
}

// open is the one switch from a profile to its adapter.
func open(p embeddings.Profile, modelsDir string) (embeddings.Engine, error) {
	switch p.Name {
	case "dlib":
		return dlib.New(modelsDir, dlib.Options{})
	case "onnx":
		return onnx.New(modelsDir, onnx.Options{})
	case "onnx-sp5":
		return onnx.New(modelsDir, onnx.Options{Landmarks5: true})
	case "onnx-flip":
		return onnx.New(modelsDir, onnx.Options{Flip: true})
	}
	return nil, fmt.Errorf("profile %s has no engine adapter", p.Name)
}

// Models are the models of every registered profile: what the ledger may
// hold templates of.
func Models() []embeddings.Model {
	ps := embeddings.Profiles()
	out := make([]embeddings.Model, len(ps))
	for i, p := range ps {
		out[i] = p.Model
	}
	return out
}

// OpenPhotos opens the engine of a profile for photos, where time allows:
// an image in which the detector finds no face is tried again on a copy
// upscaled 2× (dlib's detector upsample), and for the dlib profile then
// with dlib's CNN detector on a copy downscaled to dlib.DefaultCNNMaxSide.
// Enrolment from files and the face commands use it; the kiosk's live
// path uses Open and keeps its frame budget (BENCHMARKS.md, "Detector
// fallback", has the faces found and the time added).
func OpenPhotos(name, modelsDir string) (embeddings.Engine, embeddings.Profile, error) {
	e, p, err := Open(name, modelsDir)
	if err != nil {
		return nil, p, err
	}
	fallbacks := []embeddings.Engine{embeddings.Upsampled(e, 2)}
	if p.Name == "dlib" {
		cnn, err := dlib.New(modelsDir, dlib.Options{CNN: true})
		if err != nil {
			e.Close()
			return nil, embeddings.Profile{}, fmt.Errorf("open engine %s: cnn fallback: %w", name, err)
		}
		fallbacks = append(fallbacks, cnn)
	}
	fe, err := embeddings.WithFallback(e, fallbacks...)
	if err != nil {
		e.Close()
		for _, f := range fallbacks[1:] {
			f.Close()
		}
		return nil, embeddings.Profile{}, fmt.Errorf("open engine %s: %w", name, err)
	}
	return fe, p, nil
}
