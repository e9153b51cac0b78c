package kioskcmd

import (
	"clockface/cmd/clockface/internal/cli"
	"errors"
)

// errNoDisplay is the kiosk's answer to a machine without a screen: one
// clear line and exit status 2, before Fyne starts (Fyne would panic with
// a long Go trace).
var errNoDisplay = cli.ExitError{
	Err:  errors.New("kiosk: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in the kiosk's desktop session, or pass --headless"),
	Code: 2,
}

// checkDisplay returns errNoDisplay unless getenv (os.Getenv) names an X11
// or Wayland display. A headless kiosk needs none: it starts its own Xvfb.
func checkDisplay(headless bool, getenv func(string) string) error {
	if headless || getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return errNoDisplay
}
