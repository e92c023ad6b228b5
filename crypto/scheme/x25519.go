package scheme

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// The sender's two X25519 operations for the default scheme. crypto/ecdh
// derives an ephemeral key's public half with the same variable-base ladder
// it uses for a DH (its NewPrivateKey multiplies by the u = 9 base point),
// and crypto/hpke offers no way to supply the key pair otherwise. The base
// point multiple is computed here on the twisted Edwards form instead, with
// filippo.io/edwards25519's precomputed-table ScalarBaseMult (the upstream of
// Go's crypto/internal/fips140/edwards25519), about a third of the ladder's
// cost. Both are constant time.

// x25519Base sets pub to X25519(sk, 9), RFC 7748 §6.1's public key.
//
// The clamped scalar k (bits 0–2 and 255 clear, bit 254 set) times the
// Edwards base point B has the Montgomery u-coordinate X25519(k, 9): u = 9
// is the image of B under RFC 7748 §4.1's birational map, and the map
// commutes with scalar multiplication. B has prime order l, so reducing k
// mod l (which SetBytesWithClamping does) changes nothing; and k is never a
// multiple of l (k = 8m with 2^251 ≤ m < 2^252 < l, l prime and odd), so the
// result is never the identity, which BytesMontgomery would map to zero.
func x25519Base(pub, sk *[32]byte) {
	var s edwards25519.Scalar
	if _, err := s.SetBytesWithClamping(sk[:]); err != nil {
		panic("scheme: 32-byte scalar refused: " + err.Error()) // only a wrong length fails
	}
	var p edwards25519.Point
	copy(pub[:], p.ScalarBaseMult(&s).BytesMontgomery())
}

// x25519 sets dst to X25519(scalar, point) (RFC 7748 §5) and reports whether
// the result is not all zeros: an all-zero secret means a low-order point,
// which RFC 9180 §7.1.4 and crypto/ecdh reject.
//
// The ladder is x25519ScalarMult from Go's crypto/ecdh (src/crypto/ecdh/
// x25519.go, Copyright 2022 The Go Authors, BSD-style licence: see Go's
// LICENSE file), over filippo.io/edwards25519/field, the same field
// arithmetic as the standard library's.
func x25519(dst, scalar, point *[32]byte) bool {
	var e [32]byte

	copy(e[:], scalar[:])
	e[0] &= 248
	e[31] &= 127
	e[31] |= 64

	var x1, x2, z2, x3, z3, tmp0, tmp1 field.Element
	if _, err := x1.SetBytes(point[:]); err != nil {
		panic("scheme: 32-byte field element refused: " + err.Error()) // only a wrong length fails
	}
	x2.One()
	x3.Set(&x1)
	z3.One()

	swap := 0
	for pos := 254; pos >= 0; pos-- {
		b := e[pos/8] >> uint(pos&7)
		b &= 1
		swap ^= int(b)
		x2.Swap(&x3, swap)
		z2.Swap(&z3, swap)
		swap = int(b)

		tmp0.Subtract(&x3, &z3)
		tmp1.Subtract(&x2, &z2)
		x2.Add(&x2, &z2)
		z2.Add(&x3, &z3)
		z3.Multiply(&tmp0, &x2)
		z2.Multiply(&z2, &tmp1)
		tmp0.Square(&tmp1)
		tmp1.Square(&x2)
		x3.Add(&z3, &z2)
		z2.Subtract(&z3, &z2)
		x2.Multiply(&tmp1, &tmp0)
		tmp1.Subtract(&tmp1, &tmp0)
		z2.Square(&z2)

		z3.Mult32(&tmp1, 121666)
		x3.Square(&x3)
		tmp0.Add(&tmp0, &z3)
		z3.Multiply(&x1, &z2)
		z2.Multiply(&tmp1, &tmp0)
	}

	x2.Swap(&x3, swap)
	z2.Swap(&z3, swap)

	z2.Invert(&z2)
	x2.Multiply(&x2, &z2)
	copy(dst[:], x2.Bytes())

	var acc byte // constant time, as crypto/ecdh's isZero
	for _, b := range dst {
		acc |= b
	}
	return acc != 0
}
