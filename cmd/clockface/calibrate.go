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
	"time"

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
				if err := siteCalibrate(cmd.Context(), l, reps, apply, lookalikes); err != nil {
					return err
				}
				changes, err := l.CalibrationChanges(cmd.Context())
				if err != nil {
					return fmt.Errorf("calibrate: %w", err)
				}
				if a.jsonOut {
					return writeCalibrationJSON(a.stdout, reps, changes)
				}
				writeCalibration(a.stdout, reps)
				writeSite(a.stdout, reps, changes)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "measure every pair of enrolled people again and store the site calibration (audited)")
	cmd.Flags().BoolVar(&lookalikes, "lookalikes", false, "list the pairs of employees the model cannot tell apart well, for HR")
	a.ledgerFlags(cmd)
	a.modelFlag(cmd)
	a.jsonFlag(cmd)
	return cmd
}

// siteJSON is a model's self-calibration as calibrate shows it.
type siteJSON struct {
	Measured  bool                       `json:"measured"`
	Impostors embeddings.ImpostorSummary `json:"impostors"`
	Headroom  float64                    `json:"headroom"`
	Shipped   embeddings.Thresholds      `json:"shipped"`
	Effective embeddings.Thresholds      `json:"effective"`
	// Applied says --apply ran; Changed that it changed the stored row.
	Applied bool `json:"applied,omitempty"`
	Changed bool `json:"changed,omitempty"`
}

// siteCalibrate fills each report's site calibration (after --apply, if
// given) and, with lookalikes, its look-alike pairs.
func siteCalibrate(ctx context.Context, l *ledger.Ledger, reps []modelCalibration, apply, lookalikes bool) error {
	for i := range reps {
		mc := &reps[i]
		p, err := embeddings.ProfileFor(mc.Model)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		site := &siteJSON{Headroom: p.SiteHeadroom, Shipped: p.Thresholds}
		if apply && mc.Report != nil {
			_, _, changed, err := l.ApplyCalibration(ctx, mc.Model, actor())
			if err != nil {
				return fmt.Errorf("calibrate: %w", err)
			}
			site.Applied, site.Changed = true, changed
		}
		c, ok, err := l.SiteCalibration(ctx, mc.Model)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		site.Measured, site.Impostors = ok, c.Impostors
		site.Effective = embeddings.SiteThresholds(p.Thresholds, c.Impostors, p.SiteHeadroom)
		mc.Site = site
		if lookalikes && mc.Report != nil {
			ts, err := l.TemplatesAs(ctx, actor(), mc.Model)
			if err != nil {
				return fmt.Errorf("calibrate: %w", err)
			}
			pairs, err := embeddings.Lookalikes(ts, p.Thresholds.Review)
			if err != nil {
				return fmt.Errorf("calibrate: %w", err)
			}
			mc.Lookalikes = &pairs
		}
	}
	return nil
}

// lookalikeAdvice is what HR is told about a look-alike pair.
const lookalikeAdvice = "the face model cannot tell these employees apart reliably: have them punch by PIN, or by badge plus face, not by face alone"

func writeSite(w io.Writer, reps []modelCalibration, changes []ledger.AuditEntry) {
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

// modelCalibration is one model's report, or why there is none.
type modelCalibration struct {
	Model  embeddings.Model      `json:"model"`
	Report *embeddings.Report    `json:"report,omitempty"`
	Th     embeddings.Thresholds `json:"thresholds"`
	Skip   string                `json:"skipped,omitempty"`
	// Site is the self-calibration; Lookalikes the pairs for HR (with
	// --lookalikes).
	Site       *siteJSON          `json:"site,omitempty"`
	Lookalikes *[]embeddings.Pair `json:"lookalikes,omitempty"`
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

func writeCalibrationJSON(w io.Writer, reps []modelCalibration, changes []ledger.AuditEntry) error {
	// AUC is NaN without pairs of both kinds; JSON has no NaN.
	type report struct {
		*embeddings.Report
		AUC *float64 `json:"auc"`
	}
	type entry struct {
		modelCalibration
		Report *report `json:"report,omitempty"`
		// Changes are the audit entries of this model's calibration changes.
		Changes []ledger.AuditEntry `json:"calibration_changes"`
	}
	out := make([]entry, len(reps))
	for i, mc := range reps {
		out[i].modelCalibration = mc
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
