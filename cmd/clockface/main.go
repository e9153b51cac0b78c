// Command clockface is the face-verified time clock: kiosk, enrolment,
// ledger administration, the employer hub and payroll export, as one binary
// with subcommands. Each command group lives in its own package under
// internal/ (flag parsing and printing; the work is in the packages that
// own it); this package builds the root command and runs it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --tz and CLOCKFACE_TZ work on a kiosk without zoneinfo files

	"github.com/spf13/cobra"

	"clockface"
	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/enrollcmd"
	"clockface/cmd/clockface/internal/facecmd"
	"clockface/cmd/clockface/internal/hubcmd"
	"clockface/cmd/clockface/internal/kioskcmd"
	"clockface/cmd/clockface/internal/ledgercmd"
	"clockface/cmd/clockface/internal/synccmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &cli.App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Clock: clockface.SystemClock{}}
	if err := rootCmd(a).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "clockface:", err)
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// rootCmd is the clockface command with every group's commands, all
// sharing a (each registers only the flags it uses).
func rootCmd(a *cli.App) *cobra.Command {
	root := &cobra.Command{
		Use:           "clockface",
		Short:         "Face-verified time clock: kiosk, enrolment, ledger, hub and payroll export",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(facecmd.Commands(a)...)
	root.AddCommand(ledgercmd.Commands(a)...)
	root.AddCommand(enrollcmd.Commands(a)...)
	root.AddCommand(kioskcmd.Commands(a)...)
	root.AddCommand(hubcmd.Commands(a)...)
	root.AddCommand(synccmd.Commands(a)...)
	return root
}
