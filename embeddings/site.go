package embeddings

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Pair is the distance between two enrolled people: the smallest distance
// over their samples.
type Pair struct {
	A        string  `json:"a"`
	B        string  `json:"b"`
	Distance float64 `json:"distance"`
}

// ImpostorSummary is what a site has measured between its enrolled people
// of one model: the nearest pair and how many sample pairs were compared.
type ImpostorSummary struct {
	Nearest Pair `json:"nearest"`
	// Pairs is the number of sample pairs of different people compared.
	Pairs int `json:"pairs"`
}

// Found says whether any pair was measured (Pairs > 0).
func (s ImpostorSummary) Found() bool { return s.Pairs > 0 }

// MarshalJSON writes the nearest pair as null when none was measured (its
// distance is then +Inf, which JSON cannot hold).
func (s ImpostorSummary) MarshalJSON() ([]byte, error) {
	var nearest *Pair
	if s.Found() && !math.IsInf(s.Nearest.Distance, 0) && !math.IsNaN(s.Nearest.Distance) {
		nearest = &s.Nearest
	}
	return json.Marshal(struct {
		Nearest *Pair `json:"nearest"`
		Pairs   int   `json:"pairs"`
	}{nearest, s.Pairs})
}

// UnmarshalJSON reads what MarshalJSON writes: a null nearest pair is no
// pair, at distance +Inf.
func (s *ImpostorSummary) UnmarshalJSON(b []byte) error {
	var v struct {
		Nearest *Pair `json:"nearest"`
		Pairs   int   `json:"pairs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = ImpostorSummary{Nearest: Pair{Distance: math.Inf(1)}, Pairs: v.Pairs}
	if v.Nearest != nil {
		s.Nearest = *v.Nearest
	}
	return nil
}

// pairDistance is the smallest distance between the samples of a and b,
// and how many pairs it compared.
func pairDistance(a, b Template) (float64, int) {
	d := math.Inf(1)
	for _, x := range a.Samples {
		for _, y := range b.Samples {
			d = min(d, x.Dist(y))
		}
	}
	return d, len(a.Samples) * len(b.Samples)
}

func sameModel(a, b Model) bool { return a.Name == b.Name && a.Version == b.Version }

// NearestImpostor measures a new template against every other template of
// its model (an enrolment's self-calibration step). Templates of the same
// owner are skipped (a re-enrolment replaces them); a template of another
// model wraps ErrModelMismatch.
func NearestImpostor(t Template, others []Template) (ImpostorSummary, error) {
	s := ImpostorSummary{Nearest: Pair{A: t.Owner, Distance: math.Inf(1)}}
	for _, o := range others {
		if !sameModel(t.Model, o.Model) {
			return ImpostorSummary{}, fmt.Errorf("nearest impostor: %s is model %s, %s is %s: %w", t.Owner, t.Model, o.Owner, o.Model, ErrModelMismatch)
		}
		if o.Owner == t.Owner {
			continue
		}
		d, n := pairDistance(t, o)
		s.Pairs += n
		if d < s.Nearest.Distance {
			s.Nearest = orderedPair(t.Owner, o.Owner, d)
		}
	}
	return s, nil
}

// SiteImpostors measures every pair of people of one model: what
// `calibrate --apply` recomputes on demand.
func SiteImpostors(ts []Template) (ImpostorSummary, error) {
	s := ImpostorSummary{Nearest: Pair{Distance: math.Inf(1)}}
	for i, t := range ts {
		if !sameModel(t.Model, ts[0].Model) {
			return ImpostorSummary{}, fmt.Errorf("site impostors: %s is model %s, %s is %s: %w", ts[0].Owner, ts[0].Model, t.Owner, t.Model, ErrModelMismatch)
		}
		for _, u := range ts[i+1:] {
			d, n := pairDistance(t, u)
			s.Pairs += n
			if d < s.Nearest.Distance {
				s.Nearest = orderedPair(t.Owner, u.Owner, d)
			}
		}
	}
	return s, nil
}

func orderedPair(a, b string, d float64) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{A: a, B: b, Distance: d}
}

// Lookalikes are the pairs of enrolled people nearer each other than
// within: for HR, who should punch those employees by PIN, or by badge
// plus face, rather than by face alone. Pass the model's Review
// threshold: under it, the model cannot tell the two apart reliably.
// Nearest pairs first.
func Lookalikes(ts []Template, within float64) ([]Pair, error) {
	var out []Pair
	for i, t := range ts {
		if !sameModel(t.Model, ts[0].Model) {
			return nil, fmt.Errorf("lookalikes: %s is model %s, %s is %s: %w", ts[0].Owner, ts[0].Model, t.Owner, t.Model, ErrModelMismatch)
		}
		for _, u := range ts[i+1:] {
			if d, _ := pairDistance(t, u); d <= within {
				out = append(out, orderedPair(t.Owner, u.Owner, d))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	return out, nil
}

// MinSiteAccept is the floor of a self-calibrated accept threshold: when
// two enrolled people are nearer each other than the headroom, no face
// match is safe for them and the threshold drops to this near-zero value
// (in effect, everyone punches by PIN until HR resolves the pair).
const MinSiteAccept = 0.01

// SiteThresholds is the self-calibration rule: the accept threshold is the
// shipped one or tighter, never above the nearest impostor distance
// measured at the site minus the model's headroom (Profile.SiteHeadroom).
// Review and Margin stay as shipped. Without a measured pair it is the
// shipped thresholds.
func SiteThresholds(shipped Thresholds, s ImpostorSummary, headroom float64) Thresholds {
	if !s.Found() || math.IsInf(s.Nearest.Distance, 1) {
		return shipped
	}
	out := shipped
	out.Accept = max(MinSiteAccept, min(shipped.Accept, s.Nearest.Distance-headroom))
	return out
}

// RefreshEvidence is what a punch's face decision says about whether its
// probe may replace a template sample.
type RefreshEvidence struct {
	// Band is the decision; only Accept may refresh.
	Band Band `json:"band"`
	// Distance to the employee's template; Margin to the nearest other
	// enrolled person (+Inf when nobody else is enrolled).
	Distance float64 `json:"distance"`
	Margin   float64 `json:"margin"`
	// Live says liveness ran and passed (not off).
	Live bool `json:"live"`
	// PIN says the punch was confirmed by PIN (a review): never refreshes.
	PIN bool `json:"pin"`
}

// RefreshPolicy bounds template refresh: a probe replaces the oldest sample
// only after a clearly strong, live, face-only match, at most once per
// MinInterval per employee. Templates thus follow slow changes (a beard,
// glasses, ageing) without drifting towards someone else.
type RefreshPolicy struct {
	// Under is how far under the accept threshold the distance must be.
	Under float64
	// MarginFactor times the thresholds' margin is the lead the match must
	// have over the nearest other person.
	MarginFactor float64
	// MinInterval is the shortest time between two refreshes of one
	// employee's template.
	MinInterval time.Duration
}

// DefaultRefreshPolicy is the product's policy: 0.1 under accept (for
// dlib, 0.32; two thirds of genuine webcam frames are that close), twice
// the margin, once a week.
func DefaultRefreshPolicy() RefreshPolicy {
	return RefreshPolicy{Under: 0.1, MarginFactor: 2, MinInterval: 7 * 24 * time.Hour}
}

// Allow says whether a punch's probe may replace the oldest sample, and if
// not, why. last is the template's previous refresh (zero: never), now the
// punch time, th the thresholds the decision was made with.
func (p RefreshPolicy) Allow(ev RefreshEvidence, th Thresholds, last, now time.Time) (bool, string) {
	switch {
	case ev.PIN:
		return false, "PIN-confirmed punch"
	case ev.Band != Accept:
		return false, "not an accept"
	case !ev.Live:
		return false, "liveness did not run"
	case ev.Distance > th.Accept-p.Under:
		return false, fmt.Sprintf("distance %.3f is not under %.3f", ev.Distance, th.Accept-p.Under)
	case math.IsNaN(ev.Margin) || ev.Margin < p.MarginFactor*th.Margin:
		return false, fmt.Sprintf("margin %.3f is under %.3f", ev.Margin, p.MarginFactor*th.Margin)
	case !last.IsZero() && now.Sub(last) < p.MinInterval:
		return false, fmt.Sprintf("refreshed %s ago (at most once per %s)", now.Sub(last).Round(time.Minute), p.MinInterval)
	}
	return true, ""
}

// Refreshed returns t with its oldest sample (the first) replaced by probe,
// the new sample last: the samples stay oldest first. t is not modified.
func Refreshed(t Template, probe Embedding) Template {
	out := t
	out.Samples = make([]Embedding, 0, len(t.Samples))
	if len(t.Samples) > 1 {
		out.Samples = append(out.Samples, t.Samples[1:]...)
	}
	out.Samples = append(out.Samples, append(Embedding(nil), probe...))
	return out
}
