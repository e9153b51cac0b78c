package main

import "github.com/spf13/cobra"

// kioskCommands: owned by the kiosk area; replaced as that area lands.
func (a *app) kioskCommands() []*cobra.Command { return nil }
