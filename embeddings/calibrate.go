package embeddings

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Scores are the distances of genuine pairs (two samples of one person) and
// impostor pairs (samples of two different people).
type Scores struct {
	Genuine  []float64 `json:"-"`
	Impostor []float64 `json:"-"`
}

// PairScores compares every pair of samples of the templates: within one
// template for genuine scores, across templates for impostor scores. All
// templates must come from the same model (else ErrModelMismatch).
func PairScores(ts []Template) (Scores, error) {
	var s Scores
	for i, t := range ts {
		if t.Model.Name != ts[0].Model.Name || t.Model.Version != ts[0].Model.Version {
			return Scores{}, fmt.Errorf("pair scores: %s has model %s, %s has %s: %w", ts[0].Owner, ts[0].Model, t.Owner, t.Model, ErrModelMismatch)
		}
		for a := range t.Samples {
			for b := a + 1; b < len(t.Samples); b++ {
				s.Genuine = append(s.Genuine, t.Samples[a].Dist(t.Samples[b]))
			}
		}
		for _, u := range ts[i+1:] {
			for _, a := range t.Samples {
				for _, b := range u.Samples {
					s.Impostor = append(s.Impostor, a.Dist(b))
				}
			}
		}
	}
	return s, nil
}

// Rates are the error rates at one distance threshold (accept when
// distance <= Threshold).
type Rates struct {
	Threshold float64 `json:"threshold"`
	// FAR is the fraction of impostor pairs accepted; FRR the fraction of
	// genuine pairs rejected; TAR = 1 − FRR.
	FAR float64 `json:"far"`
	FRR float64 `json:"frr"`
	TAR float64 `json:"tar"`
	// FalseAccepts and FalseRejects are the counts behind the rates.
	FalseAccepts int `json:"false_accepts"`
	FalseRejects int `json:"false_rejects"`
}

// At gives the rates at a threshold.
func (s Scores) At(threshold float64) Rates {
	r := Rates{Threshold: threshold}
	for _, d := range s.Impostor {
		if d <= threshold {
			r.FalseAccepts++
		}
	}
	for _, d := range s.Genuine {
		if d > threshold {
			r.FalseRejects++
		}
	}
	if n := len(s.Impostor); n > 0 {
		r.FAR = float64(r.FalseAccepts) / float64(n)
	}
	if n := len(s.Genuine); n > 0 {
		r.FRR = float64(r.FalseRejects) / float64(n)
		r.TAR = 1 - r.FRR
	}
	return r
}

// AUC is the area under the ROC curve: the probability that a random
// genuine pair is closer than a random impostor pair (ties count half).
func (s Scores) AUC() float64 {
	if len(s.Genuine) == 0 || len(s.Impostor) == 0 {
		return math.NaN()
	}
	imp := sorted(s.Impostor)
	var wins float64
	for _, g := range s.Genuine {
		lo := sort.SearchFloat64s(imp, g)                                   // impostors < g
		hi := sort.Search(len(imp), func(i int) bool { return imp[i] > g }) // impostors <= g
		wins += float64(len(imp)-hi) + float64(hi-lo)/2
	}
	return wins / float64(len(s.Genuine)*len(s.Impostor))
}

// AtFAR gives the rates at the largest threshold whose FAR does not exceed
// far. With no impostor scores it returns the rates at +Inf.
func (s Scores) AtFAR(far float64) Rates {
	imp := sorted(s.Impostor)
	// Accepting the k closest impostors gives FAR k/n: allow floor(far·n).
	k := int(math.Floor(far*float64(len(imp)) + 1e-9))
	if k >= len(imp) {
		return s.At(math.Inf(1))
	}
	// Threshold just under the (k+1)-th closest impostor.
	return s.At(math.Nextafter(imp[k], math.Inf(-1)))
}

// ZeroFA gives the rates at the largest threshold that accepts no impostor
// pair: just under the closest impostor distance.
func (s Scores) ZeroFA() Rates { return s.AtFAR(0) }

// ROC samples the curve at every distinct score, sorted by threshold.
func (s Scores) ROC() []Rates {
	all := sorted(append(append([]float64(nil), s.Genuine...), s.Impostor...))
	out := make([]Rates, 0, len(all))
	for i, d := range all {
		if i > 0 && d == all[i-1] {
			continue
		}
		out = append(out, s.At(d))
	}
	return out
}

func sorted(v []float64) []float64 {
	out := append([]float64(nil), v...)
	sort.Float64s(out)
	return out
}

// Report is a deployment's measured accuracy for one model.
type Report struct {
	Model    Model `json:"model"`
	People   int   `json:"people"`
	Samples  int   `json:"samples"`
	Genuine  int   `json:"genuine_pairs"`
	Impostor int   `json:"impostor_pairs"`
	// AUC is NaN when either kind of pair is missing.
	AUC float64 `json:"auc"`
	// Configured is the rates at the model's configured Accept threshold.
	Configured Rates `json:"configured"`
	// ZeroFA is the rates at the largest threshold with no false accept.
	ZeroFA Rates `json:"zero_fa"`
	// FAR1 and FAR01 are the rates at FAR 1% and 0.1%.
	FAR1  Rates `json:"far_1pct"`
	FAR01 Rates `json:"far_0_1pct"`
	// Recommended is the operating point for this deployment: the
	// configured threshold if no enrolled pair of different people falls
	// under it, else the largest threshold with no false accept. It never
	// loosens the configured threshold: a deployment's few people cannot
	// show that a looser one is safe.
	Recommended Rates `json:"recommended"`
	// FARUpper95 is the 95% upper bound on the true FAR at the recommended
	// threshold given what was observed (the "rule of three" when no
	// impostor pair was accepted): few pairs cannot show a small FAR.
	FARUpper95 float64 `json:"far_upper_95"`
	// Notes are honest caveats (too few people, too few samples).
	Notes []string `json:"notes,omitempty"`
}

// Minimums under which a calibration report says its numbers are weak.
const (
	// MinCalibrationPeople: with fewer people, impostor pairs are too
	// correlated (few distinct faces) to speak for a workforce.
	MinCalibrationPeople = 10
	// MinGenuinePairs: with fewer genuine pairs an FRR is a guess.
	MinGenuinePairs = 30
)

// ErrNoTemplates says there is nothing to calibrate on.
var ErrNoTemplates = errors.New("no templates to calibrate on")

// Calibrate measures genuine and impostor distances over enrolled templates
// of one model and reports the error rates at the configured thresholds and
// at the usual operating points.
func Calibrate(ts []Template, th Thresholds) (Report, error) {
	if len(ts) == 0 {
		return Report{}, ErrNoTemplates
	}
	s, err := PairScores(ts)
	if err != nil {
		return Report{}, err
	}
	r := Report{
		Model:      ts[0].Model,
		People:     len(ts),
		Genuine:    len(s.Genuine),
		Impostor:   len(s.Impostor),
		AUC:        s.AUC(),
		Configured: s.At(th.Accept),
		ZeroFA:     s.ZeroFA(),
		FAR1:       s.AtFAR(0.01),
		FAR01:      s.AtFAR(0.001),
	}
	for _, t := range ts {
		r.Samples += len(t.Samples)
	}
	r.Recommended = r.Configured
	if r.Configured.FalseAccepts > 0 {
		r.Recommended = r.ZeroFA
		r.Notes = append(r.Notes, fmt.Sprintf("%d pairs of different people are within the configured accept distance %.3g: lower it to %.3g or review those employees' enrolment", r.Configured.FalseAccepts, th.Accept, r.ZeroFA.Threshold))
	}
	r.FARUpper95 = farUpper95(r.Recommended.FalseAccepts, r.Impostor)
	if r.People < MinCalibrationPeople {
		r.Notes = append(r.Notes, fmt.Sprintf("only %d people enrolled (want at least %d): the impostor figures describe these few faces, not a workforce", r.People, MinCalibrationPeople))
	}
	if r.Genuine < MinGenuinePairs {
		r.Notes = append(r.Notes, fmt.Sprintf("only %d genuine pairs (want at least %d): enrol more samples per person for a meaningful FRR", r.Genuine, MinGenuinePairs))
	}
	if r.Impostor > 0 && r.FARUpper95 > 0.001 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d impostor pairs cannot show a FAR below %.2g%% (95%% bound)", r.Impostor, 100*r.FARUpper95))
	}
	return r, nil
}

// farUpper95 is a 95% upper confidence bound on a rate after k events in n
// trials: 3/n when k is 0 (rule of three), else the Wilson score bound.
func farUpper95(k, n int) float64 {
	if n == 0 {
		return 1
	}
	if k == 0 {
		return min(1, 3/float64(n))
	}
	const z = 1.6449 // one-sided 95%
	p, fn := float64(k)/float64(n), float64(n)
	c := p + z*z/(2*fn)
	w := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return min(1, (c+w)/(1+z*z/fn))
}
