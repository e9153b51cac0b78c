package embeddings_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"clockface/embeddings"
)

// BenchmarkIdentify is a 1:N search over N people with one 128-d sample
// each (synthetic unit vectors: search speed does not depend on what the
// vectors mean), and with three samples each.
func BenchmarkIdentify(b *testing.B) {
	th := embeddings.Thresholds{Accept: 0.42, Review: 0.55, Margin: 0.1}
	for _, samples := range []int{1, 3} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("people=%d/samples=%d", n, samples), func(b *testing.B) {
				r := rand.New(rand.NewPCG(7, uint64(n)))
				ts := make([]embeddings.Template, n)
				for i := range ts {
					ts[i] = embeddings.Template{Owner: fmt.Sprintf("e%06d", i), Model: testModel}
					for range samples {
						ts[i].Samples = append(ts[i].Samples, randomUnit(r, testModel.Dim))
					}
				}
				g, err := embeddings.NewGallery(testModel, ts)
				if err != nil {
					b.Fatal(err)
				}
				probes := make([]embeddings.Embedding, 64)
				for i := range probes {
					probes[i] = randomUnit(r, testModel.Dim)
				}
				i := 0
				for b.Loop() {
					g.Identify(probes[i%len(probes)], th)
					i++
				}
			})
		}
	}
}
