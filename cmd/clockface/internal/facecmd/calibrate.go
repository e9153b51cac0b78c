package facecmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/ledger"
)

// knownModels are the models of every registered profile: what templates
// can be made with.
func knownModels() []embeddings.Model { return models.Models() }

func (a *app) calibrateCmd() *cobra.Command {
	var apply, lookalikes bool
	cmd := &cobra.Command{
		Use:   "calibrate [--data DIR] [--model NAME] [--apply] [--lookalikes] [--json]",
		Short: "Measure genuine and impostor distances on the enrolled employees and print the operating point",
		Long: `calibrate compares every pair of enrolled samples in the ledger: two samples of
one employee are a genuine pair, samples of two employees an impostor pair. For
each model (or only --model, if given) it prints the error rates at the
configured accept distance, the ROC points (TAR at FAR 1% and 0.1%, the
zero-false-accept point, AUC) and the operating point for this deployment.

It also shows the site's self-calibration: the nearest pair of different
enrolled people (each enrolment measures the new template against all
others), the effective accept distance the kiosk and the face commands use
(the shipped one, or the nearest pair's distance minus the model's headroom
if that is lower), and every change of it from the audit log. --apply
measures every pair again and stores the result (audited). --lookalikes
lists the pairs of employees the model cannot tell apart well (nearer than
its review distance): punch them by PIN, or by badge plus face, not by face
alone. Without --apply nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runCalibrate(cmd.Context(), cmd.Flags().Changed("model"), apply, lookalikes)
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "measure every pair of enrolled people again and store the site calibration (audited)")
	cmd.Flags().BoolVar(&lookalikes, "lookalikes", false, "list the pairs of employees the model cannot tell apart well, for HR")
	a.LedgerFlags(cmd)
	a.ModelFlag(cmd)
	a.JSONFlag(cmd)
	return cmd
}

// runCalibrate is calibrate: every registered model somebody is enrolled
// with, or only --model when oneModel is set.
func (a *app) runCalibrate(ctx context.Context, oneModel, apply, lookalikes bool) error {
	models, onlyEnrolled := knownModels(), true
	if oneModel {
		m, err := modelNamed(a.ModelName)
		if err != nil {
			return err
		}
		models, onlyEnrolled = []embeddings.Model{m}, false
	}
	db := filepath.Join(a.DataDir, "ledger.db")
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("calibrate: no ledger at %s: enrol employees first (or pass --data)", db)
	}
	return a.WithLedger(ctx, func(l *ledger.Ledger) error {
		// A person runs calibrate: the reads are audited.
		reps, err := l.CalibrateModels(ctx, cli.Actor(), models, onlyEnrolled)
		if err != nil {
			return err
		}
		if len(reps) == 0 {
			return errors.New("calibrate: nobody is enrolled with any model")
		}
		if err := l.SiteCalibrate(ctx, cli.Actor(), reps, apply, lookalikes); err != nil {
			return err
		}
		changes, err := l.CalibrationChanges(ctx)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		if a.JSONOut {
			return ledger.WriteCalibrationJSON(a.Stdout, reps, changes)
		}
		ledger.WriteCalibrationText(a.Stdout, reps, changes)
		return nil
	})
}

// modelNamed is the model of the profile --model NAME selects.
func modelNamed(name string) (embeddings.Model, error) {
	p, err := embeddings.ProfileNamed(name)
	return p.Model, err
}
