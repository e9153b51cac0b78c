// Package demo is what `clockface demo` adds to a kiosk run: stop at the
// first punch after a screenshot of the confirmation screen, and a
// virtual X server (Xvfb) for a machine without a display.
package demo

import (
	"clockface"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
)

// Run stops the demo kiosk at the first punch, after a screenshot. Its
// OnPunch and Until go into kiosk.Config.
type Run struct {
	screenshot string
	timeout    time.Duration
	punched    atomic.Bool
	punch      chan struct{}
}

// shotDelay lets the confirmation screen draw before the screenshot.
const shotDelay = 700 * time.Millisecond

// New is a Run that saves a screenshot to screenshot ("" for none) and
// fails when nobody has punched within timeout (0: no limit).
func New(screenshot string, timeout time.Duration) *Run {
	return &Run{screenshot: screenshot, timeout: timeout, punch: make(chan struct{}, 1)}
}

// OnPunch wraps next to note the first punch.
func (d *Run) OnPunch(next func(clockface.Punch)) func(clockface.Punch) {
	return func(p clockface.Punch) {
		next(p)
		if !d.punched.Swap(true) {
			d.punch <- struct{}{}
		}
	}
}

// Until is the demo's kiosk.Config.Until: wait for the first punch (or
// fail at the timeout), save the screenshot, and stop when headless.
func (d *Run) Until(headless bool) func(context.Context, fyne.Window) error {
	return func(ctx context.Context, w fyne.Window) error {
		var timeout <-chan time.Time
		if d.timeout > 0 {
			t := time.NewTimer(d.timeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timeout:
			return fmt.Errorf("demo: no punch within %v", d.timeout)
		case <-d.punch:
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(shotDelay):
		}
		if d.screenshot != "" {
			if err := SaveScreenshot(w, d.screenshot); err != nil {
				return err
			}
		}
		if !headless {
			<-ctx.Done() // the demo stays open until closed
		}
		return nil
	}
}

// SaveScreenshot writes a PNG of the screen. On an X display it grabs the
// display with ffmpeg (under Xvfb, GL's front buffer reads back black);
// otherwise it captures the window's canvas on the Fyne goroutine.
func SaveScreenshot(w fyne.Window, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if disp := os.Getenv("DISPLAY"); disp != "" {
		if ff, err := exec.LookPath("ffmpeg"); err == nil {
			args := []string{"-loglevel", "error", "-y", "-f", "x11grab"}
			if size := screenSize(disp); size != "" {
				args = append(args, "-video_size", size)
			}
			out, err := exec.Command(ff, append(args, "-i", disp, "-frames:v", "1", path)...).CombinedOutput()
			if err == nil {
				return nil
			}
			return fmt.Errorf("screenshot: ffmpeg x11grab: %v: %s", err, out)
		}
	}
	var img image.Image
	fyne.DoAndWait(func() { img = w.Canvas().Capture() })
	if img == nil {
		return errors.New("screenshot: nothing captured")
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		return fmt.Errorf("screenshot: %w", err)
	}
	return out.Close()
}

// screenSize is the X screen's size ("1280x1024") from xdpyinfo, or "".
func screenSize(disp string) string {
	out, err := exec.Command("xdpyinfo", "-display", disp).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "dimensions:" {
			return f[1]
		}
	}
	return ""
}

// StartXvfb starts a virtual X server on a free display and points
// DISPLAY at it; stop ends it.
func StartXvfb(stderr io.Writer) (stop func(), err error) {
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("headless: no DISPLAY and no Xvfb: %w", err)
	}
	for n := 99; n < 140; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		disp := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, disp, "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("headless: start Xvfb: %w", err)
		}
		// Wait for the server's socket.
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		for i := 0; i < 50; i++ {
			if _, err := os.Stat(sock); err == nil {
				os.Setenv("DISPLAY", disp)
				// GLFW wants a private runtime folder; a bare server session
				// (CI, ssh) often has none.
				if os.Getenv("XDG_RUNTIME_DIR") == "" {
					if dir, err := os.MkdirTemp("", "clockface-xdg-"); err == nil {
						os.Setenv("XDG_RUNTIME_DIR", dir)
					}
				}
				fmt.Fprintf(stderr, "clockface: started Xvfb on %s\n", disp)
				// SIGTERM lets Xvfb remove its lock file.
				return func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	return nil, errors.New("headless: no free X display for Xvfb")
}

// Punched reports whether the kiosk made a punch.
func (d *Run) Punched() bool { return d.punched.Load() }
