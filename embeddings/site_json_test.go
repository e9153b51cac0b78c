package embeddings_test

import (
	"encoding/json"
	"math"
	"testing"

	"clockface/embeddings"
)

// TestImpostorSummaryJSON: a summary with no pair measured (distance +Inf)
// is written with a null nearest pair, not a JSON error, and reads back.
func TestImpostorSummaryJSON(t *testing.T) {
	cases := []struct {
		name string
		in   embeddings.ImpostorSummary
		want string
	}{
		{"none measured", embeddings.ImpostorSummary{Nearest: embeddings.Pair{Distance: math.Inf(1)}}, `{"nearest":null,"pairs":0}`},
		{"a pair", embeddings.ImpostorSummary{Nearest: embeddings.Pair{A: "E1", B: "E2", Distance: 0.5}, Pairs: 9},
			`{"nearest":{"a":"E1","b":"E2","distance":0.5},"pairs":9}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(c.in)
			if err != nil || string(b) != c.want {
				t.Fatalf("got %s, %v; want %s", b, err, c.want)
			}
			var back embeddings.ImpostorSummary
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.Pairs != c.in.Pairs || back.Nearest.A != c.in.Nearest.A || back.Nearest.Distance != c.in.Nearest.Distance {
				t.Fatalf("read back %+v, want %+v", back, c.in)
			}
		})
	}
}
