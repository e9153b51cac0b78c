// Package frames holds captured pictures on their way from the camera to
// their consumers: a Frame (an RGBA copy that its taker owns) and a
// latest-frame Slot, so a slow consumer drops frames instead of queueing
// them. It is pure Go: the screen (kiosk/ui) and the decision flow take
// frames without compiling OpenCV; kiosk/camera fills the slots.
package frames

import (
	"context"
	"image"
	"sync"
	"time"
)

// Frame is one captured picture. The Image belongs to whoever took the
// Frame from a Slot; it is shared with no Mat. Frames are immutable by
// convention: a consumer that wants to draw on one copies it first.
type Frame struct {
	Image *image.RGBA
	Seq   uint64    // 1, 2, ... in capture order
	At    time.Time // when it was captured
}

// Slot holds the latest frame for one consumer. Put replaces whatever the
// consumer has not taken yet (counted as dropped), so a slow consumer costs
// memory for one frame, never a queue.
type Slot struct {
	mu      sync.Mutex
	f       Frame
	full    bool
	dropped uint64
	ready   chan struct{}
}

// NewSlot returns an empty slot.
func NewSlot() *Slot { return &Slot{ready: make(chan struct{}, 1)} }

// Put stores f as the latest frame.
func (s *Slot) Put(f Frame) {
	s.mu.Lock()
	if s.full {
		s.dropped++
	}
	s.f, s.full = f, true
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Take returns the latest frame, if one arrived since the last Take.
func (s *Slot) Take() (Frame, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.full {
		return Frame{}, false
	}
	f := s.f
	s.f, s.full = Frame{}, false
	return f, true
}

// Ready is signalled after a Put; receive from it, then Take.
func (s *Slot) Ready() <-chan struct{} { return s.ready }

// Wait blocks until a frame is available or ctx ends.
func (s *Slot) Wait(ctx context.Context) (Frame, error) {
	for {
		if f, ok := s.Take(); ok {
			return f, nil
		}
		select {
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-s.ready:
		}
	}
}

// Dropped counts frames replaced before they were taken.
func (s *Slot) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}
