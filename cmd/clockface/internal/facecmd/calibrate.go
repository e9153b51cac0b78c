package facecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

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
			return writeCalibrationJSON(a.Stdout, reps, changes)
		}
		writeCalibration(a.Stdout, reps)
		writeSite(a.Stdout, reps, changes)
		return nil
	})
}

// lookalikeAdvice is what HR is told about a look-alike pair.
const lookalikeAdvice = "the face model cannot tell these employees apart reliably: have them punch by PIN, or by badge plus face, not by face alone"

func writeSite(w io.Writer, reps []ledger.ModelCalibration, changes []ledger.AuditEntry) {
	for _, mc := range reps {
		s := mc.Site
		if s == nil {
			continue
		}
		fmt.Fprintf(w, "\nsite calibration %s\n", mc.Model)
		if s.Applied {
			verb := "unchanged"
			if s.Changed {
				verb = "updated"
			}
			fmt.Fprintf(w, "  --apply: measured every pair again, %s\n", verb)
		}
		if !s.Measured {
			fmt.Fprintf(w, "  no pair of different people measured yet: accept at distance <= %.3f (shipped)\n", s.Shipped.Accept)
		} else {
			n := s.Impostors.Nearest
			fmt.Fprintf(w, "  nearest pair of different people: %s and %s at %.3f (%d sample pairs compared)\n",
				orErased(n.A), orErased(n.B), n.Distance, s.Impostors.Pairs)
			if s.Effective.Accept < s.Shipped.Accept {
				fmt.Fprintf(w, "  effective accept distance %.3f: tightened from the shipped %.3f (nearest pair %.3f minus headroom %.3f)\n",
					s.Effective.Accept, s.Shipped.Accept, n.Distance, s.Headroom)
			} else {
				fmt.Fprintf(w, "  effective accept distance %.3f: the shipped one (nearest pair %.3f minus headroom %.3f is not lower)\n",
					s.Effective.Accept, n.Distance, s.Headroom)
			}
		}
		if mc.Lookalikes != nil {
			if len(*mc.Lookalikes) == 0 {
				fmt.Fprintf(w, "  look-alikes: none (no pair nearer than the review distance %.3f)\n", s.Shipped.Review)
			}
			for _, p := range *mc.Lookalikes {
				fmt.Fprintf(w, "  look-alike warning: %s and %s at %.3f (review distance %.3f): %s\n", p.A, p.B, p.Distance, s.Shipped.Review, lookalikeAdvice)
			}
		}
	}
	if len(changes) > 0 {
		fmt.Fprintln(w, "\ncalibration changes (audit log)")
		for _, e := range changes {
			fmt.Fprintf(w, "  %s  %s  %s\n", e.At.Format(time.RFC3339), e.Actor, e.Detail)
		}
	}
}

func orErased(n string) string {
	if n == "" {
		return "(deleted)"
	}
	return n
}

// modelNamed is the model of the profile --model NAME selects.
func modelNamed(name string) (embeddings.Model, error) {
	p, err := embeddings.ProfileNamed(name)
	return p.Model, err
}

func pct(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func writeCalibration(w io.Writer, reps []ledger.ModelCalibration) {
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

func writeCalibrationJSON(w io.Writer, reps []ledger.ModelCalibration, changes []ledger.AuditEntry) error {
	// AUC is NaN without pairs of both kinds; JSON has no NaN.
	type report struct {
		*embeddings.Report
		AUC *float64 `json:"auc"`
	}
	type entry struct {
		ledger.ModelCalibration
		Report *report `json:"report,omitempty"`
		// Changes are the audit entries of this model's calibration changes.
		Changes []ledger.AuditEntry `json:"calibration_changes"`
	}
	out := make([]entry, len(reps))
	for i, mc := range reps {
		out[i].ModelCalibration = mc
		out[i].Changes = changesOf(changes, mc.Model)
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

// changesOf are the calibration changes of model m.
func changesOf(changes []ledger.AuditEntry, m embeddings.Model) []ledger.AuditEntry {
	out := []ledger.AuditEntry{}
	for _, e := range changes {
		var d struct {
			Model string `json:"model"`
		}
		if json.Unmarshal(e.Detail, &d) == nil && d.Model == m.String() {
			out = append(out, e)
		}
	}
	return out
}
