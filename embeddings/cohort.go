package embeddings

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Decision is a cohort-checked 1:1 verification: the probe against the
// claimed template, and against every other enrolled template of the same
// model. A claim (an employee number, a badge) is not a secret, so a plain
// 1:1 check accepts a colleague who looks enough alike; the cohort check
// accepts only when the claimed person is also the nearest enrolled person,
// by at least the margin.
type Decision struct {
	// Claimed is the claimed employee, Distance the smallest distance from
	// the probe to their samples.
	Claimed  string  `json:"claimed"`
	Distance float64 `json:"distance"`
	// Nearest is the nearest other enrolled person and NearestDistance the
	// distance to them; "" and +Inf when nobody else is enrolled.
	Nearest         string  `json:"nearest_other"`
	NearestDistance float64 `json:"nearest_other_distance"`
	// Margin is NearestDistance − Distance: negative when the probe is
	// nearer someone else than the claimed person.
	Margin float64 `json:"margin"`
	// Band is Accept only if Distance <= Accept and Margin >= the margin;
	// otherwise Review (Distance <= Review: ask for the PIN) or Reject.
	Band Band `json:"decision"`
	// Reason says why a decision is not Accept: "distance" (too far from
	// the claimed template), "nearer-other" (someone else is nearer) or
	// "margin" (someone else is too close behind).
	Reason string `json:"reason,omitempty"`
}

// MarshalJSON writes infinite distances and margins as null.
func (d Decision) MarshalJSON() ([]byte, error) {
	type plain struct {
		Claimed         string   `json:"claimed"`
		Distance        *float64 `json:"distance"`
		Nearest         string   `json:"nearest_other,omitempty"`
		NearestDistance *float64 `json:"nearest_other_distance"`
		Margin          *float64 `json:"margin"`
		Band            Band     `json:"decision"`
		Reason          string   `json:"reason,omitempty"`
	}
	return json.Marshal(plain{d.Claimed, finite(d.Distance), d.Nearest, finite(d.NearestDistance), finite(d.Margin), d.Band, d.Reason})
}

// VerifyCohort checks a probe against a claimed template and the cohort:
// every enrolled template of the model, which may include the claimed
// person (their entry in the cohort is skipped; the claimed template is
// what counts for them). The caller keeps restricted employees out of
// both, as for every match. A claimed template of another model than the
// cohort wraps ErrModelMismatch; a probe of another length panics, as
// Embedding.Dist does. It is pure: no I/O, no clock.
func VerifyCohort(probe Embedding, claimed Template, cohort *Gallery, th Thresholds) (Decision, error) {
	if claimed.Model.Name != cohort.model.Name || claimed.Model.Version != cohort.model.Version {
		return Decision{}, fmt.Errorf("verify %s: template model %s, cohort model %s: %w", claimed.Owner, claimed.Model, cohort.model, ErrModelMismatch)
	}
	if len(probe) != cohort.dim {
		panic(fmt.Sprintf("embeddings: verify a %d-d probe against a %d-d cohort", len(probe), cohort.dim))
	}
	d := Decision{Claimed: claimed.Owner, Distance: math.Inf(1), NearestDistance: math.Inf(1)}
	for _, s := range claimed.Samples {
		d.Distance = min(d.Distance, s.Dist(probe))
	}
	d.Nearest, d.NearestDistance = cohort.nearestExcept(probe, claimed.Owner)
	d.Margin = d.NearestDistance - d.Distance
	if math.IsNaN(d.Margin) { // +Inf − +Inf: an empty claimed template
		d.Margin = math.Inf(-1)
	}
	d.Band = th.Band(d.Distance, d.Margin)
	switch {
	case d.Band == Accept:
	case d.Distance > th.Accept:
		d.Reason = "distance"
	case d.Margin < 0:
		d.Reason = "nearer-other"
	default:
		d.Reason = "margin"
	}
	return d, nil
}

// nearestExcept is the person nearest to probe other than owner, and the
// distance; "" and +Inf if there is none.
func (g *Gallery) nearestExcept(probe Embedding, owner string) (string, float64) {
	inf := float32(math.Inf(1))
	best, bestD := -1, inf
	for p := range g.owners {
		if g.owners[p] == owner {
			continue
		}
		for s := g.first[p]; s < g.first[p+1]; s++ {
			if d, ok := sqDistBelow(probe, g.vecs[s*g.dim:(s+1)*g.dim], bestD); ok {
				best, bestD = p, d
			}
		}
	}
	if best < 0 {
		return "", math.Inf(1)
	}
	return g.owners[best], math.Sqrt(float64(bestD))
}

// CombineFrames is the distance a multi-frame decision uses: the median of
// the distances of several frames of the same tracked face (for example the
// frames of the liveness window), so one lucky frame does not decide alone.
// NaN values are ignored; no usable frame is +Inf (nothing matches).
func CombineFrames(dists []float64) float64 {
	v := make([]float64, 0, len(dists))
	for _, d := range dists {
		if !math.IsNaN(d) {
			v = append(v, d)
		}
	}
	if len(v) == 0 {
		return math.Inf(1)
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	if math.IsInf(v[n/2], 1) {
		return math.Inf(1)
	}
	return (v[n/2-1] + v[n/2]) / 2
}
