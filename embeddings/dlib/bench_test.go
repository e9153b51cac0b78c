package dlib_test

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"clockface/embeddings/dlib"
	"clockface/internal/testmedia"
)

// BenchmarkFaces640x480 is the kiosk's per-frame cost: HOG detection, the
// 5 landmarks, the 128-d descriptor and quality, on gocv's face.jpg (a
// 640×480 webcam-style frame with one face).
func BenchmarkFaces640x480(b *testing.B) {
	e := testEngine(b)
	frame := testmedia.Read(b, "gocv/face.jpg")
	if fs, err := e.Faces(frame); err != nil || len(fs) != 1 {
		b.Fatalf("got %d faces, %v; want 1", len(fs), err)
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := e.Faces(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescriptorCrop approximates the descriptor alone: go-face runs
// detection and description in one call, so this times the same call on a
// tight crop around the face (the box plus a quarter on each side, the
// least HOG still finds), where detection is cheap. It is an upper bound.
func BenchmarkDescriptorCrop(b *testing.B) {
	e := testEngine(b)
	img := decode(b, testmedia.Read(b, "gocv/face.jpg"))
	f := one(b, e, img)
	crop, err := dlib.EncodeJPEG(img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(f.Box.Inset(-f.Box.Dx() / 4)))
	if err != nil {
		b.Fatal(err)
	}
	if fs, err := e.Faces(crop); err != nil || len(fs) != 1 {
		b.Fatalf("crop: got %d faces, %v; want 1", len(fs), err)
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := e.Faces(crop); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJPEGRoundTrip is the cost of feeding go-face something other
// than 3-channel JPEG bytes: encoding a decoded frame (RGBA from a camera,
// grey) and decoding a PNG then encoding it.
func BenchmarkJPEGRoundTrip(b *testing.B) {
	img := decode(b, testmedia.Read(b, "gocv/face.jpg"))
	rgba := toRGBA(img)
	grey := image.NewGray(img.Bounds())
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			grey.Set(x, y, img.At(x, y))
		}
	}
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, img); err != nil {
		b.Fatal(err)
	}
	b.Run("rgba", func(b *testing.B) {
		for b.Loop() {
			if _, err := dlib.EncodeJPEG(rgba); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gray", func(b *testing.B) {
		for b.Loop() {
			if _, err := dlib.EncodeJPEG(grey); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("png", func(b *testing.B) {
		for b.Loop() {
			m, err := png.Decode(bytes.NewReader(pngBytes.Bytes()))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := dlib.EncodeJPEG(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var rssOnce struct {
	sync.Once
	kB, totalkB int
	err         error
}

// BenchmarkNew times loading the engine (SHA-256 of the three model files
// and deserialising them) and reports the resident memory the first load
// added (VmRSS after New minus before, measured once per process: freed
// C++ memory is not returned to the OS, so later loads reuse it) and the
// process's VmRSS with the engine loaded. Run it alone (-bench New) for the
// cost of the first engine in a process.
func BenchmarkNew(b *testing.B) {
	dir := testmedia.Models(b)
	rssOnce.Do(func() {
		before, err := vmRSS()
		if err != nil {
			rssOnce.err = err
			return
		}
		e, err := dlib.New(dir, dlib.Options{})
		if err != nil {
			rssOnce.err = err
			return
		}
		after, err := vmRSS()
		e.Close()
		rssOnce.kB, rssOnce.totalkB, rssOnce.err = after-before, after, err
	})
	if rssOnce.err != nil {
		b.Fatal(rssOnce.err)
	}
	for b.Loop() {
		e, err := dlib.New(dir, dlib.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ReportMetric(float64(rssOnce.kB)/1024, "MiB-rss-added")
	b.ReportMetric(float64(rssOnce.totalkB)/1024, "MiB-rss-process")
}

// reportCPU reports the process's CPU time (user + system) per operation
// when the returned func runs. On a busy machine wall time per operation
// includes waiting for a core; CPU time does not.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmRSS is this process's resident set in kB.
func vmRSS() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, s.Err()
}
