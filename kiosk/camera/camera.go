// Package camera supplies video frames to the kiosk from a camera index, a
// video file or a folder of images, through gocv. Capture runs in its own
// goroutine with one reused Mat; consumers get copies (image.Image values
// they own) through a latest-frame Slot, so a slow consumer drops frames
// instead of queueing them.
package camera

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gocv.io/x/gocv"
)

// Source reads frames into a caller-owned Mat. Read returns io.EOF when a
// finite source is exhausted. Sources are not safe for concurrent use.
type Source interface {
	Read(dst *gocv.Mat) error
	// FPS is the source's nominal frame rate, 0 when unknown.
	FPS() float64
	Close() error
}

// Releaser is a Source that can give its device back while it is not
// needed (the kiosk out of service): Release closes the device, and the
// next Read opens it again (failing with the open's error if it cannot).
// Device, video and looping sources have it; a folder holds no device.
type Releaser interface {
	Source
	Release() error
}

// Open picks a source from a spec: an integer is a camera index, a folder is
// a folder of images, anything else a video file.
func Open(spec string) (Source, error) {
	if n, err := strconv.Atoi(spec); err == nil {
		return OpenDevice(n)
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("open camera %q: %w", spec, err)
	}
	if st.IsDir() {
		return OpenFolder(spec)
	}
	return OpenVideo(spec)
}

// videoSource wraps a gocv.VideoCapture (device or file). After Release
// (or Close) vc is nil and the next Read opens it again.
type videoSource struct {
	vc     *gocv.VideoCapture
	open   func() (*gocv.VideoCapture, error)
	name   string
	fps    float64
	device bool // a camera: a failed read is a failure, not the end
}

// OpenDevice opens camera number index.
func OpenDevice(index int) (Source, error) {
	name := fmt.Sprintf("camera %d", index)
	return openVideoSource(name, true, func() (*gocv.VideoCapture, error) {
		vc, err := gocv.OpenVideoCapture(index)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		return vc, nil
	})
}

// OpenVideo opens a video file.
func OpenVideo(path string) (Source, error) {
	name := filepath.Base(path)
	return openVideoSource(name, false, func() (*gocv.VideoCapture, error) {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open video: %w", err)
		}
		vc, err := gocv.VideoCaptureFile(path)
		if err != nil {
			return nil, fmt.Errorf("open video %s: %w", name, err)
		}
		return vc, nil
	})
}

func openVideoSource(name string, device bool, open func() (*gocv.VideoCapture, error)) (*videoSource, error) {
	s := &videoSource{open: open, name: name, device: device}
	if err := s.reopen(); err != nil {
		return nil, err
	}
	return s, nil
}

// reopen opens the capture (it is closed).
func (s *videoSource) reopen() error {
	vc, err := s.open()
	if err != nil {
		return err
	}
	if !vc.IsOpened() {
		vc.Close()
		if s.device {
			return fmt.Errorf("open %s: not opened", s.name)
		}
		return fmt.Errorf("open video %s: not opened", s.name)
	}
	s.vc, s.fps = vc, vc.Get(gocv.VideoCaptureFPS)
	return nil
}

func (s *videoSource) Read(dst *gocv.Mat) error {
	if s.vc == nil {
		if err := s.reopen(); err != nil {
			return err
		}
	}
	if !s.vc.Read(dst) || dst.Empty() {
		if s.device {
			return fmt.Errorf("%s: no frame", s.name) // unplugged, or taken
		}
		return io.EOF
	}
	return nil
}

func (s *videoSource) FPS() float64 { return s.fps }

// Release closes the device; the next Read opens it again (a video file
// from its start).
func (s *videoSource) Release() error { return s.Close() }

func (s *videoSource) Close() error {
	if s.vc == nil {
		return nil
	}
	err := s.vc.Close()
	s.vc = nil
	return err
}

// folderSource reads the images of a folder in name order.
type folderSource struct {
	files []string
	next  int
}

// imageExts are the still-image types a folder source reads.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true}

// OpenFolder opens a folder of images (jpg, png, bmp), read in name order.
func OpenFolder(dir string) (Source, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open folder: %w", err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("open folder %s: no images", filepath.Base(dir))
	}
	sort.Strings(files)
	return &folderSource{files: files}, nil
}

func (s *folderSource) Read(dst *gocv.Mat) error {
	for s.next < len(s.files) {
		f := s.files[s.next]
		s.next++
		m := gocv.IMRead(f, gocv.IMReadColor)
		if m.Empty() {
			m.Close()
			continue // unreadable file: skip it
		}
		m.CopyTo(dst)
		m.Close()
		return nil
	}
	return io.EOF
}

// FolderFPS is the rate a paced folder source plays its images at.
const FolderFPS = 5

func (s *folderSource) FPS() float64 { return FolderFPS }

func (s *folderSource) Close() error { return nil }

// Looping restarts a finite source at its end by reopening it, so a demo
// video plays forever. open is called for the first and every later pass.
// After a failed reopen Read tries again and Close has nothing to close.
type Looping struct {
	open func() (Source, error)
	cur  Source // nil after a failed reopen
	fps  float64
}

// NewLooping opens the first pass.
func NewLooping(open func() (Source, error)) (*Looping, error) {
	s, err := open()
	if err != nil {
		return nil, err
	}
	return &Looping{open: open, cur: s, fps: s.FPS()}, nil
}

func (l *Looping) Read(dst *gocv.Mat) error {
	if l.cur != nil {
		err := l.cur.Read(dst)
		if !errors.Is(err, io.EOF) {
			return err
		}
		l.cur.Close()
		l.cur = nil
	}
	cur, err := l.open()
	if err != nil {
		return fmt.Errorf("loop: %w", err)
	}
	l.cur, l.fps = cur, cur.FPS()
	return l.cur.Read(dst)
}

// FPS is the current pass's frame rate (the last one's after a failed
// reopen).
func (l *Looping) FPS() float64 { return l.fps }

// Release closes the current pass; the next Read opens a new one.
func (l *Looping) Release() error { return l.Close() }

func (l *Looping) Close() error {
	if l.cur == nil {
		return nil
	}
	err := l.cur.Close()
	l.cur = nil
	return err
}
