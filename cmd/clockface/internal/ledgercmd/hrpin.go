package ledgercmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"clockface/cmd/clockface/internal/cli"
	"clockface/ledger"
)

// hrPINCmd sets the HR PIN that opens the kiosk's admin mode. It is kept in
// the ledger as a keyed Argon2id hash, locks out like an employee PIN and
// every attempt is audited; it is never a flag value.
func (a *app) hrPINCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hr-pin", Short: "Set or remove the HR PIN that opens the kiosk's admin mode"}
	var file string
	set := &cobra.Command{
		Use:   "set",
		Short: "Set the HR PIN (prompted for twice on a terminal, else the first line of stdin or --pin-file)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pin, err := a.NewPIN(file, "new HR PIN: ")
			if err != nil {
				return err
			}
			if pin == "" {
				return errors.New("hr-pin set: empty PIN (use `hr-pin remove` to turn admin mode off)")
			}
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.SetHRPIN(cmd.Context(), pin, cli.Actor()); err != nil {
					return err
				}
				fmt.Fprintln(a.Stdout, "HR PIN set")
				return nil
			})
		},
	}
	set.Flags().StringVar(&file, "pin-file", "", "read the HR PIN from the first line of this file")
	a.LedgerFlags(set)
	remove := &cobra.Command{
		Use:   "remove",
		Short: "Remove the HR PIN: the kiosk's admin mode cannot be opened",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.WithLedger(cmd.Context(), func(l *ledger.Ledger) error {
				if err := l.SetHRPIN(cmd.Context(), "", cli.Actor()); err != nil {
					return err
				}
				fmt.Fprintln(a.Stdout, "HR PIN removed")
				return nil
			})
		},
	}
	a.LedgerFlags(remove)
	cmd.AddCommand(set, remove)
	return cmd
}
