package embeddings

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Gallery holds every enrolled sample of one model in one contiguous
// []float32, so a 1:N search walks memory linearly. It is read-only after
// NewGallery and safe for concurrent use.
type Gallery struct {
	model  Model
	dim    int
	owners []string // one per person
	// first[i] is the index of person i's first sample; first[len(owners)]
	// is the total number of samples.
	first []int
	vecs  []float32 // samples, dim floats each, grouped by person
}

// NewGallery builds a gallery of model m. A template of another model (or
// of the wrong dimension) is ErrModelMismatch; a template without samples
// or a repeated owner is an error too.
func NewGallery(m Model, ts []Template) (*Gallery, error) {
	if m.Dim <= 0 {
		return nil, fmt.Errorf("new gallery: model %s has dimension %d", m, m.Dim)
	}
	n := 0
	seen := make(map[string]bool, len(ts))
	for _, t := range ts {
		if t.Model.Name != m.Name || t.Model.Version != m.Version {
			return nil, fmt.Errorf("new gallery: template %s is model %s, gallery %s: %w", t.Owner, t.Model, m, ErrModelMismatch)
		}
		if len(t.Samples) == 0 {
			return nil, fmt.Errorf("new gallery: template %s has no samples", t.Owner)
		}
		if seen[t.Owner] {
			return nil, fmt.Errorf("new gallery: owner %s appears twice", t.Owner)
		}
		seen[t.Owner] = true
		for _, s := range t.Samples {
			if len(s) != m.Dim {
				return nil, fmt.Errorf("new gallery: template %s has a %d-d sample, model %s is %d-d: %w", t.Owner, len(s), m, m.Dim, ErrModelMismatch)
			}
		}
		n += len(t.Samples)
	}
	g := &Gallery{
		model:  m,
		dim:    m.Dim,
		owners: make([]string, 0, len(ts)),
		first:  make([]int, 0, len(ts)+1),
		vecs:   make([]float32, 0, n*m.Dim),
	}
	for _, t := range ts {
		g.owners = append(g.owners, t.Owner)
		g.first = append(g.first, len(g.vecs)/g.dim)
		for _, s := range t.Samples {
			g.vecs = append(g.vecs, s...)
		}
	}
	g.first = append(g.first, len(g.vecs)/g.dim)
	return g, nil
}

// Len is the number of people in the gallery.
func (g *Gallery) Len() int { return len(g.owners) }

// Model is the model of every sample in the gallery.
func (g *Gallery) Model() Model { return g.model }

// Identification is the result of a 1:N search.
type Identification struct {
	// Owner is the closest person, Distance the smallest distance over
	// their samples. Owner is empty for an empty gallery.
	Owner    string  `json:"owner"`
	Distance float64 `json:"distance"`
	// RunnerUp is the second-closest person; Margin is RunnerUpDistance -
	// Distance. With one person, RunnerUp is empty and both are +Inf.
	RunnerUp         string  `json:"runner_up"`
	RunnerUpDistance float64 `json:"runner_up_distance"`
	Margin           float64 `json:"margin"`
	Band             Band    `json:"band"`
}

// MarshalJSON writes infinite distances and margins as null.
func (id Identification) MarshalJSON() ([]byte, error) {
	type plain struct {
		Owner            string   `json:"owner"`
		Distance         *float64 `json:"distance"`
		RunnerUp         string   `json:"runner_up,omitempty"`
		RunnerUpDistance *float64 `json:"runner_up_distance"`
		Margin           *float64 `json:"margin"`
		Band             Band     `json:"band"`
	}
	return json.Marshal(plain{
		Owner:            id.Owner,
		Distance:         finite(id.Distance),
		RunnerUp:         id.RunnerUp,
		RunnerUpDistance: finite(id.RunnerUpDistance),
		Margin:           finite(id.Margin),
		Band:             id.Band,
	})
}

func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// Identify finds the closest person to probe and the runner-up, and bands
// the result with th: Accept needs both distance <= th.Accept and a margin
// of at least th.Margin. The probe must come from the gallery's model;
// like Embedding.Dist, a probe of another length panics.
func (g *Gallery) Identify(probe Embedding, th Thresholds) Identification {
	if len(probe) != g.dim {
		panic(fmt.Sprintf("embeddings: identify a %d-d probe in a %d-d gallery", len(probe), g.dim))
	}
	inf := math.Inf(1)
	top := g.search(probe)
	best, second, d1, d2 := top.best, top.second, top.d1, top.d2
	id := Identification{Distance: inf, RunnerUpDistance: inf, Margin: inf}
	if best < 0 {
		return id
	}
	id.Owner, id.Distance = g.owners[best], math.Sqrt(float64(d1))
	if second >= 0 {
		id.RunnerUp, id.RunnerUpDistance = g.owners[second], math.Sqrt(float64(d2))
		id.Margin = id.RunnerUpDistance - id.Distance
	}
	id.Band = th.Band(id.Distance, id.Margin)
	return id
}

// parallelSamples is the gallery size (in samples) from which a search
// is split across the available cores: below it, starting goroutines costs
// more than it saves.
const parallelSamples = 8192

// top2 is the best and runner-up person of a search, with squared
// distances; -1 for none.
type top2 struct {
	best, second int
	d1, d2       float32
}

func (t *top2) offer(p int, d float32) {
	switch {
	case d >= t.d2:
	case d < t.d1:
		t.best, t.second, t.d1, t.d2 = p, t.best, d, t.d1
	default:
		t.second, t.d2 = p, d
	}
}

// search finds the two closest people, splitting a large gallery into
// contiguous ranges of people searched in parallel.
func (g *Gallery) search(probe Embedding) top2 {
	workers := min(runtime.GOMAXPROCS(0), 4, len(g.vecs)/(g.dim*parallelSamples/2))
	if workers < 2 {
		return g.searchRange(probe, 0, len(g.owners))
	}
	parts := make([]top2, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(g.owners)/workers, (w+1)*len(g.owners)/workers
		wg.Go(func() { parts[w] = g.searchRange(probe, lo, hi) })
	}
	wg.Wait()
	inf := float32(math.Inf(1))
	all := top2{best: -1, second: -1, d1: inf, d2: inf}
	for _, t := range parts {
		if t.best >= 0 {
			all.offer(t.best, t.d1)
		}
		if t.second >= 0 {
			all.offer(t.second, t.d2)
		}
	}
	return all
}

// searchRange finds the two closest of people lo..hi-1.
func (g *Gallery) searchRange(probe Embedding, lo, hi int) top2 {
	inf := float32(math.Inf(1))
	t := top2{best: -1, second: -1, d1: inf, d2: inf}
	for p := lo; p < hi; p++ {
		// A sample only matters if it beats the runner-up; within a person
		// only if it also beats their best so far.
		pd := t.d2
		for s := g.first[p]; s < g.first[p+1]; s++ {
			if d, ok := sqDistBelow(probe, g.vecs[s*g.dim:(s+1)*g.dim], pd); ok {
				pd = d
			}
		}
		t.offer(p, pd)
	}
	return t
}

// sqDistBelow returns the squared distance between a and b if it is below
// bound, abandoning the sum early once it cannot be. Four independent
// accumulators keep the floating-point adders busy.
func sqDistBelow(a, b []float32, bound float32) (float32, bool) {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+32 <= len(a); i += 32 {
		x, y := a[i:i+32:i+32], b[i:i+32:i+32]
		for j := 0; j < 32; j += 4 {
			d0, d1, d2, d3 := x[j]-y[j], x[j+1]-y[j+1], x[j+2]-y[j+2], x[j+3]-y[j+3]
			s0 += d0 * d0
			s1 += d1 * d1
			s2 += d2 * d2
			s3 += d3 * d3
		}
		if (s0+s1)+(s2+s3) >= bound {
			return (s0 + s1) + (s2 + s3), false
		}
	}
	sum := (s0 + s1) + (s2 + s3)
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		sum += d * d
	}
	return sum, sum < bound
}
