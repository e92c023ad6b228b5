package edverify

// The point formulas here are those of filippo.io/edwards25519 v1.2.0
// (edwards25519.go: projP1xP1.AddAffine/SubAffine/Double, Point.fromP1xP1,
// projP2.FromP1xP1, affineCached.FromP3), Copyright 2017 The Go Authors,
// BSD-3-Clause (the licence of that module, in the module cache's LICENSE).
// They are copied because that package keeps its intermediate point
// representations unexported, and a verification made of 80 additions
// pays for the conversions its exported Point.Add does each time.
//
// Coordinates are extended twisted Edwards (https://eprint.iacr.org/2008/522):
// x = X/Z, y = Y/Z, xy = T/Z.

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// extPoint is a point in extended coordinates (filippo's Point, "P3").
type extPoint struct {
	X, Y, Z, T field.Element
}

// completed is the result of an addition or doubling before it is
// projected back ("P1xP1"): x = X/Z, y = Y/T.
type completed struct {
	X, Y, Z, T field.Element
}

// projective is a point without T ("P2"), all a doubling needs.
type projective struct {
	X, Y, Z field.Element
}

// niels is an affine point ready to be added: (y+x, y−x, 2dxy).
// 120 bytes.
type niels struct {
	YplusX, YminusX, T2d field.Element
}

// d2 is 2d, d the curve constant −121665/121666.
var d2 = func() *field.Element {
	d, err := new(field.Element).SetBytes([]byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
		0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
		0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52})
	if err != nil {
		panic(err)
	}
	return d.Add(d, d)
}()

func (v *extPoint) identity() {
	v.X.Zero()
	v.Y.One()
	v.Z.One()
	v.T.Zero()
}

func (v *extPoint) fromPoint(p *edwards25519.Point) {
	X, Y, Z, T := p.ExtendedCoordinates()
	v.X.Set(X)
	v.Y.Set(Y)
	v.Z.Set(Z)
	v.T.Set(T)
}

func (v *extPoint) fromCompleted(p *completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
	v.T.Multiply(&p.X, &p.Y)
}

func (v *projective) fromCompleted(p *completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
}

// bytes is the canonical encoding of v (RFC 8032, 5.1.2), as
// edwards25519.Point.Bytes.
func (v *extPoint) bytes(out *[32]byte) {
	var zInv, x, y field.Element
	zInv.Invert(&v.Z)
	x.Multiply(&v.X, &zInv)
	y.Multiply(&v.Y, &zInv)
	copy(out[:], y.Bytes())
	out[31] |= byte(x.IsNegative() << 7)
}

// addNiels is v = p + q.
func (v *completed) addNiels(p *extPoint, q *niels) {
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

// subNiels is v = p − q.
func (v *completed) subNiels(p *extPoint, q *niels) {
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

// double is v = 2p.
func (v *completed) double(p *projective) {
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

// addDigit adds d·q to acc where row[j−1] = j·q, d in [−len(row), len(row)].
func addDigit(acc *extPoint, tmp *completed, row []niels, d int8) {
	switch {
	case d > 0:
		tmp.addNiels(acc, &row[int(d)-1])
	case d < 0:
		tmp.subNiels(acc, &row[-int(d)-1]) // int: −(−128) overflows int8
	default:
		return
	}
	acc.fromCompleted(tmp)
}

// toNiels sets out[i] to the affine form of in[i] with one inversion for
// all of them (Montgomery's trick). No Z may be zero: it never is for a
// point on the curve in these coordinates.
func toNiels(out []niels, in []extPoint) {
	n := len(in)
	if n == 0 {
		return
	}
	// prefix[i] = Z_0·…·Z_i
	prefix := make([]field.Element, n)
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
