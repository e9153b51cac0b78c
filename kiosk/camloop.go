package kiosk

import (
	"context"
	"errors"
	"time"

	"gocv.io/x/gocv"

	"clockface/kiosk/camera"
)

// The camera's life in a running kiosk (App.cameraLoop, the capture
// goroutine): it captures while the kiosk is in service; out of service it
// gives the device back (Release, or Close for a source it opened itself)
// and opens it again on resume; when the camera fails (it will not open, or
// it stops giving frames) the screen turns PIN-only and the loop tries again
// after a backoff on the kiosk's clock (CameraRetryMin doubling up to
// CameraRetryMax), back to normal at the first frame. Recognition, the
// machine's timers (PIN pad, lockouts) and the screen keep running
// throughout; only the end of a finite source (a video file that does not
// loop) stops the kiosk.

// The camera retry backoff's defaults.
const (
	DefaultCameraRetryMin = time.Second
	DefaultCameraRetryMax = 30 * time.Second
)

// CameraState is where the camera is.
type CameraState int

const (
	// CameraOn: frames are coming (reported at the first frame after an open).
	CameraOn CameraState = iota + 1
	// CameraReleased: the kiosk is out of service and the device is closed.
	CameraReleased
	// CameraFailed: the camera would not open or stopped giving frames; the
	// screen is PIN-only until RetryAt.
	CameraFailed
)

func (s CameraState) String() string {
	switch s {
	case CameraOn:
		return "on"
	case CameraReleased:
		return "released"
	case CameraFailed:
		return "failed"
	}
	return "unknown"
}

// CameraEvent is a change of the camera's state, for Config.OnCamera.
type CameraEvent struct {
	State CameraState
	// Err and RetryAt (on the kiosk's clock) are set for CameraFailed;
	// Failures counts the failures in a row.
	Err      error
	RetryAt  time.Time
	Failures int
}

// cameraOwner holds the kiosk's source: the one it was given (Run closes
// it), or the ones it opens itself with Config.OpenSource (it closes them).
type cameraOwner struct {
	given camera.Source
	open  func() (camera.Source, error)
	cur   camera.Source // opened with open
}

func (c *cameraOwner) get() (camera.Source, error) {
	if c.open == nil {
		return c.given, nil
	}
	if c.cur == nil {
		src, err := c.open()
		if err != nil {
			return nil, err
		}
		c.cur = src
	}
	return c.cur, nil
}

// release gives the device back: a source the kiosk opened is closed, a
// given one released if it can be (the next Read reopens it).
func (c *cameraOwner) release() error {
	if c.open != nil {
		if c.cur == nil {
			return nil
		}
		err := c.cur.Close()
		c.cur = nil
		return err
	}
	if r, ok := c.given.(camera.Releaser); ok {
		return r.Release()
	}
	return nil
}

// firstFrame calls on once, at the source's first good frame.
type firstFrame struct {
	camera.Source
	on func()
}

func (f *firstFrame) Read(dst *gocv.Mat) error {
	err := f.Source.Read(dst)
	if err == nil && f.on != nil {
		f.on()
		f.on = nil
	}
	return err
}

// cameraLoop is the capture goroutine's body (under Pipeline.Serve).
func (a *App) cameraLoop(ctx context.Context) error {
	cam := &cameraOwner{given: a.cfg.Source, open: a.cfg.OpenSource}
	defer func() {
		if a.cfg.OpenSource != nil {
			cam.release()
		}
	}()
	failures, down := 0, false
	var retryAt time.Time
	var lastErr string
	for ctx.Err() == nil {
		if a.Machine.Paused() {
			if err := cam.release(); err != nil {
				a.cfg.Log.Warn("release camera", "err", err)
			}
			a.cameraEvent(CameraEvent{State: CameraReleased})
			if !a.waitResume(ctx) {
				return nil
			}
			continue
		}
		if !retryAt.IsZero() {
			if !a.waitUntil(ctx, retryAt) {
				return nil
			}
			if a.Machine.Paused() {
				continue // the retry waits for the resume
			}
			retryAt = time.Time{}
		}
		src, err := cam.get()
		if err == nil {
			on := func() {
				if down {
					a.cfg.Log.Info("camera back", "after_failures", failures)
					a.UI.CameraFailed(false)
				}
				down, failures, lastErr = false, 0, ""
				a.cameraEvent(CameraEvent{State: CameraOn})
			}
			err = a.captureInService(ctx, &firstFrame{Source: src, on: on})
			switch {
			case ctx.Err() != nil:
				return nil
			case a.Machine.Paused():
				continue
			case err == nil:
				return nil // a finite source ran out
			}
		}
		if rerr := cam.release(); rerr != nil {
			a.cfg.Log.Warn("release camera", "err", rerr)
		}
		wait := cameraBackoff(failures, a.cfg.CameraRetryMin, a.cfg.CameraRetryMax)
		failures++
		retryAt = a.cfg.Clock.Now().Add(wait)
		if err.Error() != lastErr {
			a.cfg.Log.Error("camera failed: PIN only", "err", err, "retry_in", wait)
			lastErr = err.Error()
		}
		if !down {
			down = true
			a.UI.CameraFailed(true)
		}
		a.cameraEvent(CameraEvent{State: CameraFailed, Err: err, RetryAt: retryAt, Failures: failures})
	}
	return nil
}

// captureInService captures from src until ctx ends, the source ends or
// fails, or the kiosk goes out of service.
func (a *App) captureInService(ctx context.Context, src camera.Source) error {
	cctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-cctx.Done():
				return
			case <-a.pauseCh:
				if a.Machine.Paused() {
					stop()
					return
				}
			}
		}
	}()
	err := a.Pipeline.Capture(cctx, src, camera.Options{Pace: a.cfg.Pace})
	stop()
	<-watched
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// waitResume waits until the kiosk is back in service (true) or ctx ends.
func (a *App) waitResume(ctx context.Context) bool {
	for a.Machine.Paused() {
		select {
		case <-ctx.Done():
			return false
		case <-a.pauseCh:
		}
	}
	return true
}

// waitUntil waits until the kiosk's clock reaches t, or the kiosk goes out
// of service (true both), or ctx ends (false). The clock is read every
// TickEvery, like the machine's timers, so a test clock moves it.
func (a *App) waitUntil(ctx context.Context, t time.Time) bool {
	tick := time.NewTicker(TickEvery)
	defer tick.Stop()
	for a.cfg.Clock.Now().Before(t) {
		select {
		case <-ctx.Done():
			return false
		case <-a.pauseCh:
			if a.Machine.Paused() {
				return true
			}
		case <-tick.C:
		}
	}
	return true
}

func (a *App) cameraEvent(e CameraEvent) {
	if a.cfg.OnCamera != nil {
		a.cfg.OnCamera(e)
	}
}

// cameraBackoff is the wait after failures failures in a row: min·2^n up
// to max.
func cameraBackoff(failures int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < failures && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}
