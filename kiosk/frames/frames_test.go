package frames_test

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"clockface/kiosk/frames"
)

func frame(seq uint64) frames.Frame {
	return frames.Frame{Image: image.NewRGBA(image.Rect(0, 0, 2, 2)), Seq: seq, At: time.Unix(int64(seq), 0)}
}

func TestSlotKeepsOnlyTheLatest(t *testing.T) {
	s := frames.NewSlot()
	if _, ok := s.Take(); ok {
		t.Fatal("an empty slot gave a frame")
	}
	for seq := uint64(1); seq <= 5; seq++ {
		s.Put(frame(seq))
	}
	f, ok := s.Take()
	if !ok || f.Seq != 5 {
		t.Fatalf("Take: got seq %d (%v), want 5", f.Seq, ok)
	}
	if got, want := s.Dropped(), uint64(4); got != want {
		t.Errorf("dropped: got %d, want %d", got, want)
	}
	if _, ok := s.Take(); ok {
		t.Error("a second Take gave a frame")
	}
}

func TestSlotWait(t *testing.T) {
	s := frames.NewSlot()
	got := make(chan uint64)
	go func() {
		f, err := s.Wait(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- f.Seq
	}()
	s.Put(frame(7))
	if seq := <-got; seq != 7 {
		t.Errorf("Wait: got seq %d, want 7", seq)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context: got %v, want %v", err, context.Canceled)
	}
}
