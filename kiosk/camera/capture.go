package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"time"

	"gocv.io/x/gocv"

	"clockface/kiosk/frames"
)

// Options tune a capture loop.
type Options struct {
	// Size, when set, resizes every frame to exactly this size.
	Size image.Point
	// MaxSize, when set (and Size is not), shrinks frames larger than it,
	// keeping their aspect; smaller frames pass unchanged. Upscaling would
	// only blur them.
	MaxSize image.Point
	// Pace sleeps between frames to play a file at its own frame rate, as a
	// camera would deliver it. Cameras pace themselves; leave it off for them.
	Pace bool
	// MaxFrames stops after this many frames (0: until EOF or cancel).
	MaxFrames int
	// Now is the clock stamped on frames (nil: time.Now).
	Now func() time.Time
}

// Capture reads src in the calling goroutine (start it with go) into one
// reused Mat, converts each frame to an RGBA copy and puts it in every slot.
// It returns nil at the end of a finite source or MaxFrames, ctx.Err() when
// cancelled, or the source's error.
func Capture(ctx context.Context, src Source, opt Options, slots ...*frames.Slot) error {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	frame := gocv.NewMat()
	defer frame.Close()
	resized := gocv.NewMat()
	defer resized.Close()

	var interval time.Duration
	if opt.Pace && src.FPS() > 0 {
		interval = time.Duration(float64(time.Second) / src.FPS())
	}
	next := time.Now()
	var seq uint64
	for opt.MaxFrames == 0 || int(seq) < opt.MaxFrames {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := src.Read(&frame); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("capture: %w", err)
		}
		out := &frame
		if size := targetSize(opt, frame.Cols(), frame.Rows()); size != (image.Point{}) {
			gocv.Resize(frame, &resized, size, 0, 0, gocv.InterpolationArea)
			out = &resized
		}
		img, err := toRGBA(out)
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		seq++
		f := frames.Frame{Image: img, Seq: seq, At: now()}
		for _, s := range slots {
			s.Put(f)
		}
		if interval > 0 {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(d):
				}
			} else {
				next = time.Now() // fell behind: do not try to catch up
			}
		}
	}
	return nil
}

// targetSize is the size to resize a w×h frame to, or zero for none.
func targetSize(opt Options, w, h int) image.Point {
	switch {
	case opt.Size != (image.Point{}):
		if w == opt.Size.X && h == opt.Size.Y {
			return image.Point{}
		}
		return opt.Size
	case opt.MaxSize != (image.Point{}) && (w > opt.MaxSize.X || h > opt.MaxSize.Y):
		s := min(float64(opt.MaxSize.X)/float64(w), float64(opt.MaxSize.Y)/float64(h))
		return image.Pt(int(float64(w)*s), int(float64(h)*s))
	}
	return image.Point{}
}

// toRGBA copies a BGR (or grey) Mat into a new RGBA image.
func toRGBA(m *gocv.Mat) (*image.RGBA, error) {
	img, err := m.ToImage()
	if err != nil {
		return nil, err
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba, nil
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba, nil
}
