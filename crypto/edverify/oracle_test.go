package edverify

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"math/big"
	"testing"

	"filippo.io/edwards25519"
)

// oracle checks every case against crypto/ed25519.Verify through both of
// this package's paths: a fresh cache (first use: crypto/ed25519 itself,
// second: the table is built, third: the cached table) and the table of
// a key built once for the whole test.
type oracle struct {
	t       testing.TB
	keys    map[[32]byte]*key
	accepts int
	cases   int
}

func newOracle(t testing.TB) *oracle {
	return &oracle{t: t, keys: make(map[[32]byte]*key)}
}

// check fails the test when any path disagrees with crypto/ed25519 and
// returns crypto/ed25519's answer.
func (o *oracle) check(name string, pub, msg, sig []byte) bool {
	o.t.Helper()
	want := ed25519.Verify(pub, msg, sig)
	o.cases++
	if want {
		o.accepts++
	}
	k, ok := o.keys[[32]byte(pub)]
	if !ok {
		k, _ = newKey(pub)
		o.keys[[32]byte(pub)] = k
	}
	if k == nil {
		if want {
			o.t.Fatalf("%s: pub %x does not decode here but crypto/ed25519 accepts", name, pub)
		}
	} else if got := k.verify(msg, sig); got != want {
		o.t.Fatalf("%s: table says %v, crypto/ed25519 %v\npub %x\nmsg %x\nsig %x", name, got, want, pub, msg, sig)
	}
	return want
}

// checkCache runs one case through a fresh cache's three paths.
func (o *oracle) checkCache(name string, pub, msg, sig []byte) {
	o.t.Helper()
	want := ed25519.Verify(pub, msg, sig)
	c := newCache(4, 8)
	for i, path := range []string{"first use", "build", "cached"} {
		if got := c.verify(pub, msg, sig); got != want {
			o.t.Fatalf("%s (%s, call %d): %v, crypto/ed25519 %v\npub %x\nmsg %x\nsig %x", name, path, i+1, got, want, pub, msg, sig)
		}
	}
}

// newKey decodes pub as crypto/ed25519 does and builds its table, as the
// cache does; ok is false when pub is not a point.
func newKey(pub []byte) (*key, bool) {
	A, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil, false
	}
	return keyOf([32]byte(pub), A), true
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scalarL is the group order l.
var scalarL, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// fieldP is 2^255 − 19.
var fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// le32 is n as 32 bytes little-endian (n < 2^256).
func le32(n *big.Int) []byte {
	be := n.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		be[i], be[j] = be[j], be[i]
	}
	return be
}

func fromLE(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(be)
}

// smallOrder are the canonical encodings of the eight points of order
// dividing 8 (TestSmallOrderPoints proves it).
var smallOrder = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
}

// oddEncodings are encodings crypto/ed25519 decodes although RFC 8032
// would refuse them: y ≥ p (y = p + t, t < 19) with either sign bit, and
// x = 0 with the sign bit set. Each decodes (checked by the tests using it).
func oddEncodings() [][]byte {
	var out [][]byte
	for t := range int64(19) {
		y := le32(new(big.Int).Add(fieldP, big.NewInt(t)))
		for _, sign := range []byte{0, 0x80} {
			e := append([]byte(nil), y...)
			e[31] |= sign
			if _, err := new(edwards25519.Point).SetBytes(e); err == nil {
				out = append(out, e)
			}
		}
	}
	for _, y := range []*big.Int{big.NewInt(1), new(big.Int).Sub(fieldP, big.NewInt(1))} {
		e := le32(y)
		e[31] |= 0x80 // "−0": x = 0 with the sign bit set
		out = append(out, e)
	}
	return out
}

// signWith signs msg as Ed25519 does with secret scalar a and nonce r, for
// a public key encoded as pub (which need not be [a]B: mixed-order keys).
func signWith(a, r *edwards25519.Scalar, pub, msg []byte) []byte {
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()
	h := sha512.New()
	h.Write(R)
	h.Write(pub)
	h.Write(msg)
	k, _ := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	S := new(edwards25519.Scalar).MultiplyAdd(k, a, r)
	return append(R, S.Bytes()...)
}

func randScalar(t testing.TB, seed []byte) *edwards25519.Scalar {
	h := sha512.Sum512(seed)
	s, err := new(edwards25519.Scalar).SetUniformBytes(h[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}
