package ledger

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"clockface/embeddings"
)

// WriteCalibrationText prints the calibration reports for people: each
// model's error rates, ROC points and operating point, then its site
// calibration and look-alike pairs, then the audited calibration changes.
func WriteCalibrationText(w io.Writer, reps []ModelCalibration, changes []AuditEntry) {
	writeReports(w, reps)
	writeSiteReports(w, reps, changes)
}

// lookalikeAdvice is what HR is told about a look-alike pair.
const lookalikeAdvice = "the face model cannot tell these employees apart reliably: have them punch by PIN, or by badge plus face, not by face alone"

func writeSiteReports(w io.Writer, reps []ModelCalibration, changes []AuditEntry) {
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
				orErasedText(n.A), orErasedText(n.B), n.Distance, s.Impostors.Pairs)
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

func orErasedText(n string) string {
	if n == "" {
		return "(deleted)"
	}
	return n
}

func percent(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func writeReports(w io.Writer, reps []ModelCalibration) {
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
				percent(x.FAR), x.FalseAccepts, r.Impostor, percent(x.FRR), x.FalseRejects, r.Genuine)
		}
		row("configured accept", r.Configured)
		row("zero false accepts up to", r.ZeroFA)
		row("at FAR 1%", r.FAR1)
		row("at FAR 0.1%", r.FAR01)
		fmt.Fprintf(w, "  operating point: accept at distance <= %.3f%s; expected FAR <= %s (95%% bound from %d impostor pairs), FRR %s\n",
			r.Recommended.Threshold, cos(r.Recommended.Threshold), percent(r.FARUpper95), r.Impostor, percent(r.Recommended.FRR))
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
}

// WriteCalibrationJSON prints the reports as JSON, each with its model's
// calibration changes (AUC null where it is not a number).
func WriteCalibrationJSON(w io.Writer, reps []ModelCalibration, changes []AuditEntry) error {
	// AUC is NaN without pairs of both kinds; JSON has no NaN.
	type report struct {
		*embeddings.Report
		AUC *float64 `json:"auc"`
	}
	type entry struct {
		ModelCalibration
		Report *report `json:"report,omitempty"`
		// Changes are the audit entries of this model's calibration changes.
		Changes []AuditEntry `json:"calibration_changes"`
	}
	out := make([]entry, len(reps))
	for i, mc := range reps {
		out[i].ModelCalibration = mc
		out[i].Changes = calibrationChangesOf(changes, mc.Model)
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

// calibrationChangesOf are the calibration changes of model m.
func calibrationChangesOf(changes []AuditEntry, m embeddings.Model) []AuditEntry {
	out := []AuditEntry{}
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
