package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"clockface"
	"clockface/assets"
	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/ledger"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
)

// OpenLedger opens DATA/ledger.db with the master key at MasterKeyPath,
// creating both on first use. Opening runs the retention purge.
func (a *App) OpenLedger(ctx context.Context) (*ledger.Ledger, error) {
	if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	clock := a.Clock
	if clock == nil {
		clock = clockface.SystemClock{}
	}
	return ledger.Open(ctx, ledger.Config{
		Path:    filepath.Join(a.DataDir, "ledger.db"),
		KeyFile: a.MasterKeyPath(),
		Clock:   clock,
		KioskID: a.KioskID,
		ConsentText: func(version, locale string) ([]byte, error) {
			return assets.ConsentText(locale, version)
		},
	})
}

// WithLedger runs f with an open ledger and closes it.
func (a *App) WithLedger(ctx context.Context, f func(*ledger.Ledger) error) error {
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	ferr := f(l)
	if err := l.Close(); err != nil && ferr == nil {
		return err
	}
	return ferr
}

// OpenEngine loads the --model profile's engine from --models, through
// the model registry: the kiosk's live path, one detector pass per frame.
func (a *App) OpenEngine() (embeddings.Engine, error) {
	e, _, err := models.Open(a.ModelName, a.ModelsDir)
	return e, err
}

// OpenPhotoEngine is OpenEngine for photos, where time allows: a photo in
// which the detector finds no face is tried again upsampled and (dlib)
// with the CNN detector (models.OpenPhotos).
func (a *App) OpenPhotoEngine() (embeddings.Engine, error) {
	e, _, err := models.OpenPhotos(a.ModelName, a.ModelsDir)
	return e, err
}

// CredentialPath is where a kiosk keeps its hub credential.
func (a *App) CredentialPath() string { return filepath.Join(a.DataDir, "hub.json") }

// HubClient loads this kiosk's hub credential and makes a signing client.
func (a *App) HubClient() (hubclient.Credential, *hubclient.Client, error) {
	cred, err := hubclient.LoadCredential(a.CredentialPath())
	if err != nil {
		return cred, nil, err
	}
	client, err := hubclient.NewClient(cred, nil, a.Clock)
	return cred, client, err
}

// NewRelay relays l's outbox to the hub through client.
func (a *App) NewRelay(l *ledger.Ledger, cred hubclient.Credential, client *hubclient.Client) *outbox.Relay {
	return outbox.New(l, client, outbox.Options{KioskID: cred.KioskID, Clock: a.Clock,
		Log: slog.New(slog.NewTextHandler(a.Stderr, nil))})
}

// KioskRelay is the hub relay for l, or nil when this kiosk is not paired
// (it has no DATA/hub.json).
func (a *App) KioskRelay(l *ledger.Ledger) (*outbox.Relay, error) {
	cred, client, err := a.HubClient()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("start relay: %w", err)
	}
	return a.NewRelay(l, cred, client), nil
}
