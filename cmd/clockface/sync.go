package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"clockface/embeddings"
	"clockface/internal/termsafe"
	"clockface/ledger"
	"clockface/sync/fleet"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

// syncCommands are the hub, the kiosk's relay and payroll export:
//
//	clockface hub serve [--db URL|FILE] [--addr] [--tls-self-signed DIR | --insecure-behind-proxy]
//	clockface hub kiosk pair|revoke|list
//	clockface sync [pair --hub URL --code CODE [--ca FILE]]
//	clockface export --from D --to D --format F --out FILE
func (a *app) syncCommands() []*cobra.Command {
	var db, pgSchema string
	addDB := func(c *cobra.Command) {
		c.Flags().StringVar(&db, "db", "", "hub database: postgres://… URL or SQLite file (default DATA/hub.db)")
		c.Flags().StringVar(&pgSchema, "pg-schema", "", "PostgreSQL schema to use (created if missing)")
		if c.Flags().Lookup("data") == nil {
			a.dataFlag(c) // DATA/hub.db is the default --db
		}
	}
	openStore := func(ctx context.Context) (*hub.DB, error) {
		path := db
		if path == "" {
			if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data folder: %w", err)
			}
			path = filepath.Join(a.dataDir, "hub.db")
		}
		return hub.Open(ctx, path, pgSchema)
	}

	// An export or an edit reads an existing hub database and never
	// creates one: a mistyped --db must fail, not write an empty file.
	openExisting := func(ctx context.Context) (*hub.DB, error) {
		path := db
		if path == "" {
			path = filepath.Join(a.dataDir, "hub.db")
		}
		if !hub.IsPostgresURL(path) {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("hub database %s: %w (export never creates one: give --db, or --from-ledger on a kiosk)", path, err)
			}
		}
		return hub.Open(ctx, path, pgSchema)
	}
	hubCmd := &cobra.Command{Use: "hub", Short: "The employer's hub: receives punches from kiosks"}
	hubCmd.AddCommand(a.hubServeCmd(addDB, openStore), a.hubKioskCmd(addDB, openStore))
	hubCmd.AddCommand(a.hubUserCmd())
	hubCmd.AddCommand(a.hubConfigCmd(addDB, openStore))
	hubCmd.AddCommand(a.hubEmployeeCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubPunchCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubPeriodCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubAuditCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubExportCmd(addDB, openExisting))
	exportCmd := a.exportCmd(addDB, openExisting)
	return []*cobra.Command{hubCmd, a.syncCmd(), exportCmd}
}

type storeOpener func(ctx context.Context) (*hub.DB, error)

// with runs f with an open hub store and closes it. f takes the store's
// concrete type and hands each helper the small interface it needs.
func (open storeOpener) with(ctx context.Context, f func(*hub.DB) error) error {
	st, err := open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

func (a *app) hubServeCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var addr, tlsDir string
	var behindProxy, sharing, metrics bool
	var hosts []string
	var web *hubWebFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the hub's HTTP API",
		Long: `Run the hub. Choose one transport:
  --tls-self-signed DIR   HTTPS with a private CA created in DIR on first run;
                          give kiosks DIR/ca.pem (sync pair --ca).
  --insecure-behind-proxy plain HTTP, for a reverse proxy that terminates TLS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (tlsDir == "") == !behindProxy {
				return errors.New("choose exactly one of --tls-self-signed DIR and --insecure-behind-proxy")
			}
			return open.with(cmd.Context(), func(st *hub.DB) error {
				h, err := a.hubWeb(cmd.Context(), st, web)
				if err != nil {
					return err
				}
				return a.serveHub(cmd.Context(), st, hubServeOptions{addr: addr, tlsDir: tlsDir, hosts: hosts, sharing: sharing, metrics: metrics, web: h})
			})
		},
	}
	addDB(c)
	web = a.addHubWebFlags(c)
	c.Flags().StringVar(&addr, "addr", "", "listen address (default :8443 with TLS, 127.0.0.1:8080 behind a proxy)")
	c.Flags().StringVar(&tlsDir, "tls-self-signed", "", "folder for the hub's private CA and certificate")
	c.Flags().BoolVar(&behindProxy, "insecure-behind-proxy", false, "serve plain HTTP behind a TLS-terminating reverse proxy")
	c.Flags().BoolVar(&metrics, "metrics", false, "serve /metrics to every address (default: loopback only, never through a proxy)")
	c.Flags().BoolVar(&sharing, "allow-template-sharing", false, "opt in: store and forward fleet-sealed templates between kiosks (ciphertext only)")
	c.Flags().StringSliceVar(&hosts, "tls-host", nil, "extra DNS names or IPs for the certificate (first run only)")
	return c
}

// hubServeOptions are `hub serve`'s choices.
type hubServeOptions struct {
	addr, tlsDir string // tlsDir empty: plain HTTP behind a proxy
	hosts        []string
	sharing      bool
	metrics      bool         // /metrics for every address, not loopback only
	web          http.Handler // the dashboard, mounted at /; nil for none
}

// serveHub runs the hub's API on st until ctx ends.
func (a *app) serveHub(ctx context.Context, st hub.ServerStore, o hubServeOptions) error {
	srv := hub.NewServer(st, a.clock, slog.New(slog.NewTextHandler(a.stderr, nil)))
	if o.sharing {
		srv.EnableTemplateSharing()
	}
	if o.metrics {
		srv.EnableMetrics()
	}
	if o.web != nil {
		srv.MountWeb(o.web)
	}
	scheme, addr := "http", o.addr
	var tlsCfg *tls.Config
	if o.tlsDir != "" {
		var err error
		if tlsCfg, err = hub.SelfSignedTLS(o.tlsDir, o.hosts, a.clock.Now()); err != nil {
			return err
		}
		scheme = "https"
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
		if o.tlsDir != "" {
			addr = ":8443"
		}
	}
	return srv.ListenAndServe(ctx, addr, tlsCfg, func(na net.Addr) {
		fmt.Fprintf(a.stdout, "hub listening on %s://%s\n", scheme, na)
		if o.tlsDir != "" {
			fmt.Fprintf(a.stdout, "kiosks trust %s\n", filepath.Join(o.tlsDir, hub.CAFile))
		}
	})
}

func (a *app) hubKioskCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	k := &cobra.Command{Use: "kiosk", Short: "Pair, revoke and list kiosks"}
	var ttl time.Duration
	var forKiosk string
	pair := &cobra.Command{
		Use:   "pair",
		Short: "Create a one-time pairing code for a new kiosk (or, with --kiosk, to re-pair that one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error { return a.pairingCode(cmd.Context(), st, ttl, forKiosk) })
		},
	}
	pair.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the code stays valid")
	pair.Flags().StringVar(&forKiosk, "kiosk", "", "re-pair this existing (e.g. revoked or reinstalled) kiosk id; the code works for it only")
	addDB(pair)
	a.jsonFlag(pair)
	revoke := &cobra.Command{
		Use:   "revoke KIOSK-ID",
		Short: "Revoke a kiosk's credential; its requests are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := open.with(cmd.Context(), func(st *hub.DB) error { return st.Revoke(cmd.Context(), args[0], a.clock.Now()) })
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "revoked %s\n", args[0])
			return nil
		},
	}
	addDB(revoke)
	list := &cobra.Command{
		Use:   "list",
		Short: "List paired kiosks with their last contact, clock skew, audit head and flagged audit heads",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error { return a.listKiosks(cmd.Context(), st) })
		},
	}
	addDB(list)
	a.jsonFlag(list)
	k.AddCommand(pair, revoke, list)
	return k
}

// pairingCode makes a one-time pairing code (for kiosk forKiosk only,
// if set) and prints it.
func (a *app) pairingCode(ctx context.Context, st hub.CodeStore, ttl time.Duration, forKiosk string) error {
	code, err := hub.NewPairingCodeFor(ctx, st, a.clock.Now(), ttl, forKiosk)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return json.NewEncoder(a.stdout).Encode(map[string]any{"code": code, "expires": a.clock.Now().Add(ttl)})
	}
	fmt.Fprintf(a.stdout, "%s\n(valid once, for %s: on the kiosk run `clockface sync pair --hub URL --code %s`)\n", code, ttl, code)
	return nil
}

// kioskRow is one line of `hub kiosk list`.
type kioskRow struct {
	ID        string     `json:"id"`
	Paired    time.Time  `json:"paired"`
	Revoked   *time.Time `json:"revoked,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	SkewMS    int64      `json:"skew_ms"`
	AuditSeq  int64      `json:"audit_seq"`
	AuditHash string     `json:"audit_hash"`
	// AuditFlags counts audit heads that went back or changed hash at a
	// sequence number already seen.
	AuditFlags int64 `json:"audit_flags"`
}

// listKiosks prints the paired kiosks, as JSON or a table.
func (a *app) listKiosks(ctx context.Context, st hub.Kiosks) error {
	ks, err := st.Kiosks(ctx)
	if err != nil {
		return err
	}
	rows := make([]kioskRow, len(ks))
	for i, k := range ks {
		rows[i] = kioskRow{k.ID, k.CreatedAt, k.RevokedAt, k.LastSeen, k.LastSkew.Milliseconds(), k.AuditSeq, k.AuditHash, k.AuditFlags}
	}
	if a.jsonOut {
		return json.NewEncoder(a.stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIOSK\tPAIRED\tSTATUS\tLAST SEEN\tCLOCK SKEW\tAUDIT HEAD\tAUDIT FLAGS")
	for _, r := range rows {
		status, seen := "active", "never"
		if r.Revoked != nil {
			status = "revoked"
		}
		if r.LastSeen != nil {
			seen = r.LastSeen.Format(time.RFC3339)
		}
		skew := time.Duration(r.SkewMS) * time.Millisecond
		shown := skew.String()
		if skew > wire.SkewThreshold || skew < -wire.SkewThreshold {
			shown += " (!)" // the hub flagged this batch's clock
		}
		flags := fmt.Sprint(r.AuditFlags)
		if r.AuditFlags > 0 {
			flags += " (!)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", termsafe.String(r.ID), r.Paired.Format(time.RFC3339), status, seen, shown, r.AuditSeq, flags)
	}
	return tw.Flush()
}

// credentialPath is where a kiosk keeps its hub credential.
func (a *app) credentialPath() string { return filepath.Join(a.dataDir, "hub.json") }

// hubClient loads this kiosk's hub credential and makes a signing client.
func (a *app) hubClient() (hubclient.Credential, *hubclient.Client, error) {
	cred, err := hubclient.LoadCredential(a.credentialPath())
	if err != nil {
		return cred, nil, err
	}
	client, err := hubclient.NewClient(cred, nil, a.clock)
	return cred, client, err
}

// newRelay relays l's outbox to the hub through client.
func (a *app) newRelay(l *ledger.Ledger, cred hubclient.Credential, client *hubclient.Client) *outbox.Relay {
	return outbox.New(l, client, outbox.Options{KioskID: cred.KioskID, Clock: a.clock,
		Log: slog.New(slog.NewTextHandler(a.stderr, nil))})
}

func (a *app) syncCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sync",
		Short: "Send this kiosk's pending punches to the hub (one pass)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.syncOnce(cmd.Context()) },
	}
	a.ledgerFlags(c)
	a.jsonFlag(c)
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
	a.dataFlag(pair)
	a.kioskIDFlag(pair)
	c.AddCommand(pair, a.fleetKeyCmd(), a.templatesCmd())
	return c
}

// syncOnce sends this kiosk's pending punches to the hub, one pass.
func (a *app) syncOnce(ctx context.Context) error {
	cred, client, err := a.hubClient()
	if err != nil {
		return err
	}
	l, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	st, err := a.newRelay(l, cred, client).RunOnce(ctx)
	if a.jsonOut {
		_ = json.NewEncoder(a.stdout).Encode(st)
	} else {
		fmt.Fprintf(a.stdout, "sent %d events in %d batches: %d new, %d already on the hub\n", st.Events, st.Batches, st.Accepted, st.Duplicates)
	}
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	left, err := l.OutboxLen(ctx)
	if err == nil && left > 0 {
		fmt.Fprintf(a.stdout, "%d events still pending\n", left)
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
		fmt.Fprintln(a.stderr, "clockface: warning: "+w)
	}
	cred, err := hubclient.Pair(ctx, hc, hubURL, code, a.kioskID, caPEM)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if err := cred.Save(a.credentialPath()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "paired kiosk %s with %s\n", termsafe.String(cred.KioskID), termsafe.String(cred.HubURL))
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
			fmt.Fprintf(a.stdout, "fleet key %s written to %s (mode 0600)\n", k.ID(), out)
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
	a.ledgerFlags(c)
	a.modelFlag(c)
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
	p, err := embeddings.ProfileNamed(a.modelName)
	if err != nil {
		return err
	}
	m := p.Model
	_, client, err := a.hubClient()
	if err != nil {
		return err
	}
	l, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	statePath := filepath.Join(a.dataDir, "fleet-state.json")
	st, err := fleet.LoadState(statePath)
	if err != nil {
		return err
	}
	r, err := fleet.Share(ctx, key, client, l, m, &st, a.clock.Now())
	if serr := st.Save(statePath); err == nil {
		err = serr
	}
	for _, rf := range r.Refusals {
		fmt.Fprintln(a.stderr, rf)
	}
	fmt.Fprintf(a.stdout, "sent %d templates and %d deletions; imported %d, deleted %d, skipped %d without a consent here, refused %d\n",
		r.Pushed, r.Tombstones, r.Imported, r.Deleted, r.NoConsent, len(r.Refusals))
	return err
}

func parseWeekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("--week-start %q: want a day name", s)
}
