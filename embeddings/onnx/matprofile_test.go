//go:build matprofile

package onnx_test

import (
	"testing"

	"gocv.io/x/gocv"

	"clockface/embeddings/onnx"
	"clockface/internal/testmedia"
)

// TestMatProfileLeaksNoMats runs every path that makes Mats (JPEG, PNG,
// grey, decoded image, Mat input, flip averaging, bad input, no face) and
// checks every Mat was closed: go test -tags matprofile -run MatProfile.
func TestMatProfileLeaksNoMats(t *testing.T) {
	e, err := onnx.New(testmedia.Models(t), onnx.Options{Flip: true})
	if err != nil {
		t.Fatal(err)
	}
	jpg := testmedia.Read(t, "gocv/face.jpg")
	img, err := gocv.IMDecode(jpg, gocv.IMReadColor)
	if err != nil {
		t.Fatal(err)
	}
	png, err := gocv.IMEncode(gocv.PNGFileExt, img)
	if err != nil {
		t.Fatal(err)
	}
	pngBytes := append([]byte(nil), png.GetBytes()...)
	png.Close()
	goImg, err := img.ToImage()
	if err != nil {
		t.Fatal(err)
	}
	before := gocv.MatProfile.Count()
	for range 3 {
		for _, in := range [][]byte{jpg, pngBytes, jpg[:len(jpg)/2], []byte("x"), testmedia.Read(t, "gocv/space_shuttle.jpg"), testmedia.Read(t, "dlib/bald_guys.jpg")} {
			e.Faces(in)
		}
		if _, err := e.FacesImage(goImg); err != nil {
			t.Fatal(err)
		}
		if _, err := e.FacesMat(img); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := gocv.MatProfile.Count(), before; got != want {
		t.Errorf("open Mats: got %d, want %d", got, want)
		gocv.MatProfile.WriteTo(testWriter{t}, 1)
	}
	img.Close()
	e.Close()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
