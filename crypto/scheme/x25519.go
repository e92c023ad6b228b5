package scheme

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

// The sender's two X25519 operations for the default scheme. crypto/ecdh
// derives an ephemeral key's public half with the same variable-base ladder
// it uses for a DH (its NewPrivateKey multiplies by the u = 9 base point),
// and crypto/hpke offers no way to supply the key pair otherwise. Here the
// base point multiple is computed on the twisted Edwards form instead, with
// filippo.io/edwards25519's precomputed-table ScalarBaseMult (the upstream of
// Go's crypto/internal/fips140/edwards25519), about a third of the ladder's
// cost; and the two results, both projective, share one field inversion
// (Montgomery's trick) where two separate computations take one each. For a
// recipient sealed to before, the DH comes from that recipient's table
// (x25519table.go, x25519cache.go) instead of the ladder. All of it is
// constant time.

// x25519Encap sets pub to X25519(sk, 9), sk's public key (RFC 7748 §6.1),
// and dh to X25519(sk, peer), and reports whether dh is not all zeros: an
// all-zero secret means a low-order peer point, which RFC 9180 §7.1.4 and
// crypto/ecdh reject (pub is then unspecified).
//
// The public key: the clamped scalar k (bits 0–2 and 255 clear, bit 254 set)
// times the Edwards base point B has the Montgomery u-coordinate
// X25519(k, 9), as u = 9 is the image of B under RFC 7748 §4.1's birational
// map u = (1 + y)/(1 − y) = (Z + Y)/(Z − Y), which commutes with scalar
// multiplication. B has prime order l, so reducing k mod l (which
// SetBytesWithClamping does) changes nothing; and k is never a multiple of l
// (k = 8m, 2^251 ≤ m < 2^252 < l, l an odd prime), so kB is never the
// identity and Z − Y is never zero.
func x25519Encap(pub, dh, sk, peer *[32]byte) bool {
	x2, z2 := ladder(sk, peer)
	return encapFinish(pub, dh, sk, &x2, &z2)
}

// x25519EncapTable is x25519Encap with the DH taken from t, the peer's
// table (x25519table.go): the same outputs, pub and dh byte for byte.
func x25519EncapTable(pub, dh, sk *[32]byte, t *peerTable) bool {
	// m = k/8 for the clamped k: bits 3–254 of sk, bit 254 set.
	var m [32]byte
	for i := range 31 {
		m[i] = sk[i]>>3 | sk[i+1]<<5
	}
	m[31] = (sk[31]&127 | 64) >> 3
	var v edwards.Ext
	t.scalarMult(&v, &m)
	// u = (1 + y)/(1 − y) = (Z + Y)/(Z − Y), zero over zero for the identity.
	var x2, z2 field.Element
	x2.Add(&v.Z, &v.Y)
	z2.Subtract(&v.Z, &v.Y)
	return encapFinish(pub, dh, sk, &x2, &z2)
}

// encapFinish sets pub to sk's public key and dh to x2/z2, sharing one
// inversion between them, and reports whether dh is not all zeros.
func encapFinish(pub, dh, sk *[32]byte, x2, z2 *field.Element) bool {
	var s edwards25519.Scalar
	if _, err := s.SetBytesWithClamping(sk[:]); err != nil {
		panic("scheme: 32-byte scalar refused: " + err.Error()) // only a wrong length fails
	}
	var p edwards25519.Point
	_, y, z, _ := p.ScalarBaseMult(&s).ExtendedCoordinates()
	var num, den field.Element
	num.Add(z, y)
	den.Subtract(z, y)

	// inv = 1/(z2·den), so 1/z2 = den·inv and 1/den = z2·inv. A low-order
	// peer makes z2 zero, inv zero (Invert's convention) and dh zero.
	var inv, t, r field.Element
	inv.Invert(t.Multiply(z2, &den))
	t.Multiply(&den, &inv)
	copy(dh[:], r.Multiply(x2, &t).Bytes())
	t.Multiply(z2, &inv)
	copy(pub[:], num.Multiply(&num, &t).Bytes())

	var acc byte // constant time, as crypto/ecdh's isZero
	for _, b := range dh {
		acc |= b
	}
	return acc != 0
}

// ladder is RFC 7748 §5's Montgomery ladder for X25519(scalar, point),
// returning the projective result x2/z2 (z2 is zero when the result is).
// It is x25519ScalarMult from Go's crypto/ecdh (src/crypto/ecdh/x25519.go,
// Copyright 2022 The Go Authors, BSD-style licence: see Go's LICENSE file)
// without the final inversion, over filippo.io/edwards25519/field, the same
// field arithmetic as the standard library's.
func ladder(scalar, point *[32]byte) (x2, z2 field.Element) {
	var e [32]byte

	copy(e[:], scalar[:])
	e[0] &= 248
	e[31] &= 127
	e[31] |= 64

	var x1, x3, z3, tmp0, tmp1 field.Element
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
	return x2, z2
}
