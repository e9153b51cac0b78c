package synccmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/internal/termsafe"
	"clockface/sync/fleet"
	"clockface/sync/hubclient"
)

// Commands is sync: one relay pass, pair, fleet-key and templates.
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	return []*cobra.Command{a.syncCmd()}
}

func (a *app) syncCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sync",
		Short: "Send this kiosk's pending punches to the hub (one pass)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.syncOnce(cmd.Context()) },
	}
	a.LedgerFlags(c)
	a.JSONFlag(c)
	var hubURL, code, caFile string
	pair := &cobra.Command{
		Use:   "pair",
		Short: "Pair this kiosk with the hub using a one-time code (stores DATA/hub.json, mode 0600)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.pairKiosk(cmd.Context(), hubURL, code, caFile) },
	}
	pair.Flags().StringVar(&hubURL, "hub", "", "hub URL, e.g. https://hub.lan:8443")
	pair.Flags().StringVar(&code, "code", "", "one-time pairing code (made on the hub by: clockface hub kiosk pair)")
	pair.Flags().StringVar(&caFile, "ca", "", "the hub's ca.pem, for a hub with a self-signed CA")
	a.DataFlag(pair)
	a.KioskIDFlag(pair)
	c.AddCommand(pair, a.fleetKeyCmd(), a.templatesCmd())
	return c
}

// syncOnce sends this kiosk's pending punches to the hub, one pass.
func (a *app) syncOnce(ctx context.Context) error {
	cred, client, err := a.HubClient()
	if err != nil {
		return err
	}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	st, err := a.NewRelay(l, cred, client).RunOnce(ctx)
	if a.JSONOut {
		_ = json.NewEncoder(a.Stdout).Encode(st)
	} else {
		fmt.Fprintf(a.Stdout, "sent %d events in %d batches: %d new, %d already on the hub\n", st.Events, st.Batches, st.Accepted, st.Duplicates)
	}
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	left, err := l.OutboxLen(ctx)
	if err == nil && left > 0 {
		fmt.Fprintf(a.Stdout, "%d events still pending\n", left)
	}
	return err
}

// pairKiosk exchanges a one-time code for this kiosk's hub credential
// and stores it in DATA/hub.json.
func (a *app) pairKiosk(ctx context.Context, hubURL, code, caFile string) error {
	if hubURL == "" || code == "" {
		return errors.New("--hub and --code are required")
	}
	var caPEM string
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("read CA: %w", err)
		}
		caPEM = string(b)
	}
	if !strings.HasPrefix(hubURL, "https://") && caPEM != "" {
		return errors.New("--ca given but the hub URL is not https://")
	}
	hc, err := hubclient.HTTPClient(caPEM)
	if err != nil {
		return err
	}
	if w := hubclient.PlainHTTPWarning(hubURL); w != "" {
		fmt.Fprintln(a.Stderr, "clockface: warning: "+w)
	}
	cred, err := hubclient.Pair(ctx, hc, hubURL, code, a.KioskID, caPEM)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if err := cred.Save(a.CredentialPath()); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "paired kiosk %s with %s\n", termsafe.String(cred.KioskID), termsafe.String(cred.HubURL))
	return nil
}

func (a *app) fleetKeyCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "fleet-key",
		Short: "Create a fleet key for opt-in template sharing; copy it to every kiosk, never to the hub",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("%s exists: a fleet key is never overwritten", out)
			}
			k, err := fleet.NewKey()
			if err != nil {
				return err
			}
			if err := k.WriteFile(out); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "fleet key %s written to %s (mode 0600)\n", k.ID(), out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to create")
	return c
}

func (a *app) templatesCmd() *cobra.Command {
	var keyFile string
	c := &cobra.Command{
		Use:   "templates",
		Short: "Opt-in: share face templates with this employer's other kiosks (sealed under the fleet key)",
		Long: `One sharing pass through the hub (which must run with --allow-template-sharing):
templates from other kiosks are imported only for employees with a live consent
on this kiosk; deletions elsewhere delete here; this kiosk's new or changed
templates are sent sealed under the fleet key, and tombstones for deleted ones.
The hub never holds the key. State is kept in DATA/fleet-state.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.shareTemplates(cmd.Context(), keyFile) },
	}
	c.Flags().StringVar(&keyFile, "fleet-key", "", "the fleet key file (made by: clockface sync fleet-key)")
	a.LedgerFlags(c)
	a.ModelFlag(c)
	return c
}

// shareTemplates runs one template-sharing pass through the hub.
func (a *app) shareTemplates(ctx context.Context, keyFile string) error {
	if keyFile == "" {
		return errors.New("--fleet-key is required")
	}
	key, err := fleet.LoadKeyFile(keyFile)
	if err != nil {
		return err
	}
	p, err := embeddings.ProfileNamed(a.ModelName)
	if err != nil {
		return err
	}
	m := p.Model
	_, client, err := a.HubClient()
	if err != nil {
		return err
	}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	statePath := filepath.Join(a.DataDir, "fleet-state.json")
	st, err := fleet.LoadState(statePath)
	if err != nil {
		return err
	}
	r, err := fleet.Share(ctx, key, client, l, m, &st, a.Clock.Now())
	if serr := st.Save(statePath); err == nil {
		err = serr
	}
	for _, rf := range r.Refusals {
		fmt.Fprintln(a.Stderr, rf)
	}
	fmt.Fprintf(a.Stdout, "sent %d templates and %d deletions; imported %d, deleted %d, skipped %d without a consent here, refused %d\n",
		r.Pushed, r.Tombstones, r.Imported, r.Deleted, r.NoConsent, len(r.Refusals))
	return err
}
