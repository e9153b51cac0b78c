package main

import "errors"

// errNoDisplay is the kiosk's answer to a machine without a screen: one
// clear line and exit status 2, before Fyne starts (Fyne would panic with
// a long Go trace).
var errNoDisplay = exitError{
	err:  errors.New("kiosk: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in the kiosk's desktop session, or pass --headless"),
	code: 2,
}

// checkDisplay returns errNoDisplay unless getenv (os.Getenv) names an X11
// or Wayland display. A headless kiosk needs none: it starts its own Xvfb.
func checkDisplay(headless bool, getenv func(string) string) error {
	if headless || getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return errNoDisplay
}

// exitError is an error with its own exit status.
type exitError struct {
	err  error
	code int
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
func (e exitError) ExitCode() int { return e.code }
