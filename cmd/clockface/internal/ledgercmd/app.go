// Package ledgercmd holds the commands that administer the kiosk's ledger:
// employee, punch (by PIN, add, correct, void), dsar, erase, audit, purge,
// key and hr-pin.
package ledgercmd

import "clockface/cmd/clockface/internal/cli"

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }
