package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/ledger"
)

// calibrateCommands is calibrate: this deployment's measured accuracy.
func (a *app) calibrateCommands() []*cobra.Command {
	return []*cobra.Command{a.calibrateCmd()}
}

// knownModels are the models of every registered profile: what templates
// can be made with.
func knownModels() []embeddings.Model { return models.Models() }

func (a *app) calibrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calibrate [--data DIR] [--model NAME] [--json]",
		Short: "Measure genuine and impostor distances on the enrolled employees and print the operating point",
		Long: `calibrate compares every pair of enrolled samples in the ledger: two samples of
one employee are a genuine pair, samples of two employees an impostor pair. For
each model (or only --model, if given) it prints the error rates at the
configured accept distance, the ROC points (TAR at FAR 1% and 0.1%, the
zero-false-accept point, AUC) and the operating point for this deployment.
Nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			models, onlyEnrolled := knownModels(), true
			if cmd.Flags().Changed("model") {
				m, err := modelNamed(a.modelName)
				if err != nil {
					return err
				}
				models, onlyEnrolled = []embeddings.Model{m}, false
			}
			db := filepath.Join(a.dataDir, "ledger.db")
			if _, err := os.Stat(db); err != nil {
				return fmt.Errorf("calibrate: no ledger at %s: enrol employees first (or pass --data)", db)
			}
			return a.withLedger(cmd.Context(), func(l *ledger.Ledger) error {
				reps, err := calibrateLedger(cmd.Context(), l, models, onlyEnrolled)
				if err != nil {
					return err
				}
				if len(reps) == 0 {
					return errors.New("calibrate: nobody is enrolled with any model")
				}
				if a.jsonOut {
					return writeCalibrationJSON(a.stdout, reps)
				}
				writeCalibration(a.stdout, reps)
				return nil
			})
		},
	}
	a.ledgerFlags(cmd)
	a.modelFlag(cmd)
	a.jsonFlag(cmd)
	return cmd
}

// modelNamed is the model of the profile --model NAME selects.
func modelNamed(name string) (embeddings.Model, error) {
	p, err := embeddings.ProfileNamed(name)
	return p.Model, err
}

// modelCalibration is one model's report, or why there is none.
type modelCalibration struct {
	Model  embeddings.Model      `json:"model"`
	Report *embeddings.Report    `json:"report,omitempty"`
	Th     embeddings.Thresholds `json:"thresholds"`
	Skip   string                `json:"skipped,omitempty"`
}

// calibrateLedger reports on each model's enrolled templates; with
// onlyEnrolled, models nobody is enrolled with are left out.
func calibrateLedger(ctx context.Context, l *ledger.Ledger, models []embeddings.Model, onlyEnrolled bool) ([]modelCalibration, error) {
	var out []modelCalibration
	for _, m := range models {
		// A person runs calibrate: the read is audited.
		ts, err := l.TemplatesAs(ctx, actor(), m)
		if err != nil {
			return nil, fmt.Errorf("calibrate %s: %w", m, err)
		}
		if len(ts) == 0 && onlyEnrolled {
			continue
		}
		th, err := embeddings.ThresholdsFor(m)
		if err != nil {
			return nil, fmt.Errorf("calibrate: %w", err)
		}
		mc := modelCalibration{Model: m, Th: th}
		switch {
		case len(ts) == 0:
			mc.Skip = "nobody is enrolled with this model"
		case len(ts) == 1:
			mc.Skip = "only one employee is enrolled with this model: there are no impostor pairs to measure"
		default:
			r, err := embeddings.Calibrate(ts, th)
			if err != nil {
				return nil, fmt.Errorf("calibrate %s: %w", m, err)
			}
			mc.Report = &r
		}
		out = append(out, mc)
	}
	return out, nil
}

// ErrReenrol says the ledger holds templates of another model only: every
// employee has to be enrolled again with the model now selected.
var ErrReenrol = errors.New("re-enrol employees with the selected model")

// checkEnrolledModel fails with a message that says "re-enrol" when
// nobody has a template of model m but some have one of another model:
// templates of different models are never compared, so switching --model
// means enrolling everyone again.
func checkEnrolledModel(ctx context.Context, l *ledger.Ledger, m embeddings.Model) error {
	ts, err := l.Templates(ctx, m)
	if err != nil {
		return fmt.Errorf("check model: %w", err)
	}
	if len(ts) > 0 {
		return nil
	}
	var others []string
	for _, o := range knownModels() {
		if o.Name == m.Name && o.Version == m.Version {
			continue
		}
		ots, err := l.Templates(ctx, o)
		if err != nil {
			return fmt.Errorf("check model: %w", err)
		}
		if len(ots) > 0 {
			others = append(others, fmt.Sprintf("%d with %s", len(ots), o))
		}
	}
	if len(others) == 0 {
		return nil
	}
	name := m.Name
	if p, err := embeddings.ProfileFor(m); err == nil {
		name = p.Name
	}
	return fmt.Errorf("no employee is enrolled with model %s, but %s: templates of different models are never compared, so switching to --model %s means you must re-enrol every employee (or go back to the enrolled model): %w",
		m, strings.Join(others, ", "), name, ErrReenrol)
}

func pct(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func writeCalibration(w io.Writer, reps []modelCalibration) {
	for i, mc := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		p, _ := embeddings.ProfileFor(mc.Model)
		cos := func(d float64) string {
			if !p.UnitLength || math.IsInf(d, 0) {
				return ""
			}
			return fmt.Sprintf(" (cosine %.3f)", 1-d*d/2)
		}
		fmt.Fprintf(w, "model %s\n", mc.Model)
		if mc.Report == nil {
			fmt.Fprintf(w, "  skipped: %s\n", mc.Skip)
			continue
		}
		r := mc.Report
		fmt.Fprintf(w, "  %d employees, %d samples: %d genuine pairs, %d impostor pairs\n", r.People, r.Samples, r.Genuine, r.Impostor)
		if !math.IsNaN(r.AUC) {
			fmt.Fprintf(w, "  AUC %.4f\n", r.AUC)
		}
		row := func(name string, x embeddings.Rates) {
			fmt.Fprintf(w, "  %-26s distance %.3f%s: FAR %s (%d of %d), FRR %s (%d of %d)\n", name, x.Threshold, cos(x.Threshold),
				pct(x.FAR), x.FalseAccepts, r.Impostor, pct(x.FRR), x.FalseRejects, r.Genuine)
		}
		row("configured accept", r.Configured)
		row("zero false accepts up to", r.ZeroFA)
		row("at FAR 1%", r.FAR1)
		row("at FAR 0.1%", r.FAR01)
		fmt.Fprintf(w, "  operating point: accept at distance <= %.3f%s; expected FAR <= %s (95%% bound from %d impostor pairs), FRR %s\n",
			r.Recommended.Threshold, cos(r.Recommended.Threshold), pct(r.FARUpper95), r.Impostor, pct(r.Recommended.FRR))
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
}

func writeCalibrationJSON(w io.Writer, reps []modelCalibration) error {
	// AUC is NaN without pairs of both kinds; JSON has no NaN.
	type report struct {
		*embeddings.Report
		AUC *float64 `json:"auc"`
	}
	type entry struct {
		modelCalibration
		Report *report `json:"report,omitempty"`
	}
	out := make([]entry, len(reps))
	for i, mc := range reps {
		out[i].modelCalibration = mc
		if mc.Report != nil {
			r := &report{Report: mc.Report}
			if !math.IsNaN(mc.Report.AUC) {
				auc := mc.Report.AUC
				r.AUC = &auc
			}
			out[i].Report = r
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
