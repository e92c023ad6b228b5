package edverify

import (
	"encoding/binary"

	"filippo.io/edwards25519"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

// A table multiplies one point P by a scalar below 2^253 with additions
// only, or nearly: the scalar is written in signed radix 2^w,
// s = Σ_t e_t·2^(w·t) with e_t in [−2^(w−1), 2^(w−1)], and row i holds
// j·2^(w·m·i)·P for j = 1..2^(w−1). The m digits t = m·i + r (r < m)
// share row i, so a multiplication is one addition per nonzero digit and
// w·(m−1) doublings (Horner over r): m trades doublings for memory. It
// works for a point of any order, torsion included: it computes exactly
// s·P for the integer s, as any scalar multiplication.
type table struct {
	w, m  int
	width int             // 2^(w−1), the entries of a row
	rows  []edwards.Niels // row i is rows[i*width : (i+1)*width]
}

// ndigits is how many signed radix-2^w digits a scalar below 2^253 takes
// (the last digit absorbs the final carry and stays non-negative).
func ndigits(w int) int { return 253/w + 1 }

// tableBytes is the memory of a table's rows.
func tableBytes(w, m int) int {
	n := (ndigits(w) + m - 1) / m
	return n << (w - 1) * 120
}

func newTable(p *edwards25519.Point, w, m int) *table {
	width := 1 << (w - 1)
	nrows := (ndigits(w) + m - 1) / m
	pts := make([]edwards.Ext, nrows*width)
	var base edwards.Ext
	base.FromPoint(p)
	for i := range nrows {
		row := pts[i*width : (i+1)*width]
		row[0] = base
		for j := 1; j < width; j++ {
			row[j].Add(&row[j-1], &base)
		}
		// 2^(w·m)·base = 2^(w·m−w+1)·(2^(w−1)·base)
		base.DoubleN(&row[width-1], w*m-w+1)
	}
	t := &table{w: w, m: m, width: width, rows: make([]edwards.Niels, len(pts))}
	edwards.ToNiels(t.rows, pts)
	return t
}

// digits writes s (32 bytes little-endian, below 2^253) in signed radix
// 2^w, w ≤ 8: out[t] in [−2^(w−1), 2^(w−1)], s = Σ out[t]·2^(w·t).
func digits(out []int8, s *[32]byte, w int) {
	var buf [40]byte
	copy(buf[:], s[:])
	mask := uint64(1)<<w - 1
	half := int64(1) << (w - 1)
	var carry int64
	for t := range out {
		bit := t * w
		v := int64(binary.LittleEndian.Uint64(buf[bit/8:])>>(bit%8)&mask) + carry
		carry = 0
		if v >= half && t < len(out)-1 {
			v -= 1 << w
			carry = 1
		}
		out[t] = int8(v)
	}
}

// addTo adds Σ dg[t]·2^(w·t)·P to acc: a table with m = 1 needs no
// doublings, so its sum goes straight into another table's product.
func (t *table) addTo(acc *edwards.Ext, dg []int8) {
	if t.m != 1 {
		panic("edverify: addTo on an interleaved table")
	}
	var tmp edwards.Completed
	for i, row := 0, 0; i < len(dg); i, row = i+1, row+t.width {
		addDigit(acc, &tmp, t.rows[row:row+t.width], dg[i])
	}
}

// mul sets acc = Σ dg[t]·2^(w·t)·P; dg has ndigits(t.w) digits.
func (t *table) mul(acc *edwards.Ext, dg []int8) {
	var tmp edwards.Completed
	acc.Identity()
	for r := t.m - 1; r >= 0; r-- {
		if r < t.m-1 {
			acc.DoubleN(acc, t.w)
		}
		for i, row := 0, 0; r+i*t.m < len(dg); i, row = i+1, row+t.width {
			addDigit(acc, &tmp, t.rows[row:row+t.width], dg[r+i*t.m])
		}
	}
}

// addDigit adds d·q to acc where row[j−1] = j·q, d in [−len(row), len(row)].
func addDigit(acc *edwards.Ext, tmp *edwards.Completed, row []edwards.Niels, d int8) {
	switch {
	case d > 0:
		tmp.AddNiels(acc, &row[int(d)-1])
	case d < 0:
		tmp.SubNiels(acc, &row[-int(d)-1]) // int: −(−128) overflows int8
	default:
		return
	}
	acc.FromCompleted(tmp)
}
