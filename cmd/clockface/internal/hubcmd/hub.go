package hubcmd

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

	"clockface/cmd/clockface/internal/cli"
	"clockface/internal/termsafe"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// Commands are the hub and payroll export:
//
//	clockface hub serve [--db URL|FILE] [--addr] [--tls-self-signed DIR | --insecure-behind-proxy]
//	clockface hub kiosk pair|revoke|list
//	clockface hub user|config|employee|punch|period|audit|export ...
//	clockface export --from D --to D --format F --out FILE
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	var db, pgSchema string
	addDB := func(c *cobra.Command) {
		c.Flags().StringVar(&db, "db", "", "hub database: postgres://… URL or SQLite file (default DATA/hub.db)")
		c.Flags().StringVar(&pgSchema, "pg-schema", "", "PostgreSQL schema to use (created if missing)")
		if c.Flags().Lookup("data") == nil {
			a.DataFlag(c) // DATA/hub.db is the default --db
		}
	}
	openStore := func(ctx context.Context) (*hub.DB, error) {
		path := db
		if path == "" {
			if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data folder: %w", err)
			}
			path = filepath.Join(a.DataDir, "hub.db")
		}
		return hub.Open(ctx, path, pgSchema)
	}

	// An export or an edit reads an existing hub database and never
	// creates one: a mistyped --db must fail, not write an empty file.
	openExisting := func(ctx context.Context) (*hub.DB, error) {
		path := db
		if path == "" {
			path = filepath.Join(a.DataDir, "hub.db")
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
	hubCmd.AddCommand(a.hubSiteCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubPunchCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubPeriodCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubAuditCmd(addDB, openExisting))
	hubCmd.AddCommand(a.hubExportCmd(addDB, openExisting))
	exportCmd := a.exportCmd(addDB, openExisting)
	return []*cobra.Command{hubCmd, exportCmd}
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
	srv := hub.NewServer(st, a.Clock, slog.New(slog.NewTextHandler(a.Stderr, nil)))
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
		if tlsCfg, err = hub.SelfSignedTLS(o.tlsDir, o.hosts, a.Clock.Now()); err != nil {
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
		fmt.Fprintf(a.Stdout, "hub listening on %s://%s\n", scheme, na)
		if o.tlsDir != "" {
			fmt.Fprintf(a.Stdout, "kiosks trust %s\n", filepath.Join(o.tlsDir, hub.CAFile))
		}
	})
}

func (a *app) hubKioskCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	k := &cobra.Command{Use: "kiosk", Short: "Pair, revoke and list kiosks"}
	var ttl time.Duration
	var forKiosk, reason, who string
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
	a.JSONFlag(pair)
	revoke := &cobra.Command{
		Use:   "revoke KIOSK-ID",
		Short: "Revoke a kiosk's credential; its requests are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := open.with(cmd.Context(), func(st *hub.DB) error {
				if reason != "" {
					return st.RevokeKiosk(cmd.Context(), args[0], reason, actorOr(who), a.Clock.Now())
				}
				return st.Revoke(cmd.Context(), args[0], a.Clock.Now())
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "revoked %s\n", args[0])
			return nil
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why; kept on the kiosk's row and in the hub's audit log")
	actorFlag(revoke, &who)
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
	a.JSONFlag(list)
	k.AddCommand(pair, revoke, list)
	return k
}

// pairingCode makes a one-time pairing code (for kiosk forKiosk only,
// if set) and prints it.
func (a *app) pairingCode(ctx context.Context, st hub.CodeStore, ttl time.Duration, forKiosk string) error {
	code, err := hub.NewPairingCodeFor(ctx, st, a.Clock.Now(), ttl, forKiosk)
	if err != nil {
		return err
	}
	if a.JSONOut {
		return json.NewEncoder(a.Stdout).Encode(map[string]any{"code": code, "expires": a.Clock.Now().Add(ttl)})
	}
	fmt.Fprintf(a.Stdout, "%s\n(valid once, for %s: on the kiosk run `clockface sync pair --hub URL --code %s`)\n", code, ttl, code)
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
	if a.JSONOut {
		return json.NewEncoder(a.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
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

func parseWeekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("--week-start %q: want a day name", s)
}
