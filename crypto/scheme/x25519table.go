package scheme

import (
	"crypto/subtle"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

// The sender's DH against a recipient it seals to again and again, as a
// fixed-base multiplication over a table precomputed for that recipient's
// public key, the way ScalarBaseMult multiplies the base point: 64 constant-
// time lookups, 64 mixed additions and 4 doublings, about a quarter of the
// ladder's cost. x25519cache.go decides which keys get a table.
//
// Why the result is X25519(k, u). RFC 7748 §4.1's birational map takes the
// Montgomery point (u, v) to the Edwards point (x, y) with
// y = (u − 1)/(u + 1), and back with u = (1 + y)/(1 − y); it commutes with
// scalar multiplication, and the u-coordinate of a point and of its negation
// are the same, so either square root for x gives the same X25519 output.
// The Edwards equation −x² + y² = 1 + dx²y² gives x² = (y² − 1)/(dy² + 1)
// (dy² + 1 ≠ 0 as −1/d is not a square); x² is a square exactly when u is on
// the curve rather than its twist (x = sqrt(−486664)·u/v, and −486664 is a
// square). A twist point, and u = −1 where the map has a pole, have no
// Edwards point: those keys take the ladder. The clamped scalar k is 8m with
// 2^251 ≤ m < 2^252 < l, so kP = m(8P); 8P, called Q, is in the subgroup of
// prime order l (the group is cyclic of order 8l), any small-order component
// of P gone, and m < l needs no reduction. For a low-order key Q is the
// identity, so is mQ, 1 − y is zero and u comes out as zero (Invert(0) = 0)
// exactly as the ladder's zero z2 does: the seal refuses it in both cases.
//
// The table's shape (32 tables of 8 affine-niels points, signed radix-16
// digits, odd digits first then four doublings) and its lookup are ported
// from filippo.io/edwards25519 (tables.go, scalarmult.go, scalar.go:
// Copyright 2017 and 2019 The Go Authors, BSD-style licence: see that
// module's LICENSE file), whose types are unexported; the point formulas
// are crypto/internal/edwards's, and the table is built with the module's
// exported Point arithmetic.

// peerTable holds j·256^i·Q for i < 32 and 1 ≤ j ≤ 8 at [i][j−1], as
// affine-niels points: 32·8 entries of three 40-byte field elements, 30 KiB.
type peerTable [32]affineTable

type affineTable [8]edwards.Niels

// newPeerTable builds the table for the X25519 public key pk, or reports
// false when pk's u has no Edwards point (a twist point, or u = −1): those
// keys take the ladder. Everything here is public, so it need not be
// constant time; it costs about three ladders, with one field inversion
// for all 256 entries (Montgomery's trick).
func newPeerTable(pk *[32]byte) (*peerTable, bool) {
	var u, one, num, den field.Element
	if _, err := u.SetBytes(pk[:]); err != nil { // bit 255 ignored, u ≥ p reduced, as the ladder reads it
		panic("scheme: 32-byte field element refused: " + err.Error())
	}
	one.One()
	den.Add(&u, &one)
	if den.Equal(new(field.Element)) == 1 {
		return nil, false
	}
	num.Subtract(&u, &one)
	y := num.Multiply(&num, den.Invert(&den)).Bytes() // canonical, sign bit clear: x ≥ 0
	var p edwards25519.Point
	if _, err := p.SetBytes(y); err != nil { // x² not a square: u is on the twist
		return nil, false
	}
	var q edwards25519.Point
	q.MultByCofactor(&p)

	pts := new([32 * 8]edwards.Ext)
	var p8 edwards25519.Point
	for i := range 32 {
		p8.Set(&q)
		for j := range 8 {
			if j > 0 {
				p8.Add(&p8, &q)
			}
			pts[i*8+j].FromPoint(&p8)
		}
		for range 5 { // 256·Q = 32·(8·Q), and p8 is 8·Q
			p8.Double(&p8)
		}
		q.Set(&p8)
	}
	flat := new([32 * 8]edwards.Niels)
	edwards.ToNiels(flat[:], pts[:]) // one inversion for all 256 entries
	t := new(peerTable)
	for i := range flat {
		t[i/8][i%8] = flat[i]
	}
	return t, true
}

// scalarMult sets v to m·Q, m < 2^252 given as 32 little-endian bytes, in
// constant time: ScalarBaseMult's loop over this table. m = Σ m_i·16^i with
// signed digits −8 ≤ m_i < 8 (m_63 ≤ 1), so m·Q = Σ_j m_2j·256^j·Q +
// 16·Σ_j m_2j+1·256^j·Q, and table j holds the multiples of 256^j·Q.
func (t *peerTable) scalarMult(v *edwards.Ext, m *[32]byte) {
	digits := signedRadix16(m)
	var multiple edwards.Niels
	var tmp1 edwards.Completed
	var tmp2 edwards.Projective

	v.Identity()
	for i := 1; i < 64; i += 2 {
		t[i/2].selectInto(&multiple, digits[i])
		tmp1.AddNiels(v, &multiple)
		v.FromCompleted(&tmp1)
	}

	tmp2.FromExt(v)
	tmp1.Double(&tmp2)
	tmp2.FromCompleted(&tmp1)
	tmp1.Double(&tmp2)
	tmp2.FromCompleted(&tmp1)
	tmp1.Double(&tmp2)
	tmp2.FromCompleted(&tmp1)
	tmp1.Double(&tmp2)
	v.FromCompleted(&tmp1)

	for i := 0; i < 64; i += 2 {
		t[i/2].selectInto(&multiple, digits[i])
		tmp1.AddNiels(v, &multiple)
		v.FromCompleted(&tmp1)
	}
}

// signedRadix16 is scalar.signedRadix16 for m < 2^252 given as bytes: the
// digits are derived with shifts and adds only, no branch or index on m.
func signedRadix16(m *[32]byte) [64]int8 {
	var digits [64]int8
	for i := range 32 {
		digits[2*i] = int8(m[i] & 15)
		digits[2*i+1] = int8((m[i] >> 4) & 15)
	}
	for i := range 63 {
		carry := (digits[i] + 8) >> 4
		digits[i] -= carry << 4
		digits[i+1] += carry
	}
	return digits
}

// selectInto sets dest to x·Q for −8 ≤ x ≤ 8, where the table holds Q..8Q,
// in constant time: it is affineLookupTable.SelectInto. |x| comes from
// arithmetic on x's bits, every entry is read and merged with Select
// (masks, no branch) whatever x is, and the sign is applied by a masked
// swap and select; so neither the memory touched nor the instructions run
// depend on x. x = 0 leaves the identity (1, 1, 0).
func (v *affineTable) selectInto(dest *edwards.Niels, x int8) {
	xmask := x >> 7
	xabs := uint8((x + xmask) ^ xmask)

	dest.Identity()
	for j := 1; j <= 8; j++ {
		cond := subtle.ConstantTimeByteEq(xabs, uint8(j))
		dest.YplusX.Select(&v[j-1].YplusX, &dest.YplusX, cond)
		dest.YminusX.Select(&v[j-1].YminusX, &dest.YminusX, cond)
		dest.T2d.Select(&v[j-1].T2d, &dest.T2d, cond)
	}
	// −(x, y) is (−x, y): swap y + x and y − x, negate 2dxy.
	var neg field.Element
	cond := int(xmask & 1)
	dest.YplusX.Swap(&dest.YminusX, cond)
	dest.T2d.Select(neg.Negate(&dest.T2d), &dest.T2d, cond)
}
