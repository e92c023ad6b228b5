package edverify

import (
	"crypto/ed25519"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"filippo.io/edwards25519"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

// testRand is a generator seeded by the test's name: a failure repeats.
func testRand(t testing.TB) *testRNG {
	var seed [32]byte
	copy(seed[:], t.Name())
	c := rand.NewChaCha8(seed)
	return &testRNG{Rand: rand.New(c), c: c}
}

type testRNG struct {
	*rand.Rand
	c *rand.ChaCha8
}

func randBytes(r *testRNG, n int) []byte {
	b := make([]byte, n)
	r.c.Read(b)
	return b
}

// TestRandomSignatures: valid signatures of random keys and messages, and
// the same with a random byte of the signature, key or message changed.
func TestRandomSignatures(t *testing.T) {
	r := testRand(t)
	o := newOracle(t)
	n := 1000
	if testing.Short() {
		n = 200
	}
	for i := range n {
		priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
		pub := priv.Public().(ed25519.PublicKey)
		msg := randBytes(r, r.IntN(300))
		sig := ed25519.Sign(priv, msg)
		if !o.check("valid", pub, msg, sig) {
			t.Fatal("crypto/ed25519 refused its own signature")
		}
		bad := slices.Clone(sig)
		bad[r.IntN(64)] ^= byte(1 + r.IntN(255))
		o.check("sig changed", pub, msg, bad)
		if len(msg) > 0 {
			m := slices.Clone(msg)
			m[r.IntN(len(m))] ^= 1
			o.check("msg changed", pub, m, sig)
		}
		if i%50 == 0 {
			o.checkCache("valid", pub, msg, sig)
			o.checkCache("sig changed", pub, msg, bad)
		}
	}
	// Several signatures per key: the table path is what a cached key uses.
	for range 20 {
		priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
		pub := priv.Public().(ed25519.PublicKey)
		for range 50 {
			msg := randBytes(r, r.IntN(600))
			o.check("same key", pub, msg, ed25519.Sign(priv, msg))
		}
	}
	t.Logf("%d cases, %d accepted", o.cases, o.accepts)
}

// TestBitFlips flips every bit of the signature and of the public key.
func TestBitFlips(t *testing.T) {
	r := testRand(t)
	o := newOracle(t)
	for range 3 {
		priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
		pub := priv.Public().(ed25519.PublicKey)
		msg := randBytes(r, 100)
		sig := ed25519.Sign(priv, msg)
		for bit := range 512 {
			bad := slices.Clone(sig)
			bad[bit/8] ^= 1 << (bit % 8)
			if o.check("sig bit", pub, msg, bad) {
				t.Errorf("sig with bit %d flipped verifies", bit)
			}
		}
		for bit := range 256 {
			badPub := slices.Clone(pub)
			badPub[bit/8] ^= 1 << (bit % 8)
			o.check("pub bit", badPub, msg, sig)
		}
	}
}

// TestScalarS: S must be below l, whatever else holds.
func TestScalarS(t *testing.T) {
	r := testRand(t)
	o := newOracle(t)
	priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("S")
	sig := ed25519.Sign(priv, msg)
	S := fromLE(sig[32:])
	withS := func(s *big.Int) []byte { return append(slices.Clone(sig[:32]), le32(s)...) }
	two256 := new(big.Int).Lsh(big.NewInt(1), 256)
	var cases []*big.Int
	for m := int64(1); m <= 15; m++ { // S + m·l: the same point, refused
		if s := new(big.Int).Add(S, new(big.Int).Mul(big.NewInt(m), scalarL)); s.Cmp(two256) < 0 {
			cases = append(cases, s)
		}
	}
	lMinus1 := new(big.Int).Sub(scalarL, big.NewInt(1))
	cases = append(cases, big.NewInt(0), big.NewInt(1), lMinus1, scalarL,
		new(big.Int).Add(scalarL, big.NewInt(1)),
		new(big.Int).Lsh(big.NewInt(1), 252), new(big.Int).Lsh(big.NewInt(1), 253),
		new(big.Int).Sub(two256, big.NewInt(1)))
	for range 200 {
		s := new(big.Int).SetBytes(randBytes(r, 32)) // mostly ≥ l
		cases = append(cases, s)
	}
	for range 50 { // top three bits set on a valid S
		b := slices.Clone(sig)
		b[63] |= byte(1+r.IntN(7)) << 5
		cases = append(cases, fromLE(b[32:]))
	}
	for _, s := range cases {
		got := o.check("S", pub, msg, withS(s))
		if got != (s.Cmp(S) == 0) {
			t.Errorf("S = %v: verified %v", s, got)
		}
	}
	o.checkCache("S = S+l", pub, msg, withS(new(big.Int).Add(S, scalarL)))
	o.checkCache("S = l", pub, msg, withS(scalarL))
}

// TestSmallOrderPoints checks the list of small-order encodings, then
// uses them and the odd encodings as A and as R.
func TestSmallOrderPoints(t *testing.T) {
	id := edwards25519.NewIdentityPoint()
	for _, h := range smallOrder {
		p, err := new(edwards25519.Point).SetBytes(mustHex(t, h))
		if err != nil {
			t.Fatalf("%s does not decode", h)
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(id) != 1 {
			t.Fatalf("%s is not of small order", h)
		}
	}
	r := testRand(t)
	o := newOracle(t)
	var points [][]byte
	for _, h := range smallOrder {
		points = append(points, mustHex(t, h))
	}
	points = append(points, oddEncodings()...)
	if len(points) < 12 {
		t.Fatalf("only %d points", len(points))
	}
	msgs := [][]byte{nil, []byte("small order")}
	accepts := 0
	for _, A := range points {
		for _, msg := range msgs {
			for range 2 {
				// R = [S]B + T for a small-order T: valid exactly when
				// [k]A = −T, which happens for some k.
				S := randScalar(t, randBytes(r, 32))
				SB := new(edwards25519.Point).ScalarBaseMult(S)
				for _, T := range points {
					Tp, _ := new(edwards25519.Point).SetBytes(T)
					R := new(edwards25519.Point).Add(SB, Tp).Bytes()
					sig := append(R, S.Bytes()...)
					if o.check("small A, R = SB+T", A, msg, sig) {
						accepts++
					}
					// R as the raw small-order encoding, canonical or not.
					o.check("small A, R = T", A, msg, append(slices.Clone(T), S.Bytes()...))
				}
			}
			zeroS := make([]byte, 32)
			for _, R := range points {
				o.check("small A and R, S = 0", A, msg, append(slices.Clone(R), zeroS...))
			}
		}
		o.checkCache("small A", A, msgs[1], append(slices.Clone(points[0]), make([]byte, 32)...))
	}
	if accepts == 0 {
		t.Error("no signature with a small-order key was valid: the test does not exercise acceptance")
	}
	t.Logf("%d cases, %d accepted", o.cases, o.accepts)
}

// TestMixedOrderKeys: A = [a]B + T with T of small order, signed with a.
// crypto/ed25519 accepts exactly when [k mod l]T is the identity.
func TestMixedOrderKeys(t *testing.T) {
	r := testRand(t)
	o := newOracle(t)
	accepts, refusals := 0, 0
	for _, h := range smallOrder {
		T, _ := new(edwards25519.Point).SetBytes(mustHex(t, h))
		for range 30 {
			a := randScalar(t, randBytes(r, 32))
			A := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(a), T).Bytes()
			for range 4 {
				msg := randBytes(r, 40)
				sig := signWith(a, randScalar(t, randBytes(r, 32)), A, msg)
				if o.check("mixed order", A, msg, sig) {
					accepts++
				} else {
					refusals++
				}
			}
		}
	}
	if accepts == 0 || refusals == 0 {
		t.Errorf("%d accepted, %d refused: both should occur", accepts, refusals)
	}
}

// TestNonCanonicalEncodings: an A given with y ≥ p verifies as Go does
// (the hash covers A's bytes as given); an R never matches a recomputed
// canonical encoding unless it is one.
func TestNonCanonicalEncodings(t *testing.T) {
	r := testRand(t)
	o := newOracle(t)
	for _, enc := range oddEncodings() {
		P, err := new(edwards25519.Point).SetBytes(enc)
		if err != nil {
			t.Fatalf("%x does not decode", enc)
		}
		canon := P.Bytes()
		// As A: valid signatures over the odd bytes, when A is [a]B.
		// Points this low on y are of unknown discrete log, so sign with
		// the canonical bytes and the odd ones: both are checked.
		for range 10 {
			msg := randBytes(r, 32)
			a := randScalar(t, randBytes(r, 32))
			sig := signWith(a, randScalar(t, randBytes(r, 32)), enc, msg)
			o.check("odd A", enc, msg, sig)
			o.check("odd A, canonical signed", canon, msg, sig)
			// A valid-by-construction signature for A with a known R.
			S := randScalar(t, randBytes(r, 32))
			R := new(edwards25519.Point).ScalarBaseMult(S)
			o.check("odd R", canon, msg, append(slices.Clone(enc), S.Bytes()...))
			o.check("R = [S]B", enc, msg, append(R.Bytes(), S.Bytes()...))
		}
		o.checkCache("odd A", enc, []byte("x"), append(slices.Clone(canon), make([]byte, 32)...))
	}
	// A valid signature whose R is re-encoded with y ≥ p cannot be made
	// for random R; re-encode the identity R of a signature with S = 0
	// for the identity A instead, which Go accepts only canonically.
	idA := mustHex(t, smallOrder[0])
	for _, R := range append([][]byte{mustHex(t, smallOrder[0])}, oddEncodings()...) {
		o.check("identity A, S = 0", idA, []byte("id"), append(slices.Clone(R), make([]byte, 32)...))
	}
	if !ed25519.Verify(idA, []byte("id"), append(mustHex(t, smallOrder[0]), make([]byte, 32)...)) {
		t.Error("crypto/ed25519 refuses R = identity, S = 0 for A = identity: the test above checks nothing")
	}
}

// TestLengths: wrong signature lengths are refused; a public key that is
// not 32 bytes long panics in both.
func TestLengths(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("len")
	sig := ed25519.Sign(priv, msg)
	k, _ := newKey(pub)
	c := newCache(4, 8)
	for _, n := range []int{0, 1, 32, 63, 65, 128} {
		s := make([]byte, n)
		copy(s, sig)
		for range 3 {
			if c.verify(pub, msg, s) || k.verify(msg, s) {
				t.Errorf("a %d-byte signature verifies", n)
			}
		}
	}
	for _, n := range []int{0, 31, 33, 64} {
		p := make([]byte, n)
		copy(p, pub)
		if !panics(func() { ed25519.Verify(p, msg, sig) }) {
			t.Fatalf("crypto/ed25519 no longer panics for a %d-byte key", n)
		}
		if !panics(func() { Verify(p, msg, sig) }) {
			t.Errorf("Verify does not panic for a %d-byte key", n)
		}
	}
}

func panics(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}

// TestDigits: the signed digits recompose the scalar exactly, in range.
func TestDigits(t *testing.T) {
	r := testRand(t)
	two253 := new(big.Int).Lsh(big.NewInt(1), 253)
	vals := []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(scalarL, big.NewInt(1)), new(big.Int).Sub(two253, big.NewInt(1))}
	for range 2000 {
		vals = append(vals, new(big.Int).Mod(new(big.Int).SetBytes(randBytes(r, 32)), two253))
	}
	for _, w := range []int{4, 5, 6, 7, 8} {
		out := make([]int8, ndigits(w))
		for _, v := range vals {
			s := [32]byte(le32(v))
			digits(out, &s, w)
			sum := new(big.Int)
			for i := len(out) - 1; i >= 0; i-- {
				if d := int(out[i]); d < -(1<<(w-1)) || d > 1<<(w-1) {
					t.Fatalf("w=%d: digit %d out of range", w, d)
				}
				sum.Lsh(sum, uint(w))
				sum.Add(sum, big.NewInt(int64(out[i])))
			}
			if sum.Cmp(v) != 0 {
				t.Fatalf("w=%d: %v recomposes to %v", w, v, sum)
			}
		}
	}
}

// TestTableMul compares table.mul for every window and interleaving with
// edwards25519's ScalarMult, for points of prime and of mixed order and
// scalars whose digits reach ±2^(w−1).
func TestTableMul(t *testing.T) {
	r := testRand(t)
	T, _ := new(edwards25519.Point).SetBytes(mustHex(t, smallOrder[4]))
	P := new(edwards25519.Point).ScalarBaseMult(randScalar(t, []byte("P")))
	points := []*edwards25519.Point{edwards25519.NewGeneratorPoint(), P, new(edwards25519.Point).Add(P, T), T}
	var scalars [][]byte
	for _, v := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(scalarL, big.NewInt(1))} {
		scalars = append(scalars, le32(v))
	}
	for _, fill := range []byte{0x80, 0x88, 0xff, 0x08, 0x10} { // windows at their extremes
		b := make([]byte, 32)
		for i := range b {
			b[i] = fill
		}
		b[31] = 0x0f // below l
		scalars = append(scalars, b)
	}
	for range 20 {
		scalars = append(scalars, randScalar(t, randBytes(r, 32)).Bytes())
	}
	for _, P := range points {
		for _, w := range []int{4, 5, 6, 8} {
			for _, m := range []int{1, 2, 3} {
				tab := newTable(P, w, m)
				dg := make([]int8, ndigits(w))
				for _, s := range scalars {
					sc, err := new(edwards25519.Scalar).SetCanonicalBytes(s)
					if err != nil {
						t.Fatalf("%x: %v", s, err)
					}
					want := new(edwards25519.Point).ScalarMult(sc, P).Bytes()
					digits(dg, (*[32]byte)(s), w)
					var acc edwards.Ext
					tab.mul(&acc, dg)
					var got [32]byte
					acc.Bytes(&got)
					if string(got[:]) != string(want) {
						t.Fatalf("w=%d m=%d s=%x: %x, want %x", w, m, s, got, want)
					}
					if m == 1 { // addTo onto [s]P gives [2s]P
						tab.addTo(&acc, dg)
						acc.Bytes(&got)
						if want2 := new(edwards25519.Point).Add(mustPoint(t, want), mustPoint(t, want)).Bytes(); string(got[:]) != string(want2) {
							t.Fatalf("w=%d s=%x: addTo gives %x, want %x", w, s, got, want2)
						}
					}
				}
			}
		}
	}
}
