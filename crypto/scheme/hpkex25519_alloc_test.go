//go:build !race

package scheme

import (
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// TestX25519SchemeAllocs pins the point of the default scheme's own HPKE:
// the key schedule allocates nothing (crypto/hpke: a new hmac and two
// sha256 states per labeled extract or expand, about a hundred objects per
// seal or open). Beyond what x/crypto's ChaCha20-Poly1305 allocates itself
// (its New, and its Open's plaintext, on amd64; one more object per call in
// the portable code that arm64, Apple silicon included, and purego builds
// run), a seal makes two objects (the key and nonce handed to the AEAD,
// enc‖ct in one buffer) and an open four (crypto/ecdh's public key and its
// copy of enc, the shared secret, the key and nonce). The seals measured
// take the recipient's table (its second seal built it), which allocates
// nothing. Not under -race, which allocates on its own account.
func TestX25519SchemeAllocs(t *testing.T) {
	s := defaultScheme(t)
	priv, pub, _ := s.GenerateKey(rand.Reader)
	info, aad, pt := []byte("VPE1 call-request"), make([]byte, 120), make([]byte, 512)
	enc, ct, err := s.Seal(nil, pub, info, aad, pt)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Seal(nil, pub, info, aad, pt); err != nil {
		t.Fatal(err)
	}
	if tab, _ := peerTables.lookup((*[32]byte)(pub)); tab == nil {
		t.Fatal("no table after the second seal")
	}
	op, _ := s.NewOpener(priv)
	var dh [32]byte
	var k hpkeKeys
	key, nonce := make([]byte, chacha20poly1305.KeySize), make([]byte, chacha20poly1305.NonceSize)
	sealed := make([]byte, 0, len(pt)+chacha20poly1305.Overhead)
	a, _ := chacha20poly1305.New(key)
	sealed = a.Seal(sealed, nonce, pt, aad)
	aeadSeal := testing.AllocsPerRun(20, func() {
		a, _ := chacha20poly1305.New(key)
		_ = a.Seal(sealed[:0], nonce, pt, aad)
	})
	aeadOpen := testing.AllocsPerRun(20, func() {
		a, _ := chacha20poly1305.New(key)
		_, _ = a.Open(nil, nonce, sealed, aad)
	})
	tab, _ := peerTables.lookup((*[32]byte)(pub))
	var skE, pkE [32]byte
	cases := []struct {
		name string
		max  float64
		f    func()
	}{
		{"key schedule", 0, func() { keySchedule(&k, &dh, enc, pub, info) }},
		{"table encap", 0, func() { x25519EncapTable(&pkE, &dh, &skE, tab) }},
		{"cache encap", 0, func() { peerTables.encap(&pkE, &dh, &skE, (*[32]byte)(pub)) }},
		{"seal", aeadSeal + 2, func() { _, _, _ = s.Seal(nil, pub, info, aad, pt) }},
		{"open", aeadOpen + 4, func() { _, _ = op.Open(enc, info, aad, ct) }},
	}
	t.Logf("bounds: seal %.0f, open %.0f", aeadSeal+2, aeadOpen+4)
	for _, c := range cases {
		if got := testing.AllocsPerRun(20, c.f); got > c.max {
			t.Errorf("%s: %.0f allocations, want at most %.0f (ChaCha20-Poly1305 seal %.0f, open %.0f)", c.name, got, c.max, aeadSeal, aeadOpen)
		}
	}
}
