package main

import "github.com/spf13/cobra"

// ledgerCommands: owned by the ledger area; replaced as that area lands.
func (a *app) ledgerCommands() []*cobra.Command { return nil }
