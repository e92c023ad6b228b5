package edverify

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"testing"
)

// TestHramDigestLengths: the digest is SHA-512(R ‖ A ‖ M) for every message
// length, on both sides of the stack buffer's 448 bytes, where a wrong
// bound would hash a truncated message; signatures of those lengths verify
// as crypto/ed25519 says.
func TestHramDigestLengths(t *testing.T) {
	r := testRand(t)
	R, A := randBytes(r, 32), randBytes(r, 32)
	long := randBytes(r, 1100)
	for n := range len(long) + 1 {
		msg := long[:n]
		want := sha512.Sum512(bytes.Join([][]byte{R, A, msg}, nil))
		if got := hramDigest(R, A, msg); got != want {
			t.Fatalf("%d-byte message: digest %x, want %x", n, got[:8], want[:8])
		}
	}
	o := newOracle(t)
	priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
	pub := priv.Public().(ed25519.PublicKey)
	for _, n := range []int{0, 1, 447, 448, 449, 450, 512, 1100} {
		msg := long[:n]
		if !o.check("length", pub, msg, ed25519.Sign(priv, msg)) {
			t.Fatalf("crypto/ed25519 refused its signature of %d bytes", n)
		}
	}
}
