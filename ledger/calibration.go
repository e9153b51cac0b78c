package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"clockface"
	"clockface/embeddings"
)

// SiteCalibration is what this site has measured between its enrolled
// people of one model: the nearest pair of different people and how many
// sample pairs were compared. Each enrolment (SaveTemplate) measures the
// new template against all others; ApplyCalibration measures every pair
// again. The effective accept threshold derives from it
// (embeddings.SiteThresholds).
type SiteCalibration struct {
	Model     string                     `json:"model"`
	Impostors embeddings.ImpostorSummary `json:"impostors"`
	UpdatedAt time.Time                  `json:"updated_at"`
}

// SiteCalibration returns the model's row; ok is false if nothing has been
// measured for it.
func (l *Ledger) SiteCalibration(ctx context.Context, m embeddings.Model) (c SiteCalibration, ok bool, err error) {
	c, ok, err = siteCalibration(ctx, l.db, m)
	if err != nil {
		return SiteCalibration{}, false, fmt.Errorf("site calibration of %s: %w", m, err)
	}
	return c, ok, nil
}

func siteCalibration(ctx context.Context, q querier, m embeddings.Model) (SiteCalibration, bool, error) {
	c := SiteCalibration{Model: m.String()}
	var at int64
	err := q.QueryRowContext(ctx, `SELECT min_impostor, pair_a, pair_b, pairs, updated_at FROM site_calibration WHERE model = ?`, m.String()).
		Scan(&c.Impostors.Nearest.Distance, &c.Impostors.Nearest.A, &c.Impostors.Nearest.B, &c.Impostors.Pairs, &at)
	if errors.Is(err, sql.ErrNoRows) {
		c.Impostors.Nearest.Distance = math.Inf(1)
		return c, false, nil
	}
	if err != nil {
		return SiteCalibration{}, false, err
	}
	c.UpdatedAt = fromNanos(at)
	return c, true, nil
}

// headroom is the model's self-calibration headroom.
func headroom(m embeddings.Model) (float64, error) {
	p, err := embeddings.ProfileFor(m)
	if err != nil {
		return 0, err
	}
	return p.SiteHeadroom, nil
}

// EffectiveThresholds are the thresholds the kiosk and the CLI match with:
// shipped (the model profile's), with the accept distance tightened to the
// site's nearest impostor pair minus the model's headroom when that is
// lower (embeddings.SiteThresholds). A model that is not registered is an
// error.
func (l *Ledger) EffectiveThresholds(ctx context.Context, m embeddings.Model, shipped embeddings.Thresholds) (embeddings.Thresholds, error) {
	h, err := headroom(m)
	if err != nil {
		return shipped, fmt.Errorf("effective thresholds: %w", err)
	}
	c, _, err := l.SiteCalibration(ctx, m)
	if err != nil {
		return shipped, fmt.Errorf("effective thresholds: %w", err)
	}
	return embeddings.SiteThresholds(shipped, c.Impostors, h), nil
}

// calibrationAudit is the detail of a calibration.update entry.
func calibrationAudit(m embeddings.Model, before, after SiteCalibration, why string) map[string]any {
	d := map[string]any{
		"model": m.String(), "why": why,
		"nearest_pair": []string{after.Impostors.Nearest.A, after.Impostors.Nearest.B},
		"min_impostor": after.Impostors.Nearest.Distance, "pairs": after.Impostors.Pairs,
	}
	if before.Impostors.Found() {
		d["min_impostor_before"] = before.Impostors.Nearest.Distance
	}
	if p, err := embeddings.ProfileFor(m); err == nil {
		d["accept_before"] = embeddings.SiteThresholds(p.Thresholds, before.Impostors, p.SiteHeadroom).Accept
		d["accept"] = embeddings.SiteThresholds(p.Thresholds, after.Impostors, p.SiteHeadroom).Accept
	}
	return d
}

// recordEnrolment adds an enrolment's measurement (its template against
// every other of the model) to the site's row in tx: the pair count grows,
// and a nearer pair replaces the recorded one, audited.
func (l *Ledger) recordEnrolment(ctx context.Context, tx *sql.Tx, m embeddings.Model, s embeddings.ImpostorSummary, actor string) error {
	if !s.Found() {
		return nil
	}
	before, ok, err := siteCalibration(ctx, tx, m)
	if err != nil {
		return fmt.Errorf("site calibration: %w", err)
	}
	after := before
	after.Impostors.Pairs += s.Pairs
	after.UpdatedAt = l.now()
	nearer := !ok || s.Nearest.Distance < before.Impostors.Nearest.Distance
	if nearer {
		after.Impostors.Nearest = s.Nearest
	}
	if err := writeCalibration(ctx, tx, after); err != nil {
		return err
	}
	if !nearer {
		return nil
	}
	return l.audit(ctx, tx, actor, "calibration.update", "", calibrationAudit(m, before, after, "enrolment of "+s.Nearest.A+"/"+s.Nearest.B))
}

func writeCalibration(ctx context.Context, tx *sql.Tx, c SiteCalibration) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO site_calibration (model, min_impostor, pair_a, pair_b, pairs, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (model) DO UPDATE SET min_impostor = excluded.min_impostor, pair_a = excluded.pair_a, pair_b = excluded.pair_b,
			pairs = excluded.pairs, updated_at = excluded.updated_at`,
		c.Model, c.Impostors.Nearest.Distance, c.Impostors.Nearest.A, c.Impostors.Nearest.B, c.Impostors.Pairs, nanos(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("site calibration: %w", err)
	}
	return nil
}

// ApplyCalibration measures every pair of enrolled people of model m again
// (what `calibrate --apply` runs) and stores the result: the nearest pair
// may move either way (an employee left, or was re-enrolled). A change of
// the nearest pair or its distance is audited; changed says whether there
// was one. With fewer than two people enrolled nothing is stored. The
// templates are read and compared before the write transaction, which
// holds no lock across that work.
func (l *Ledger) ApplyCalibration(ctx context.Context, m embeddings.Model, actor string) (before, after SiteCalibration, changed bool, err error) {
	ts, err := l.TemplatesAs(ctx, actor, m)
	if err != nil {
		return before, after, false, fmt.Errorf("apply calibration: %w", err)
	}
	s := embeddings.ImpostorSummary{Nearest: embeddings.Pair{Distance: math.Inf(1)}}
	if len(ts) >= 2 {
		if s, err = embeddings.SiteImpostors(ts); err != nil {
			return before, after, false, fmt.Errorf("apply calibration: %w", err)
		}
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		var ok bool
		if before, ok, err = siteCalibration(ctx, tx, m); err != nil {
			return err
		}
		after = SiteCalibration{Model: m.String(), Impostors: s, UpdatedAt: l.now()}
		if !s.Found() {
			after = before
			return nil
		}
		changed = !ok || before.Impostors.Nearest != s.Nearest
		if err := writeCalibration(ctx, tx, after); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		return l.audit(ctx, tx, actor, "calibration.update", "", calibrationAudit(m, before, after, "calibrate --apply"))
	})
	if err != nil {
		return SiteCalibration{}, SiteCalibration{}, false, fmt.Errorf("apply calibration: %w", err)
	}
	return before, after, changed, nil
}

// CalibrationChanges are the audit entries of every change of the site
// calibration, oldest first: what `calibrate` shows.
func (l *Ledger) CalibrationChanges(ctx context.Context) ([]AuditEntry, error) {
	return l.auditQuery(ctx, `SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit WHERE action = 'calibration.update' ORDER BY seq`)
}

// MaybeRefreshTemplate replaces the oldest sample of the employee's
// template for model m with vector, the probe of a face punch, if the
// punch's evidence passes embeddings.DefaultRefreshPolicy against the
// effective thresholds: an accept well under the accept distance and well
// clear of the nearest other person, liveness passed, not PIN-confirmed,
// and no refresh (or enrolment) of this template in the last week. It
// needs a live consent (whose notice states template refresh) and an
// active, unrestricted employee; a refresh is audited. It reports whether
// the template was refreshed; a punch that does not qualify is false and
// no error.
func (l *Ledger) MaybeRefreshTemplate(ctx context.Context, number string, m embeddings.Model, vector embeddings.Embedding, ev embeddings.RefreshEvidence) (bool, error) {
	p, err := embeddings.ProfileFor(m)
	if err != nil {
		return false, fmt.Errorf("refresh template of %s: %w", number, err)
	}
	if len(vector) != m.Dim {
		return false, fmt.Errorf("refresh template of %s: a %d-d vector for %d-d model %s: %w", number, len(vector), m.Dim, m, embeddings.ErrModelMismatch)
	}
	th, err := l.EffectiveThresholds(ctx, m, p.Thresholds)
	if err != nil {
		return false, fmt.Errorf("refresh template of %s: %w", number, err)
	}
	// Cheap refusals first: most punches are not clearly strong.
	now := l.now()
	if ok, _ := embeddings.DefaultRefreshPolicy().Allow(ev, th, time.Time{}, now); !ok {
		return false, nil
	}
	t, err := l.Template(ctx, number, m)
	if err != nil {
		return false, fmt.Errorf("refresh template of %s: %w", number, err)
	}
	nt := embeddings.Refreshed(t, vector)
	plain, err := nt.MarshalBinary()
	if err != nil {
		return false, fmt.Errorf("refresh template of %s: %w", number, err)
	}
	refreshed := false
	err = l.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		var restricted bool
		var created int64
		var last sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT e.id, e.status, e.restricted, t.created_at, r.refreshed_at FROM employees e
			JOIN templates t ON t.employee_id = e.id AND t.model_name = ? AND t.model_version = ?
			LEFT JOIN template_refresh r ON r.employee_id = e.id AND r.model_name = t.model_name AND r.model_version = t.model_version
			WHERE e.number = ?`, m.Name, m.Version, number).Scan(&id, &status, &restricted, &created, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("template of %s for %s: %w", number, m, clockface.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != string(clockface.StatusActive) || restricted {
			return nil // no processing: not an error for the punch
		}
		prev := fromNanos(created)
		if last.Valid {
			prev = fromNanos(last.Int64)
		}
		if ok, _ := embeddings.DefaultRefreshPolicy().Allow(ev, th, prev, now); !ok {
			return nil
		}
		var consentID int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM consents WHERE employee_id = ? AND withdrawn_at IS NULL`, id).Scan(&consentID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		dk, err := l.dataKey(ctx, tx, id, number, false)
		if err != nil {
			return err
		}
		ct, err := dk.Seal(number, templatePurpose(m), plain)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE templates SET ciphertext = ?, consent_id = ?
			WHERE employee_id = ? AND model_name = ? AND model_version = ?`, ct, consentID, id, m.Name, m.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_refresh (employee_id, model_name, model_version, refreshed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (employee_id, model_name, model_version) DO UPDATE SET refreshed_at = excluded.refreshed_at`,
			id, m.Name, m.Version, nanos(now)); err != nil {
			return err
		}
		refreshed = true
		return l.audit(ctx, tx, "kiosk", "template.refresh", number, map[string]any{
			"model": m.String(), "samples": len(nt.Samples), "distance": ev.Distance, "margin": finiteOrNil(ev.Margin), "liveness": ev.Live,
		})
	})
	if err != nil {
		return false, fmt.Errorf("refresh template of %s: %w", number, err)
	}
	return refreshed, nil
}

func finiteOrNil(v float64) any {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return v
}
