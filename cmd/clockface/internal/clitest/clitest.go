// Package clitest helps the command groups' tests run their commands in
// process, as main does: a root command holding the group's commands, and
// arguments ordered the way cobra wants them now that every flag lives on
// the commands that use it.
package clitest

import (
	"strings"

	"github.com/spf13/cobra"
)

// Root is a clockface root command holding cmds, silenced as main's is.
func Root(cmds ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{Use: "clockface", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(cmds...)
	return root
}

// Args orders a test's arguments for root: the command words first, then
// the rest as given, then each defaults pair (--flag value) that the
// command has and args does not set.
func Args(root *cobra.Command, args []string, defaults ...string) []string {
	cur := root
	var path, rest []string
	for _, tok := range args {
		if c := childNamed(cur, tok); c != nil {
			path, cur = append(path, tok), c
			continue
		}
		rest = append(rest, tok)
	}
	out := append(path, rest...)
	for i := 0; i+1 < len(defaults); i += 2 {
		name := strings.TrimPrefix(defaults[i], "--")
		if cur.Flags().Lookup(name) == nil || hasFlag(args, name) {
			continue
		}
		out = append(out, defaults[i], defaults[i+1])
	}
	return out
}

func childNamed(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name {
			return sub
		}
	}
	return nil
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}
