// Package mutate makes near-copies of valid inputs for the equivalence
// tests that hold a fast reader to encoding/json: a few bytes changed reach
// the edges a hand-written reader gets wrong.
package mutate

import "math/rand/v2"

// Near returns a copy of seed with one to three bytes replaced by bytes of
// alphabet, at random places.
func Near(r *rand.Rand, seed []byte, alphabet string) []byte {
	m := append([]byte(nil), seed...)
	if len(m) == 0 || alphabet == "" {
		return m
	}
	for range 1 + r.IntN(3) {
		m[r.IntN(len(m))] = alphabet[r.IntN(len(alphabet))]
	}
	return m
}
