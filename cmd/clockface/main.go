// Command clockface is the face-verified time clock: kiosk, enrolment,
// ledger administration, the employer hub and payroll export, as one binary
// with subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"clockface"
)

// app carries the global flags and the process's standard streams to every
// subcommand. Nothing here is global state: main builds one and tests can
// build their own.
type app struct {
	dataDir   string // --data: the kiosk's data folder (ledger, snapshots)
	keyFile   string // --master-key: the master key file, apart from the DB
	modelsDir string // --models: dlib and ONNX model files
	modelName string // --model: dlib or onnx
	jsonOut   bool   // --json: machine-readable output on stdout
	kioskID   string // --kiosk-id

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
type exitCoder interface{ ExitCode() int }

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "clockface",
		Short:         "Face-verified time clock: kiosk, enrolment, ledger, hub and payroll export",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data", defaultDataDir(), "data folder (ledger, snapshots)")
	pf.StringVar(&a.keyFile, "master-key", "", "master key file (default DATA/keys/master.key; env CLOCKFACE_MASTER_KEY_FILE)")
	pf.StringVar(&a.modelsDir, "models", defaultModelsDir(), "folder with the face model files (env CLOCKFACE_MODELS)")
	pf.StringVar(&a.modelName, "model", "dlib", "embedding model: dlib or onnx")
	pf.BoolVar(&a.jsonOut, "json", false, "print JSON on stdout")
	pf.StringVar(&a.kioskID, "kiosk-id", defaultKioskID(), "this kiosk's id, recorded on punches and consents")

	root.AddCommand(a.faceCommands()...)
	root.AddCommand(a.ledgerCommands()...)
	root.AddCommand(a.enrollCommands()...)
	root.AddCommand(a.kioskCommands()...)
	root.AddCommand(a.syncCommands()...)
	root.AddCommand(a.calibrateCommands()...)
	return root
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
