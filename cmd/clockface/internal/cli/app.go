// Package cli is what every clockface command group shares: the process's
// streams and clock, the shared flags (each registered only on the
// commands that use it), the data folder and master key file, the site
// zone, the ledger, the face engine, the hub credential, and reading PINs
// and secrets. Nothing here is global state: main builds one App and
// tests build their own.
package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/embeddings"
)

// App carries the shared flags and the process's standard streams to every
// subcommand. Each flag is registered only on the commands that use it (see
// LedgerFlags, ModelFlags, JSONFlag, TZFlag).
type App struct {
	DataDir   string // --data: the kiosk's data folder (ledger, snapshots)
	KeyFile   string // --master-key: the master key file, apart from the DB
	ModelsDir string // --models: dlib and ONNX model files
	ModelName string // --model: a registered profile
	JSONOut   bool   // --json: machine-readable output on stdout
	KioskID   string // --kiosk-id
	TZ        string // --tz: the site's time zone for times shown to people

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Clock          clockface.Clock
}

// DataFlag registers --data, for the commands that keep files in the data
// folder without opening the ledger (the hub's default database, the
// kiosk's hub credential).
func (a *App) DataFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.DataDir, "data", defaultDataDir(), "data folder (ledger, snapshots; env CLOCKFACE_DATA)")
}

// KioskIDFlag registers --kiosk-id, for the commands that name this kiosk.
func (a *App) KioskIDFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.KioskID, "kiosk-id", defaultKioskID(), "this kiosk's id, recorded on punches and consents (env CLOCKFACE_KIOSK_ID)")
}

// LedgerFlags registers --data, --master-key and --kiosk-id: what opening
// the kiosk's ledger needs (OpenLedger, WithLedger).
func (a *App) LedgerFlags(cmd *cobra.Command) {
	a.DataFlag(cmd)
	cmd.Flags().StringVar(&a.KeyFile, "master-key", "", "master key file (default DATA/keys/master.key; env CLOCKFACE_MASTER_KEY_FILE)")
	a.KioskIDFlag(cmd)
}

// ModelFlag registers --model alone, for the commands that name a model
// without loading its files.
func (a *App) ModelFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.ModelName, "model", "dlib", "embedding model: "+strings.Join(embeddings.ProfileNames(), ", "))
}

// ModelFlags registers --models and --model: what OpenEngine needs.
func (a *App) ModelFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.ModelsDir, "models", defaultModelsDir(), "folder with the face model files (env CLOCKFACE_MODELS)")
	a.ModelFlag(cmd)
}

// JSONFlag registers --json, for the commands that can print JSON.
func (a *App) JSONFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&a.JSONOut, "json", false, "print JSON on stdout")
}

// TZFlag registers --tz, for the commands that print times to people.
func (a *App) TZFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.TZ, "tz", "", "the site's time zone for printed times, e.g. Europe/Madrid (default: env CLOCKFACE_TZ, else UTC)")
}

// Location is the site zone, for times printed to people and local times
// typed by them: --tz, then $CLOCKFACE_TZ, then the time_zone the hub gave
// at pairing (DATA/hub.json), then UTC. The machine's own zone is never
// guessed: a kiosk PC set to the wrong zone would print wrong times that
// look right, while UTC is always labelled as such.
func (a *App) Location() (*time.Location, error) {
	name := a.TZ
	if name == "" {
		name = os.Getenv("CLOCKFACE_TZ")
	}
	if name == "" && a.DataDir != "" {
		name = pairedZone(filepath.Join(a.DataDir, "hub.json"))
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

// PeopleTime is how a time is printed to people: in the site zone, with the
// zone's name ("2026-03-02 08:30:00 CET", "... UTC").
func PeopleTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// MasterKeyPath is the master key file: --master-key, then the environment,
// then DATA/keys/master.key (a folder of its own, apart from the database).
func (a *App) MasterKeyPath() string {
	if a.KeyFile != "" {
		return a.KeyFile
	}
	if p := os.Getenv("CLOCKFACE_MASTER_KEY_FILE"); p != "" {
		return p
	}
	return filepath.Join(a.DataDir, "keys", "master.key")
}

// PrintJSON prints v on stdout, indented.
func (a *App) PrintJSON(v any) error {
	return WriteJSON(a.Stdout, v)
}

// WriteJSON writes v to w as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Actor names who runs an admin command, for the audit log.
func Actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// ExitCoder lets a command choose its exit status (e.g. 2 for "no match").
type ExitCoder interface{ ExitCode() int }

// ExitError is an error with its own exit status.
type ExitError struct {
	Err  error
	Code int
}

func (e ExitError) Error() string { return e.Err.Error() }
func (e ExitError) Unwrap() error { return e.Err }
func (e ExitError) ExitCode() int { return e.Code }

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

// ParseKind is a --kind value: a punch kind as people type it.
func ParseKind(s string) (clockface.PunchKind, error) {
	k, err := clockface.ParsePunchKind(s)
	if err != nil {
		return "", fmt.Errorf("--kind: %w", err)
	}
	return k, nil
}
