package onnx

// // The CPU baseline is x86-64-v2 (SSE4.2, POPCNT: Intel since 2008,
// // AMD since 2011, Atom and Celeron since 2013), never -march=native, so a
// // binary built on a newer CPU runs on an older kiosk PC.
// #cgo CXXFLAGS: -std=c++14 -O3 -DNDEBUG -march=x86-64-v2
// #cgo LDFLAGS: -ldlib -lblas -lcblas -llapack -ljpeg
// #include <stdlib.h>
// #include "landmarks.h"
import "C"

import (
	"errors"
	"fmt"
	"image"
	"sort"
	"sync"
	"unsafe"

	"gocv.io/x/gocv"

	"clockface/embeddings"
)

// detection is one face found by dlib's HOG detector, with its landmarks.
type detection struct {
	box    image.Rectangle
	shapes embeddings.Landmarks
}

// landmarker is dlib's frontal (HOG) face detector and a shape predictor.
// It is safe for concurrent use: the detector is guarded by a mutex.
type landmarker struct {
	mu sync.Mutex
	d  *C.lm_detector
}

func newLandmarker(predictorPath string) (*landmarker, error) {
	cpath := C.CString(predictorPath)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	d := C.lm_new(cpath, &cerr)
	if d == nil {
		defer C.free(unsafe.Pointer(cerr))
		return nil, errors.New(C.GoString(cerr))
	}
	return &landmarker{d: d}, nil
}

func (l *landmarker) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.d != nil {
		C.lm_free(l.d)
		l.d = nil
	}
}

// detect finds the faces of a BGR image, left to right.
func (l *landmarker) detect(img gocv.Mat) ([]detection, error) {
	if img.Type() != gocv.MatTypeCV8UC3 || img.Empty() {
		return nil, fmt.Errorf("detect: want a BGR image, got type %v", img.Type())
	}
	data, err := img.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.d == nil {
		return nil, errors.New("detect: engine closed")
	}
	var rects, points *C.long
	var npoints C.int
	var cerr *C.char
	n := int(C.lm_detect(l.d, (*C.uint8_t)(unsafe.Pointer(&data[0])), C.int(img.Rows()), C.int(img.Cols()), C.int(img.Step()),
		&rects, &points, &npoints, &cerr))
	if n < 0 {
		defer C.free(unsafe.Pointer(cerr))
		return nil, fmt.Errorf("detect: %s", C.GoString(cerr))
	}
	defer C.free(unsafe.Pointer(rects))
	defer C.free(unsafe.Pointer(points))
	np := int(npoints)
	rs := unsafe.Slice((*C.long)(rects), 4*max(n, 1))
	ps := unsafe.Slice((*C.long)(points), 2*np*max(n, 1))
	out := make([]detection, n)
	for i := range out {
		out[i].box = image.Rect(int(rs[4*i]), int(rs[4*i+1]), int(rs[4*i+2]), int(rs[4*i+3]))
		out[i].shapes = make(embeddings.Landmarks, np)
		for j := range np {
			out[i].shapes[j] = image.Pt(int(ps[2*(i*np+j)]), int(ps[2*(i*np+j)+1]))
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].box.Min.X < out[b].box.Min.X })
	return out, nil
}

// dlibImage is a BGR frame converted once to dlib's RGB matrix, for timing
// the shape predictor alone.
type dlibImage struct{ p *C.lm_image }

func newDlibImage(img gocv.Mat) (dlibImage, error) {
	data, err := img.DataPtrUint8()
	if err != nil || img.Type() != gocv.MatTypeCV8UC3 {
		return dlibImage{}, fmt.Errorf("dlib image: want a BGR image: %v", err)
	}
	return dlibImage{C.lm_image_new((*C.uint8_t)(unsafe.Pointer(&data[0])), C.int(img.Rows()), C.int(img.Cols()), C.int(img.Step()))}, nil
}

func (i dlibImage) close() { C.lm_image_free(i.p) }

// predict runs only the shape predictor on one face box.
func (l *landmarker) predict(img dlibImage, box image.Rectangle) ([]image.Point, error) {
	var buf [2 * 68]C.long
	var cerr *C.char
	l.mu.Lock()
	n := int(C.lm_predict(l.d, img.p, C.long(box.Min.X), C.long(box.Min.Y), C.long(box.Max.X), C.long(box.Max.Y), &buf[0], 68, &cerr))
	l.mu.Unlock()
	if n < 0 {
		defer C.free(unsafe.Pointer(cerr))
		return nil, fmt.Errorf("predict: %s", C.GoString(cerr))
	}
	out := make([]image.Point, n)
	for j := range out {
		out[j] = image.Pt(int(buf[2*j]), int(buf[2*j+1]))
	}
	return out, nil
}
