// Package enrollcmd holds enroll (consent notice, signature or decline,
// quality-gated samples from a camera, a video or photos, duplicate check)
// and withdraw. The session is enroll's; the frame sources are kiosk's.
package enrollcmd

import "clockface/cmd/clockface/internal/cli"

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }
