// Package synccmd holds the kiosk's side of the hub: sync (one relay pass
// of the outbox), sync pair (the one-time code for a credential), sync
// fleet-key and sync templates (opt-in fleet template sharing).
package synccmd

import "clockface/cmd/clockface/internal/cli"

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }
