package main

import (
	"clockface/sync/hubclient"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/attendance"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/embeddings/onnx"
	"clockface/ledger"
	"clockface/payroll"
	"clockface/sync/fleet"
	"clockface/sync/hub"
	"clockface/sync/outbox"
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
	}
	openStore := func(ctx context.Context) (hub.Store, error) {
		path := db
		if path == "" {
			if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data folder: %w", err)
			}
			path = filepath.Join(a.dataDir, "hub.db")
		}
		return hub.Open(ctx, path, pgSchema)
	}

	hubCmd := &cobra.Command{Use: "hub", Short: "The employer's hub: receives punches from kiosks"}
	hubCmd.AddCommand(a.hubServeCmd(addDB, openStore), a.hubKioskCmd(addDB, openStore))
	hubCmd.AddCommand(a.hubUserCmd())
	exportCmd := a.exportCmd(addDB, openStore)
	return []*cobra.Command{hubCmd, a.syncCmd(), exportCmd}
}

type storeOpener func(ctx context.Context) (hub.Store, error)

// with runs f with an open hub store and closes it.
func (open storeOpener) with(ctx context.Context, f func(hub.Store) error) error {
	st, err := open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

func (a *app) hubServeCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var addr, tlsDir string
	var behindProxy, sharing bool
	var hosts []string
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
			ctx := cmd.Context()
			st, err := open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			srv := hub.NewServer(st, a.clock, slog.New(slog.NewTextHandler(a.stderr, nil)))
			if sharing {
				srv.EnableTemplateSharing()
			}
			scheme := "http"
			var tlsCfg *tls.Config
			if tlsDir != "" {
				if tlsCfg, err = hub.SelfSignedTLS(tlsDir, hosts, a.clock.Now()); err != nil {
					return err
				}
				scheme = "https"
			}
			if addr == "" {
				addr = "127.0.0.1:8080"
				if tlsDir != "" {
					addr = ":8443"
				}
			}
			return srv.ListenAndServe(ctx, addr, tlsCfg, func(na net.Addr) {
				fmt.Fprintf(a.stdout, "hub listening on %s://%s\n", scheme, na)
				if tlsDir != "" {
					fmt.Fprintf(a.stdout, "kiosks trust %s\n", filepath.Join(tlsDir, hub.CAFile))
				}
			})
		},
	}
	addDB(c)
	c.Flags().StringVar(&addr, "addr", "", "listen address (default :8443 with TLS, 127.0.0.1:8080 behind a proxy)")
	c.Flags().StringVar(&tlsDir, "tls-self-signed", "", "folder for the hub's private CA and certificate")
	c.Flags().BoolVar(&behindProxy, "insecure-behind-proxy", false, "serve plain HTTP behind a TLS-terminating reverse proxy")
	c.Flags().BoolVar(&sharing, "allow-template-sharing", false, "opt in: store and forward fleet-sealed templates between kiosks (ciphertext only)")
	c.Flags().StringSliceVar(&hosts, "tls-host", nil, "extra DNS names or IPs for the certificate (first run only)")
	return c
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
			var code string
			err := open.with(cmd.Context(), func(st hub.Store) (err error) {
				code, err = hub.NewPairingCodeFor(cmd.Context(), st, a.clock.Now(), ttl, forKiosk)
				return err
			})
			if err != nil {
				return err
			}
			if a.jsonOut {
				return json.NewEncoder(a.stdout).Encode(map[string]any{"code": code, "expires": a.clock.Now().Add(ttl)})
			}
			fmt.Fprintf(a.stdout, "%s\n(valid once, for %s: on the kiosk run `clockface sync pair --hub URL --code %s`)\n", code, ttl, code)
			return nil
		},
	}
	pair.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the code stays valid")
	pair.Flags().StringVar(&forKiosk, "kiosk", "", "re-pair this existing (e.g. revoked or reinstalled) kiosk id; the code works for it only")
	addDB(pair)
	revoke := &cobra.Command{
		Use:   "revoke KIOSK-ID",
		Short: "Revoke a kiosk's credential; its requests are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := open.with(cmd.Context(), func(st hub.Store) error {
				return st.Revoke(cmd.Context(), args[0], a.clock.Now())
			})
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
			var ks []hub.Kiosk
			err := open.with(cmd.Context(), func(st hub.Store) (err error) {
				ks, err = st.Kiosks(cmd.Context())
				return err
			})
			if err != nil {
				return err
			}
			type row struct {
				ID        string     `json:"id"`
				Paired    time.Time  `json:"paired"`
				Revoked   *time.Time `json:"revoked,omitempty"`
				LastSeen  *time.Time `json:"last_seen,omitempty"`
				SkewMS    int64      `json:"skew_ms"`
				AuditSeq  int64      `json:"audit_seq"`
				AuditHash string     `json:"audit_hash"`
				// AuditFlags counts audit heads that went back or changed
				// hash at a sequence number already seen.
				AuditFlags int64 `json:"audit_flags"`
			}
			rows := make([]row, len(ks))
			for i, k := range ks {
				rows[i] = row{k.ID, k.CreatedAt, k.RevokedAt, k.LastSeen, k.LastSkew.Milliseconds(), k.AuditSeq, k.AuditHash, k.AuditFlags}
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
				skew := (time.Duration(r.SkewMS) * time.Millisecond).String()
				if r.SkewMS > 120000 || r.SkewMS < -120000 {
					skew += " (!)"
				}
				flags := fmt.Sprint(r.AuditFlags)
				if r.AuditFlags > 0 {
					flags += " (!)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Paired.Format(time.RFC3339), status, seen, skew, r.AuditSeq, flags)
			}
			return tw.Flush()
		},
	}
	addDB(list)
	k.AddCommand(pair, revoke, list)
	return k
}

// credentialPath is where a kiosk keeps its hub credential.
func (a *app) credentialPath() string { return filepath.Join(a.dataDir, "hub.json") }

// startRelay runs the hub relay in its own goroutine until ctx ends, if
// this kiosk is paired (DATA/hub.json). The kiosk calls the returned
// notify after each punch; it never blocks. An unpaired kiosk gets a
// no-op and keeps its punches in the outbox until `clockface sync pair`.
func (a *app) startRelay(ctx context.Context, l *ledger.Ledger) (notify func(), err error) {
	cred, client, err := a.hubClient()
	if errors.Is(err, os.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	relay := a.newRelay(l, cred, client)
	go relay.Run(ctx)
	return relay.Notify, nil
}

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
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
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
		},
	}
	var hubURL, code, caFile string
	pair := &cobra.Command{
		Use:   "pair",
		Short: "Pair this kiosk with the hub using a one-time code (stores DATA/hub.json, mode 0600)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			cred, err := hubclient.Pair(cmd.Context(), hc, hubURL, code, a.kioskID, caPEM)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
				return fmt.Errorf("data folder: %w", err)
			}
			if err := cred.Save(a.credentialPath()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "paired kiosk %s with %s\n", cred.KioskID, cred.HubURL)
			return nil
		},
	}
	pair.Flags().StringVar(&hubURL, "hub", "", "hub URL, e.g. https://hub.lan:8443")
	pair.Flags().StringVar(&code, "code", "", "one-time pairing code (made on the hub by: clockface hub kiosk pair)")
	pair.Flags().StringVar(&caFile, "ca", "", "the hub's ca.pem, for a hub with a self-signed CA")
	c.AddCommand(pair, a.fleetKeyCmd(), a.templatesCmd())
	return c
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if keyFile == "" {
				return errors.New("--fleet-key is required")
			}
			key, err := fleet.LoadKeyFile(keyFile)
			if err != nil {
				return err
			}
			var m embeddings.Model
			switch a.modelName {
			case dlib.ModelName:
				m = dlib.Model()
			case onnx.ModelName:
				m = onnx.Model()
			default:
				return fmt.Errorf("unknown model %q", a.modelName)
			}
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
			fmt.Fprintf(a.stdout, "sent %d templates and %d deletions; imported %d, deleted %d, skipped %d without a consent here\n",
				r.Pushed, r.Tombstones, r.Imported, r.Deleted, r.NoConsent)
			return err
		},
	}
	c.Flags().StringVar(&keyFile, "fleet-key", "", "the fleet key file (made by: clockface sync fleet-key)")
	return c
}

func (a *app) exportCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var from, to, format, out, tz, weekStart string
	var fromLedger bool
	var rounding int
	var dailyOT, doubleTime time.Duration
	var o payroll.Options
	c := &cobra.Command{
		Use:   "export",
		Short: "Compute timesheets for a period and write a payroll file",
		Long: `Compute timesheets for --from to --to (inclusive dates) and write a payroll file.
Punches come from the hub database (--db), which holds every kiosk's punches;
--from-ledger reads this kiosk's own ledger (--data) instead, for a site with
one kiosk and no hub. A reconciliation summary is printed before the file is
written, and the file's totals equal it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			loc := time.Local
			if tz != "" {
				var err error
				if loc, err = time.LoadLocation(tz); err != nil {
					return fmt.Errorf("--tz: %w", err)
				}
			}
			f, err := time.ParseInLocation(time.DateOnly, from, loc)
			if err != nil {
				return fmt.Errorf("--from: want YYYY-MM-DD: %w", err)
			}
			t, err := time.ParseInLocation(time.DateOnly, to, loc)
			if err != nil {
				return fmt.Errorf("--to: want YYYY-MM-DD: %w", err)
			}
			end := t.AddDate(0, 0, 1)
			o.Format = payroll.Format(format)
			if out == "" {
				return errors.New("--out is required")
			}
			path, err := exportPath(out, o)
			if err != nil {
				return err
			}
			ws, err := parseWeekday(weekStart)
			if err != nil {
				return err
			}
			rules := attendance.Rules{Location: loc, WeekStart: ws, DailyOT: dailyOT, DoubleTime: doubleTime,
				Rounding: time.Duration(rounding) * time.Minute}
			var punches []clockface.Punch
			var people []clockface.Employee
			qFrom, qTo := f.Add(-24*time.Hour), end.Add(24*time.Hour)
			if fromLedger {
				l, err := a.openLedger(ctx)
				if err != nil {
					return err
				}
				defer l.Close()
				if punches, err = l.Punches(ctx, qFrom, qTo); err != nil {
					return err
				}
				if people, err = l.Employees(ctx); err != nil {
					return err
				}
			} else {
				err := open.with(ctx, func(st hub.Store) (err error) {
					if punches, err = st.Punches(ctx, qFrom, qTo); err != nil {
						return err
					}
					people, err = st.Employees(ctx)
					return err
				})
				if err != nil {
					return err
				}
			}
			sheet, err := attendance.Build(punches, f, end, rules)
			if err != nil {
				return err
			}
			names := map[string]string{}
			for _, p := range people {
				names[p.Number] = p.Name
			}
			sum := payroll.Summarise(sheet, names)
			if _, err := payroll.Render(sum, o); err != nil {
				return err // before printing: a summary for a file never written misleads
			}
			if err := sum.WriteText(a.stdout); err != nil {
				return err
			}
			if err := payroll.Write(path, sum, o); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s (%s)\n", path, o.Format)
			return nil
		},
	}
	addDB(c)
	fl := c.Flags()
	fl.StringVar(&from, "from", "", "first day, YYYY-MM-DD")
	fl.StringVar(&to, "to", "", "last day (inclusive), YYYY-MM-DD")
	fl.StringVar(&format, "format", "generic", "generic, adp, paychex, gusto or iif")
	fl.StringVar(&out, "out", "", "output file (for adp, a folder or a file named PRcccEPI.csv)")
	fl.BoolVar(&fromLedger, "from-ledger", false, "read punches from this kiosk's ledger (--data) instead of the hub")
	fl.StringVar(&tz, "tz", "", "time zone for days and weeks (default: the system's)")
	fl.StringVar(&weekStart, "week-start", "sunday", "first day of the work week")
	fl.IntVar(&rounding, "rounding", 0, "round punches to 0 (none), 5, 6 or 15 minutes")
	fl.DurationVar(&dailyOT, "daily-ot", 0, "daily overtime after this (e.g. 8h); 0 = weekly only")
	fl.DurationVar(&doubleTime, "double-time", 0, "double time after this many hours a day (e.g. 12h); 0 = none")
	fl.StringVar(&o.Company, "company", "", "ADP Co Code, Paychex Company ID or QuickBooks company name")
	fl.StringVar(&o.BatchID, "batch-id", "", "ADP Batch ID (default CLOCKFACE)")
	c.MarkFlagRequired("from")
	c.MarkFlagRequired("to")
	return c
}

// exportPath applies ADP's file-name rule: a folder gets PRcccEPI.csv
// inside it; a file must already be named so.
func exportPath(out string, o payroll.Options) (string, error) {
	want := payroll.FileName(o)
	if want == "" {
		return out, nil
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return filepath.Join(out, want), nil
	}
	if filepath.Base(out) != want {
		return "", fmt.Errorf("ADP needs the file named %s (or give a folder as --out)", want)
	}
	return out, nil
}

func parseWeekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("--week-start %q: want a day name", s)
}
