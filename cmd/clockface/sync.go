package main

import "github.com/spf13/cobra"

// syncCommands: owned by the sync area; replaced as that area lands.
func (a *app) syncCommands() []*cobra.Command { return nil }
