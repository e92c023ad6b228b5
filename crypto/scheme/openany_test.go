package scheme

import (
	"crypto/rand"
	"testing"
)

// TestOpenAny: failed tries do not advance the HPKE context, so the AAD
// that authenticates is found wherever it is in the list.
func TestOpenAny(t *testing.T) {
	for _, s := range All() {
		priv, pub, _ := s.GenerateKey(rand.Reader)
		op, err := s.NewOpener(priv)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := op.(AnyOpener)
		if !ok {
			continue // sealed boxes have no AAD
		}
		enc, ct, err := s.Seal(rand.Reader, pub, []byte("i"), []byte("right"), []byte("pt"))
		if err != nil {
			t.Fatal(err)
		}
		i, pt, err := o.OpenAny(enc, []byte("i"), [][]byte{[]byte("a"), []byte("b"), []byte("right"), []byte("c")}, ct)
		if err != nil || i != 2 || string(pt) != "pt" {
			t.Fatalf("%s: %d %q %v", s.Name(), i, pt, err)
		}
		if i, _, err := o.OpenAny(enc, []byte("i"), [][]byte{[]byte("a")}, ct); err != ErrOpen || i != -1 {
			t.Fatalf("%s: no AAD fits: %d %v", s.Name(), i, err)
		}
	}
}
