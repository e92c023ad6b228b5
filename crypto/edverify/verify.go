// Package edverify verifies Ed25519 signatures (RFC 8032, pure Ed25519)
// with exactly the answers of crypto/ed25519.Verify, faster for a public
// key it has seen before: a device checks thousands of signatures from
// the same few trusted callers.
//
// crypto/ed25519 computes [S]B − [k]A with 253 doublings. From a key's
// second verification on, this package keeps a table of multiples of −A
// (and one of B, built once), so [S]B − [k]A is 83 additions of
// precomputed affine points and 5 doublings: a third of the time.
// Variable time is fine: every input of a verification is public.
package edverify

import (
	"crypto/ed25519"
	"crypto/sha512"
	"sync"

	"filippo.io/edwards25519"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

// Window widths and interleaving (see table). The B table is one for the
// process; an A table is one per cached key, keyTableBytes each.
const (
	keyW, keyM   = 5, 2
	baseW, baseM = 8, 1
)

// keyTableBytes is the memory of one key's table: 26 rows of 16 entries
// of 120 bytes, 49,920 bytes. The B table is 32 rows of 128, 491,520
// bytes: wider rows than a key's, since there is one, and with m = 1 its
// additions need no doublings of their own.
var keyTableBytes = tableBytes(keyW, keyM)

var baseTable = sync.OnceValue(func() *table {
	return newTable(edwards25519.NewGeneratorPoint(), baseW, baseM)
})

// key is a public key with its table of multiples of −A.
type key struct {
	pub  [32]byte
	negA *table
}

// keyOf builds the table of the key whose bytes pub decode to A, decoded
// as crypto/ed25519 does (edwards25519's SetBytes, which accepts the
// non-canonical encodings of a point); the hash covers pub as given.
func keyOf(pub [32]byte, A *edwards25519.Point) *key {
	return &key{pub: pub, negA: newTable(new(edwards25519.Point).Negate(A), keyW, keyM)}
}

// verify is crypto/ed25519's verifyWithDom for pure Ed25519: S must be
// canonical (S < l, which also refuses the top three bits), k =
// SHA-512(R ‖ A ‖ M) mod l with A as the key's bytes, and the
// cofactorless check that the encoding of [S]B − [k]A is R's 32 bytes.
func (k *key) verify(msg, sig []byte) bool {
	if len(sig) != ed25519.SignatureSize {
		return false
	}
	var s edwards25519.Scalar
	if _, err := s.SetCanonicalBytes(sig[32:]); err != nil {
		return false
	}
	h := hramDigest(sig[:32], k.pub[:], msg)
	var kk edwards25519.Scalar
	if _, err := kk.SetUniformBytes(h[:]); err != nil {
		panic("edverify: SetUniformBytes refused 64 bytes")
	}
	var kb [32]byte
	copy(kb[:], kk.Bytes())

	bt := baseTable()
	var kbuf, sbuf [64]int8
	kd, sd := kbuf[:ndigits(k.negA.w)], sbuf[:ndigits(bt.w)]
	digits(kd, &kb, k.negA.w)
	digits(sd, (*[32]byte)(sig[32:]), bt.w)

	var acc edwards.Ext
	k.negA.mul(&acc, kd) // [k](−A)
	bt.addTo(&acc, sd)   // + [S]B
	var enc [32]byte
	acc.Bytes(&enc)
	return enc == [32]byte(sig[:32])
}

// hramDigest is SHA-512(R ‖ A ‖ M), without allocating for a message of
// up to 448 bytes.
func hramDigest(r, a, msg []byte) [64]byte {
	if len(msg) <= 448 {
		var buf [512]byte
		n := copy(buf[:], r)
		n += copy(buf[n:], a)
		n += copy(buf[n:], msg)
		return sha512.Sum512(buf[:n])
	}
	h := sha512.New()
	h.Write(r)
	h.Write(a)
	h.Write(msg)
	var out [64]byte
	h.Sum(out[:0])
	return out
}
