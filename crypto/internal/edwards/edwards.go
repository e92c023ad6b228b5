// Package edwards is the twisted Edwards point arithmetic of edwards25519
// that filippo.io/edwards25519 keeps unexported: the intermediate point
// forms and the mixed additions and doublings between them. Two tables
// use it: the sender's per-recipient X25519 table (crypto/scheme, constant
// time) and Ed25519 verification's per-key tables (crypto/edverify,
// variable time). Every formula here runs the same instructions whatever
// the values, so it is fit for both; what must be constant time beyond it
// (table lookups, digit recoding) lives with the caller.
//
// The formulas are those of filippo.io/edwards25519 v1.2.0 (edwards25519.go:
// projP1xP1.Add/AddAffine/SubAffine/Double, Point.fromP1xP1,
// projP2.FromP1xP1, affineCached.FromP3; Copyright 2017 The Go Authors,
// BSD-3-Clause, the licence in that module's LICENSE file).
//
// Coordinates are extended twisted Edwards (https://eprint.iacr.org/2008/522):
// x = X/Z, y = Y/Z, xy = T/Z.
package edwards

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// Ext is a point in extended coordinates (filippo's Point, "P3").
type Ext struct {
	X, Y, Z, T field.Element
}

// Completed is the result of an addition or doubling before it is
// projected back ("P1xP1"): x = X/Z, y = Y/T.
type Completed struct {
	X, Y, Z, T field.Element
}

// Projective is a point without T ("P2"), all a doubling needs.
type Projective struct {
	X, Y, Z field.Element
}

// Niels is an affine point ready to be added: (y+x, y−x, 2dxy), 120 bytes.
type Niels struct {
	YplusX, YminusX, T2d field.Element
}

// d2 is 2d, d = −121665/121666 the curve constant.
var d2 = func() *field.Element {
	var d, den field.Element
	d.Mult32(new(field.Element).One(), 121665)
	d.Negate(&d)
	den.Mult32(new(field.Element).One(), 121666)
	d.Multiply(&d, den.Invert(&den))
	return d.Add(&d, &d)
}()

// Identity sets v to the neutral point (0, 1).
func (v *Ext) Identity() {
	v.X.Zero()
	v.Y.One()
	v.Z.One()
	v.T.Zero()
}

// Identity sets v to the neutral point (0, 1): y + x = y − x = 1, 2dxy = 0.
func (v *Niels) Identity() {
	v.YplusX.One()
	v.YminusX.One()
	v.T2d.Zero()
}

// FromPoint sets v to p.
func (v *Ext) FromPoint(p *edwards25519.Point) {
	X, Y, Z, T := p.ExtendedCoordinates()
	v.X.Set(X)
	v.Y.Set(Y)
	v.Z.Set(Z)
	v.T.Set(T)
}

// FromCompleted projects p.
func (v *Ext) FromCompleted(p *Completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
	v.T.Multiply(&p.X, &p.Y)
}

// FromCompleted projects p without T: one multiplication less, for a
// point that is only doubled next.
func (v *Projective) FromCompleted(p *Completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
}

// FromExt drops p's T.
func (v *Projective) FromExt(p *Ext) {
	v.X.Set(&p.X)
	v.Y.Set(&p.Y)
	v.Z.Set(&p.Z)
}

// Bytes is the canonical encoding of v (RFC 8032 §5.1.2), as
// edwards25519.Point.Bytes.
func (v *Ext) Bytes(out *[32]byte) {
	var zInv, x, y field.Element
	zInv.Invert(&v.Z)
	x.Multiply(&v.X, &zInv)
	y.Multiply(&v.Y, &zInv)
	copy(out[:], y.Bytes())
	out[31] |= byte(x.IsNegative() << 7)
}

// AddNiels sets v = p + q.
func (v *Completed) AddNiels(p *Ext, q *Niels) {
	var YplusX, YminusX, PP, MM, TT2d, Z2 field.Element
	YplusX.Add(&p.Y, &p.X)
	YminusX.Subtract(&p.Y, &p.X)
	PP.Multiply(&YplusX, &q.YplusX)
	MM.Multiply(&YminusX, &q.YminusX)
	TT2d.Multiply(&p.T, &q.T2d)
	Z2.Add(&p.Z, &p.Z)
	v.X.Subtract(&PP, &MM)
	v.Y.Add(&PP, &MM)
	v.Z.Add(&Z2, &TT2d)
	v.T.Subtract(&Z2, &TT2d)
}

// SubNiels sets v = p − q.
func (v *Completed) SubNiels(p *Ext, q *Niels) {
	var YplusX, YminusX, PP, MM, TT2d, Z2 field.Element
	YplusX.Add(&p.Y, &p.X)
	YminusX.Subtract(&p.Y, &p.X)
	PP.Multiply(&YplusX, &q.YminusX)
	MM.Multiply(&YminusX, &q.YplusX)
	TT2d.Multiply(&p.T, &q.T2d)
	Z2.Add(&p.Z, &p.Z)
	v.X.Subtract(&PP, &MM)
	v.Y.Add(&PP, &MM)
	v.Z.Subtract(&Z2, &TT2d)
	v.T.Add(&Z2, &TT2d)
}

// Double sets v = 2p.
func (v *Completed) Double(p *Projective) {
	var XX, YY, ZZ2, XplusYsq field.Element
	XX.Square(&p.X)
	YY.Square(&p.Y)
	ZZ2.Square(&p.Z)
	ZZ2.Add(&ZZ2, &ZZ2)
	XplusYsq.Add(&p.X, &p.Y)
	XplusYsq.Square(&XplusYsq)
	v.Y.Add(&YY, &XX)
	v.Z.Subtract(&YY, &XX)
	v.X.Subtract(&XplusYsq, &v.Y)
	v.T.Subtract(&ZZ2, &v.Z)
}

// Add sets v = p + q for two extended points (filippo's projCached
// addition, q converted on the way).
func (v *Ext) Add(p, q *Ext) {
	var qYplusX, qYminusX, qT2d, YplusX, YminusX, PP, MM, TT2d, ZZ2 field.Element
	qYplusX.Add(&q.Y, &q.X)
	qYminusX.Subtract(&q.Y, &q.X)
	qT2d.Multiply(&q.T, d2)
	YplusX.Add(&p.Y, &p.X)
	YminusX.Subtract(&p.Y, &p.X)
	PP.Multiply(&YplusX, &qYplusX)
	MM.Multiply(&YminusX, &qYminusX)
	TT2d.Multiply(&p.T, &qT2d)
	ZZ2.Multiply(&p.Z, &q.Z)
	ZZ2.Add(&ZZ2, &ZZ2)
	var c Completed
	c.X.Subtract(&PP, &MM)
	c.Y.Add(&PP, &MM)
	c.Z.Add(&ZZ2, &TT2d)
	c.T.Subtract(&ZZ2, &TT2d)
	v.FromCompleted(&c)
}

// DoubleN sets v = 2^n·p, n ≥ 1; only the last doubling computes T,
// which only additions need.
func (v *Ext) DoubleN(p *Ext, n int) {
	var proj Projective
	var tmp Completed
	proj.FromExt(p)
	for range n - 1 {
		tmp.Double(&proj)
		proj.FromCompleted(&tmp)
	}
	tmp.Double(&proj)
	v.FromCompleted(&tmp)
}

// ToNiels sets out[i] to the affine form of in[i] with one inversion for
// all of them (Montgomery's trick). No Z may be zero: it never is for a
// point on the curve in these coordinates (the addition law is complete).
func ToNiels(out []Niels, in []Ext) {
	n := len(in)
	if n == 0 {
		return
	}
	prefix := make([]field.Element, n) // prefix[i] = Z_0·…·Z_i
	prefix[0].Set(&in[0].Z)
	for i := 1; i < n; i++ {
		prefix[i].Multiply(&prefix[i-1], &in[i].Z)
	}
	var inv, zInv, x, y field.Element
	inv.Invert(&prefix[n-1])
	for i := n - 1; i >= 0; i-- {
		if i > 0 {
			zInv.Multiply(&inv, &prefix[i-1])
			inv.Multiply(&inv, &in[i].Z)
		} else {
			zInv.Set(&inv)
		}
		x.Multiply(&in[i].X, &zInv)
		y.Multiply(&in[i].Y, &zInv)
		out[i].YplusX.Add(&y, &x)
		out[i].YminusX.Subtract(&y, &x)
		out[i].T2d.Multiply(&x, &y)
		out[i].T2d.Multiply(&out[i].T2d, d2)
	}
}
