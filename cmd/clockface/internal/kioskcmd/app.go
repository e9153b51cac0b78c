// Package kioskcmd holds kiosk (the time clock on the ledger) and demo (a
// fresh ledger, a demo employee enrolled from one video and clocked in
// from another). kiosk.Run owns the process; this package checks the
// flags and opens what kiosk.Config needs.
package kioskcmd

import "clockface/cmd/clockface/internal/cli"

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }
