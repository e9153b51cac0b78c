// Package hubcmd holds the employer's hub commands: hub serve, hub kiosk,
// hub user, hub config, hub employee, hub punch, hub period, hub audit and
// hub export, and export (a pay period's payroll file, through payrun).
// Each edit is audited in the hub's own hash-chained log with --actor
// (default: the OS user).
package hubcmd

import "clockface/cmd/clockface/internal/cli"

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }
