package edwards

import (
	"crypto/rand"
	"testing"

	"filippo.io/edwards25519"
)

// randomPoint is s·B for a random scalar, plus a small-order point when
// torsion is set, so mixed-order points are covered too.
func randomPoint(t *testing.T, torsion bool) *edwards25519.Point {
	t.Helper()
	var b [64]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	s, err := new(edwards25519.Scalar).SetUniformBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	p := new(edwards25519.Point).ScalarBaseMult(s)
	if torsion {
		// (0, −1) has order 2.
		tp, err := new(edwards25519.Point).SetBytes([]byte{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
		if err != nil {
			t.Fatal(err)
		}
		p.Add(p, tp)
	}
	return p
}

func enc(v *Ext) [32]byte {
	var out [32]byte
	v.Bytes(&out)
	return out
}

// TestFormulasAgainstFilippo: every formula gives the point
// filippo.io/edwards25519's exported arithmetic gives, for prime-order
// and mixed-order points, the identity and a point added to itself.
func TestFormulasAgainstFilippo(t *testing.T) {
	id := edwards25519.NewIdentityPoint()
	for i := range 200 {
		p, q := randomPoint(t, i%3 == 1), randomPoint(t, i%3 == 2)
		switch i {
		case 0:
			q = id
		case 1:
			q = new(edwards25519.Point).Set(p)
		case 2:
			p = id
		}
		var P, Q Ext
		P.FromPoint(p)
		Q.FromPoint(q)
		if got, want := enc(&P), [32]byte(p.Bytes()); got != want {
			t.Fatalf("Bytes %x, want %x", got, want)
		}
		var niels [1]Niels
		ToNiels(niels[:], []Ext{Q})
		var c Completed
		var sum, diff, sumExt Ext
		c.AddNiels(&P, &niels[0])
		sum.FromCompleted(&c)
		c.SubNiels(&P, &niels[0])
		diff.FromCompleted(&c)
		sumExt.Add(&P, &Q)
		wantSum := new(edwards25519.Point).Add(p, q).Bytes()
		wantDiff := new(edwards25519.Point).Subtract(p, q).Bytes()
		if enc(&sum) != [32]byte(wantSum) || enc(&sumExt) != [32]byte(wantSum) || enc(&diff) != [32]byte(wantDiff) {
			t.Fatalf("case %d: p+q %x / %x, p−q %x; want %x, %x", i, enc(&sum), enc(&sumExt), enc(&diff), wantSum, wantDiff)
		}
		for _, n := range []int{1, 2, 5, 8} {
			var d Ext
			d.DoubleN(&P, n)
			want := new(edwards25519.Point).Set(p)
			for range n {
				want.Add(want, want)
			}
			if enc(&d) != [32]byte(want.Bytes()) {
				t.Fatalf("case %d: 2^%d·p wrong", i, n)
			}
			// T is kept right: an addition after the doublings still agrees.
			var after Ext
			after.Add(&d, &Q)
			if enc(&after) != [32]byte(want.Add(want, q).Bytes()) {
				t.Fatalf("case %d: 2^%d·p + q wrong", i, n)
			}
		}
	}
	var ident Ext
	ident.Identity()
	var in Niels
	in.Identity()
	var c Completed
	c.AddNiels(&ident, &in)
	ident.FromCompleted(&c)
	if enc(&ident) != [32]byte(id.Bytes()) {
		t.Fatal("identity + identity is not the identity")
	}
}

// TestToNielsBatch: one inversion for many points gives each point's own
// affine form.
func TestToNielsBatch(t *testing.T) {
	in := make([]Ext, 33)
	for i := range in {
		in[i].FromPoint(randomPoint(t, i%2 == 0))
	}
	out := make([]Niels, len(in))
	ToNiels(out, in)
	for i := range in {
		var one [1]Niels
		ToNiels(one[:], in[i:i+1])
		if out[i].YplusX.Equal(&one[0].YplusX) != 1 || out[i].YminusX.Equal(&one[0].YminusX) != 1 || out[i].T2d.Equal(&one[0].T2d) != 1 {
			t.Fatalf("entry %d differs from its own conversion", i)
		}
	}
	ToNiels(nil, nil) // no points: nothing to do, no panic
}
