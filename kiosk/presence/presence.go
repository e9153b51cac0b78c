// Package presence is the kiosk's cheap "is anyone there" check: a frame
// difference on a downscaled grey copy of the camera frame, taken at a low
// rate. It gates the face engine, so an empty scene costs a few thousand
// pixel reads a few times a second instead of a face detection per frame,
// and a person walking up is caught at the next check (one Interval).
package presence

import (
	"fmt"
	"image"
	"time"
)

// Defaults for Config.
const (
	// DefaultInterval is how often a closed gate looks for movement.
	DefaultInterval = 200 * time.Millisecond
	// DefaultCells is the grey thumbnail's width; the height follows the
	// frame's aspect (80×60 for 640×480).
	DefaultCells = 80
	// DefaultThreshold is the mean absolute grey difference (0-255) between
	// two checks that counts as movement. Sensor noise on a still webcam
	// scene is about 1; a person entering a quarter of the view moves it by
	// 10 and more.
	DefaultThreshold = 3.0
	// DefaultHold keeps the gate open this long after the last movement or
	// the last face the engine saw, so a person standing still is not lost.
	DefaultHold = 3 * time.Second
)

// Config tunes a Gate; zero fields take the defaults.
type Config struct {
	Interval  time.Duration
	Cells     int
	Threshold float64
	Hold      time.Duration
}

func (c *Config) defaults() error {
	if c.Interval < 0 || c.Cells < 0 || c.Threshold < 0 || c.Hold < 0 {
		return fmt.Errorf("presence config: negative value in %+v", *c)
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Cells == 0 {
		c.Cells = DefaultCells
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.Hold == 0 {
		c.Hold = DefaultHold
	}
	return nil
}

// Gate decides which frames reach the face engine. It is used by one
// goroutine (the kiosk's recognition loop).
type Gate struct {
	cfg       Config
	prev, cur []uint8
	w, h      int
	checked   time.Time // the last check
	until     time.Time // open until
	// Checks counts the frame comparisons made, Opened the times a closed
	// gate opened (for benchmarks and the debug overlay).
	Checks, Opened int
}

// New builds a gate; it starts open, so the first frames are analysed.
func New(cfg Config) (*Gate, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Gate{cfg: cfg}, nil
}

// Admit reports whether the frame captured at at should go to the engine.
// While the gate is open every frame does; while closed, a frame is
// compared with the last check's at most once per Interval, and movement
// opens the gate for Hold.
func (g *Gate) Admit(img *image.RGBA, at time.Time) bool {
	if at.Before(g.until) {
		g.keep(img, at)
		return true
	}
	if !g.checked.IsZero() && at.Sub(g.checked) < g.cfg.Interval {
		return false
	}
	moved := g.compare(img, at)
	if moved {
		g.until = at.Add(g.cfg.Hold)
		g.Opened++
	}
	return moved
}

// Seen tells the gate the engine found a face at at: it stays open.
func (g *Gate) Seen(at time.Time) {
	if t := at.Add(g.cfg.Hold); t.After(g.until) {
		g.until = t
	}
}

// keep refreshes the reference thumbnail while open, at the check rate,
// so closing compares against a recent scene.
func (g *Gate) keep(img *image.RGBA, at time.Time) {
	if g.checked.IsZero() || at.Sub(g.checked) >= g.cfg.Interval {
		if g.compare(img, at) {
			g.until = at.Add(g.cfg.Hold)
		}
	}
}

// compare makes the grey thumbnail of img and reports whether it differs
// from the previous one by more than the threshold.
func (g *Gate) compare(img *image.RGBA, at time.Time) bool {
	g.Checks++
	g.checked = at
	b := img.Bounds()
	w := g.cfg.Cells
	if w > b.Dx() {
		w = b.Dx()
	}
	h := w * b.Dy() / max(b.Dx(), 1)
	if h < 1 {
		h = 1
	}
	if w != g.w || h != g.h {
		g.w, g.h, g.prev = w, h, nil
	}
	if len(g.cur) != w*h {
		g.cur = make([]uint8, w*h)
	}
	for y := 0; y < h; y++ {
		sy := b.Min.Y + (2*y+1)*b.Dy()/(2*h)
		row := img.Pix[(sy-img.Rect.Min.Y)*img.Stride:]
		for x := 0; x < w; x++ {
			sx := (b.Min.X + (2*x+1)*b.Dx()/(2*w) - img.Rect.Min.X) * 4
			// Rec. 601 luma in integers.
			g.cur[y*w+x] = uint8((299*uint32(row[sx]) + 587*uint32(row[sx+1]) + 114*uint32(row[sx+2])) / 1000)
		}
	}
	if g.prev == nil {
		g.prev = make([]uint8, w*h)
		copy(g.prev, g.cur)
		return true // no reference yet: look once
	}
	var sum int
	for i, v := range g.cur {
		d := int(v) - int(g.prev[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	g.prev, g.cur = g.cur, g.prev
	return float64(sum)/float64(w*h) > g.cfg.Threshold
}
