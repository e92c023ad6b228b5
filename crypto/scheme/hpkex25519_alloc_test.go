//go:build !race

package scheme

import (
	"crypto/rand"
	"testing"
)

// TestX25519SchemeAllocs pins the point of the default scheme's own HPKE:
// the key schedule allocates nothing (crypto/hpke: a new hmac and two
// sha256 states per labeled extract or expand, about a hundred objects per
// seal or open). A seal makes three objects (the AEAD, the key and nonce
// handed to it, enc‖ct in one buffer), an open six (crypto/ecdh's public
// key, its copy of enc and the shared secret, the AEAD, the key and nonce,
// the plaintext). Not under -race, which allocates on its own account.
func TestX25519SchemeAllocs(t *testing.T) {
	s := defaultScheme(t)
	priv, pub, _ := s.GenerateKey(rand.Reader)
	info, aad, pt := []byte("VPE1 call-request"), make([]byte, 120), make([]byte, 512)
	enc, ct, err := s.Seal(nil, pub, info, aad, pt)
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.NewOpener(priv)
	var dh [32]byte
	var k hpkeKeys
	cases := []struct {
		name string
		max  float64
		f    func()
	}{
		{"key schedule", 0, func() { keySchedule(&k, &dh, enc, pub, info) }},
		{"seal", 3, func() { _, _, _ = s.Seal(nil, pub, info, aad, pt) }},
		{"open", 6, func() { _, _ = op.Open(enc, info, aad, ct) }},
	}
	for _, c := range cases {
		if got := testing.AllocsPerRun(20, c.f); got > c.max {
			t.Errorf("%s: %.0f allocations, want at most %.0f", c.name, got, c.max)
		}
	}
}
