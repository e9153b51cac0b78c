package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"clockface/embeddings"
)

// ModelCalibration is one model's measured accuracy on this ledger's
// enrolled templates, or why there is none.
type ModelCalibration struct {
	Model  embeddings.Model      `json:"model"`
	Report *embeddings.Report    `json:"report,omitempty"`
	Th     embeddings.Thresholds `json:"thresholds"`
	Skip   string                `json:"skipped,omitempty"`
	// Site is the self-calibration; Lookalikes the pairs for HR (when
	// asked for).
	Site       *SiteReport        `json:"site,omitempty"`
	Lookalikes *[]embeddings.Pair `json:"lookalikes,omitempty"`
}

// SiteReport is a model's self-calibration: the nearest pair of different
// people and the accept distance it leaves.
type SiteReport struct {
	Measured  bool                       `json:"measured"`
	Impostors embeddings.ImpostorSummary `json:"impostors"`
	Headroom  float64                    `json:"headroom"`
	Shipped   embeddings.Thresholds      `json:"shipped"`
	Effective embeddings.Thresholds      `json:"effective"`
	// Applied says the pairs were measured again; Changed that it changed
	// the stored row.
	Applied bool `json:"applied,omitempty"`
	Changed bool `json:"changed,omitempty"`
}

// CalibrateModels reports on each model's enrolled templates (read as
// actor, audited); with onlyEnrolled, models nobody is enrolled with are
// left out.
func (l *Ledger) CalibrateModels(ctx context.Context, actor string, models []embeddings.Model, onlyEnrolled bool) ([]ModelCalibration, error) {
	var out []ModelCalibration
	for _, m := range models {
		ts, err := l.TemplatesAs(ctx, actor, m)
		if err != nil {
			return nil, fmt.Errorf("calibrate %s: %w", m, err)
		}
		if len(ts) == 0 && onlyEnrolled {
			continue
		}
		mc, err := calibrateModel(m, ts)
		if err != nil {
			return nil, err
		}
		out = append(out, mc)
	}
	return out, nil
}

// calibrateModel is the report on ts, the templates of model m.
func calibrateModel(m embeddings.Model, ts []embeddings.Template) (ModelCalibration, error) {
	th, err := embeddings.ThresholdsFor(m)
	if err != nil {
		return ModelCalibration{}, fmt.Errorf("calibrate: %w", err)
	}
	mc := ModelCalibration{Model: m, Th: th}
	switch {
	case len(ts) == 0:
		mc.Skip = "nobody is enrolled with this model"
	case len(ts) == 1:
		mc.Skip = "only one employee is enrolled with this model: there are no impostor pairs to measure"
	default:
		r, err := embeddings.Calibrate(ts, th)
		if err != nil {
			return mc, fmt.Errorf("calibrate %s: %w", m, err)
		}
		mc.Report = &r
	}
	return mc, nil
}

// SiteCalibrate fills each report's site calibration: after measuring
// every pair again and storing it (apply, audited as actor), if asked, and
// with the look-alike pairs (lookalikes).
func (l *Ledger) SiteCalibrate(ctx context.Context, actor string, reps []ModelCalibration, apply, lookalikes bool) error {
	for i := range reps {
		if err := l.siteCalibrate(ctx, actor, &reps[i], apply, lookalikes); err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
	}
	return nil
}

func (l *Ledger) siteCalibrate(ctx context.Context, actor string, mc *ModelCalibration, apply, lookalikes bool) error {
	p, err := embeddings.ProfileFor(mc.Model)
	if err != nil {
		return err
	}
	site := &SiteReport{Headroom: p.SiteHeadroom, Shipped: p.Thresholds}
	if apply && mc.Report != nil {
		_, _, changed, err := l.ApplyCalibration(ctx, mc.Model, actor)
		if err != nil {
			return err
		}
		site.Applied, site.Changed = true, changed
	}
	c, ok, err := l.SiteCalibration(ctx, mc.Model)
	if err != nil {
		return err
	}
	site.Measured, site.Impostors = ok, c.Impostors
	site.Effective = embeddings.SiteThresholds(p.Thresholds, c.Impostors, p.SiteHeadroom)
	mc.Site = site
	if lookalikes && mc.Report != nil {
		ts, err := l.TemplatesAs(ctx, actor, mc.Model)
		if err != nil {
			return err
		}
		pairs, err := embeddings.Lookalikes(ts, p.Thresholds.Review)
		if err != nil {
			return err
		}
		mc.Lookalikes = &pairs
	}
	return nil
}

// ErrReenrol says the ledger holds templates of another model only: every
// employee has to be enrolled again with the model now selected.
var ErrReenrol = errors.New("re-enrol employees with the selected model")

// CheckEnrolledModel fails with a message that says "re-enrol" when
// nobody has a template of model m but some have one of another of the
// known models: templates of different models are never compared, so
// switching the model means enrolling everyone again.
func (l *Ledger) CheckEnrolledModel(ctx context.Context, m embeddings.Model, known []embeddings.Model) error {
	ts, err := l.Templates(ctx, m)
	if err != nil {
		return fmt.Errorf("check model: %w", err)
	}
	if len(ts) > 0 {
		return nil
	}
	var others []string
	for _, o := range known {
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
