// Command clockface is the face-verified time clock: kiosk, enrolment,
// ledger administration, the employer hub and payroll export, as one binary
// with subcommands.
package main

import (
	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/enrollcmd"
	"clockface/cmd/clockface/internal/facecmd"
	"clockface/cmd/clockface/internal/kioskcmd"
	"clockface/cmd/clockface/internal/ledgercmd"
	"clockface/cmd/clockface/internal/synccmd"
	"clockface/embeddings"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // --tz and CLOCKFACE_TZ work on a kiosk without zoneinfo files

	"github.com/spf13/cobra"

	"clockface"
)

// app carries the shared flags and the process's standard streams to every
// subcommand. Each flag is registered only on the commands that use it (see
// ledgerFlags, modelFlags, jsonFlag, tzFlag). Nothing here is global state:
// main builds one and tests can build their own.
type app struct {
	dataDir   string // --data: the kiosk's data folder (ledger, snapshots)
	keyFile   string // --master-key: the master key file, apart from the DB
	modelsDir string // --models: dlib and ONNX model files
	modelName string // --model: dlib or onnx
	jsonOut   bool   // --json: machine-readable output on stdout
	kioskID   string // --kiosk-id
	tz        string // --tz: the site's time zone for times shown to people

	stdin          io.Reader
	stdout, stderr io.Writer
	clock          clockface.Clock
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, clock: clockface.SystemClock{}}
	if err := a.rootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "clockface:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// exitCoder lets a command choose its exit status (e.g. 2 for "no match").
type exitCoder = cli.ExitCoder

// rootCmd is the clockface command with every group's commands.
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "clockface",
		Short:         "Face-verified time clock: kiosk, enrolment, ledger, hub and payroll export",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	env := a.env()
	root.AddCommand(facecmd.Commands(env)...)
	root.AddCommand(ledgercmd.Commands(env)...)
	root.AddCommand(enrollcmd.Commands(env)...)
	root.AddCommand(kioskcmd.Commands(env)...)
	root.AddCommand(a.syncCommands()...)
	root.AddCommand(synccmd.Commands(env)...)
	return root
}

// dataFlag registers --data, for the commands that keep files in the data
// folder without opening the ledger (the hub's default database, the
// kiosk's hub credential).
func (a *app) dataFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.dataDir, "data", defaultDataDir(), "data folder (ledger, snapshots; env CLOCKFACE_DATA)")
}

// kioskIDFlag registers --kiosk-id, for the commands that name this kiosk.
func (a *app) kioskIDFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.kioskID, "kiosk-id", defaultKioskID(), "this kiosk's id, recorded on punches and consents (env CLOCKFACE_KIOSK_ID)")
}

// ledgerFlags registers --data, --master-key and --kiosk-id: what opening
// the kiosk's ledger needs (openLedger, withLedger).
func (a *app) ledgerFlags(cmd *cobra.Command) {
	a.dataFlag(cmd)
	cmd.Flags().StringVar(&a.keyFile, "master-key", "", "master key file (default DATA/keys/master.key; env CLOCKFACE_MASTER_KEY_FILE)")
	a.kioskIDFlag(cmd)
}

// modelFlag registers --model alone, for the commands that name a model
// without loading its files.
func (a *app) modelFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.modelName, "model", "dlib", "embedding model: "+strings.Join(embeddings.ProfileNames(), ", "))
}

// modelFlags registers --models and --model: what openEngine needs.
func (a *app) modelFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.modelsDir, "models", defaultModelsDir(), "folder with the face model files (env CLOCKFACE_MODELS)")
	a.modelFlag(cmd)
}

// jsonFlag registers --json, for the commands that can print JSON.
func (a *app) jsonFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&a.jsonOut, "json", false, "print JSON on stdout")
}

// tzFlag registers --tz, for the commands that print times to people.
func (a *app) tzFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.tz, "tz", "", "the site's time zone for printed times, e.g. Europe/Madrid (default: env CLOCKFACE_TZ, else UTC)")
}

// location is the site zone, for times printed to people and local times
// typed by them: --tz, then $CLOCKFACE_TZ, then the time_zone the hub gave
// at pairing (DATA/hub.json), then UTC. The machine's own zone is never
// guessed: a kiosk PC set to the wrong zone would print wrong times that
// look right, while UTC is always labelled as such.
func (a *app) location() (*time.Location, error) {
	name := a.tz
	if name == "" {
		name = os.Getenv("CLOCKFACE_TZ")
	}
	if name == "" && a.dataDir != "" {
		name = pairedZone(filepath.Join(a.dataDir, "hub.json"))
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: want an IANA name such as Europe/Madrid: %w", name, err)
	}
	return loc, nil
}

// pairedZone is the time_zone field of the hub credential at path, or ""
// when there is no credential or it names no zone. Only that field is
// read.
func pairedZone(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var c struct {
		TimeZone string `json:"time_zone"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.TimeZone
}

// masterKeyPath is the master key file: --master-key, then the environment,
// then DATA/keys/master.key (a folder of its own, apart from the database).
func (a *app) masterKeyPath() string {
	if a.keyFile != "" {
		return a.keyFile
	}
	if p := os.Getenv("CLOCKFACE_MASTER_KEY_FILE"); p != "" {
		return p
	}
	return filepath.Join(a.dataDir, "keys", "master.key")
}

func defaultDataDir() string {
	if d := os.Getenv("CLOCKFACE_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "clockface")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "clockface")
	}
	return "clockface-data"
}

// defaultModelsDir finds the models: $CLOCKFACE_MODELS, then models/ beside
// the binary's folder (bin/../models, as scripts/setup lays it out), then
// ./models.
func defaultModelsDir() string {
	if d := os.Getenv("CLOCKFACE_MODELS"); d != "" {
		return d
	}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(filepath.Dir(exe)), "models")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return "models"
}

func defaultKioskID() string {
	if id := os.Getenv("CLOCKFACE_KIOSK_ID"); id != "" {
		return id
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "kiosk"
}
