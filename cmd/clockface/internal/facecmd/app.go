// Package facecmd holds the face commands: faces, verify and identify on
// image files (against a gallery folder or the ledger's enrolled
// employees), and calibrate, this deployment's measured accuracy and
// self-calibration. The work is in embeddings (reading photos, matching)
// and ledger (site calibration); this package parses flags and prints.
package facecmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/embeddings/models"
)

// app is the shared command environment, with this group's commands as
// methods.
type app struct{ *cli.App }

// enrolledTemplates is identify's gallery without --gallery: the templates
// of every employee face matching may consider (active, enrolled, not
// restricted to PIN). It never creates a ledger.
func (a *app) enrolledTemplates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error) {
	db := filepath.Join(a.DataDir, "ledger.db")
	if _, err := os.Stat(db); err != nil {
		return nil, fmt.Errorf("identify: no ledger (%w): enrol employees with clockface enroll, or pass --gallery DIR", err)
	}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	// A person runs identify: the read is audited.
	ts, err := l.TemplatesAs(ctx, cli.Actor(), m)
	if err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	if len(ts) == 0 {
		if err := l.CheckEnrolledModel(ctx, m, models.Models()); err != nil {
			return nil, fmt.Errorf("identify: %w", err)
		}
		return nil, fmt.Errorf("identify: nobody in %s is enrolled for model %s: enrol with clockface enroll, or pass --gallery DIR", db, m)
	}
	return ts, nil
}
