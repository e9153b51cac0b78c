package embeddings

import (
	"errors"
	"fmt"
	"math"
)

// Band is the outcome of a match.
type Band int

const (
	// Reject: not this person (or nobody); send them to the PIN pad.
	Reject Band = iota
	// Review: plausible but not safe; ask for the PIN.
	Review
	// Accept: confident match; punch.
	Accept
)

func (b Band) String() string {
	switch b {
	case Accept:
		return "accept"
	case Review:
		return "review"
	default:
		return "reject"
	}
}

// MarshalText writes the band's name.
func (b Band) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (b *Band) UnmarshalText(text []byte) error {
	switch string(text) {
	case "accept":
		*b = Accept
	case "review":
		*b = Review
	case "reject":
		*b = Reject
	default:
		return fmt.Errorf("unknown band %q", text)
	}
	return nil
}

// Thresholds turn distances into bands. A distance at or under Accept (and,
// for identification, a margin over the runner-up of at least Margin) is
// Accept; at or under Review is Review; anything else is Reject.
type Thresholds struct {
	Accept float64 `json:"accept"`
	Review float64 `json:"review"`
	Margin float64 `json:"margin"`
}

// Validate checks the thresholds are ordered.
func (t Thresholds) Validate() error {
	if t.Accept <= 0 || t.Review < t.Accept || t.Margin < 0 {
		return fmt.Errorf("thresholds: need 0 < accept (%v) <= review (%v) and margin (%v) >= 0", t.Accept, t.Review, t.Margin)
	}
	return nil
}

// Band places a distance (and a margin, for 1:N) in a band.
func (t Thresholds) Band(dist, margin float64) Band {
	switch {
	case dist <= t.Accept && margin >= t.Margin:
		return Accept
	case dist <= t.Review:
		return Review
	}
	return Reject
}

// ErrModelMismatch says a probe and a template come from different models.
var ErrModelMismatch = errors.New("embedding model mismatch: re-enrol with the current model")

// Verification is the result of a 1:1 check.
type Verification struct {
	Owner     string  `json:"owner"`
	Distance  float64 `json:"distance"`
	Threshold float64 `json:"threshold"`
	Band      Band    `json:"band"`
}

// Verify compares a probe against one template: the distance is the
// smallest over the template's samples. Margin does not apply to 1:1.
func Verify(t Template, model Model, probe Embedding, th Thresholds) (Verification, error) {
	if t.Model.Name != model.Name || t.Model.Version != model.Version {
		return Verification{}, fmt.Errorf("verify %s: template model %s, probe model %s: %w", t.Owner, t.Model, model, ErrModelMismatch)
	}
	d := math.Inf(1)
	for _, s := range t.Samples {
		d = min(d, s.Dist(probe))
	}
	return Verification{Owner: t.Owner, Distance: d, Threshold: th.Accept, Band: th.Band(d, math.Inf(1))}, nil
}
