package main

import "github.com/spf13/cobra"

// faceCommands: owned by the faces area; replaced as that area lands.
func (a *app) faceCommands() []*cobra.Command { return nil }
