package mutate

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestNear: one to three bytes change, only to the alphabet's, and the seed
// is left as it was.
func TestNear(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seed := []byte(`{"type":"push","seq":12}`)
	orig := bytes.Clone(seed)
	changedSome := false
	for range 1000 {
		m := Near(r, seed, "#")
		diff := 0
		for i := range m {
			if m[i] != seed[i] {
				diff++
				if m[i] != '#' {
					t.Fatalf("byte %q is not the alphabet's", m[i])
				}
			}
		}
		if len(m) != len(seed) || diff > 3 {
			t.Fatalf("%q: %d bytes changed", m, diff)
		}
		changedSome = changedSome || diff > 0
	}
	if !bytes.Equal(seed, orig) || !changedSome {
		t.Fatalf("seed changed (%q) or nothing ever changed", seed)
	}
	if got := Near(r, nil, "x"); len(got) != 0 {
		t.Fatalf("empty seed gave %q", got)
	}
}
