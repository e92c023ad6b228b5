package scheme

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"math/big"
	"slices"
	"testing"

	"filippo.io/edwards25519"
)

// onCurve is the oracle for which keys get a table: u (bit 255 dropped,
// reduced mod p) is on Curve25519, not its twist, exactly when
// u³ + 486662u² + u is zero or a square mod p (Euler's criterion), and the
// map to Edwards has a pole at u = −1.
func onCurve(pk *[32]byte) bool {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	le := *pk
	le[31] &= 0x7f
	slices.Reverse(le[:])
	u := new(big.Int).Mod(new(big.Int).SetBytes(le[:]), p)
	if u.Cmp(new(big.Int).Sub(p, big.NewInt(1))) == 0 {
		return false
	}
	rhs := new(big.Int).Mul(u, u)
	rhs.Mul(rhs, u)
	rhs.Add(rhs, new(big.Int).Mul(big.NewInt(486662), new(big.Int).Mul(u, u)))
	rhs.Add(rhs, u).Mod(rhs, p)
	if rhs.Sign() == 0 {
		return true
	}
	e := new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1)
	return new(big.Int).Exp(rhs, e, p).Cmp(big.NewInt(1)) == 0
}

// checkTablePath builds pk's table (or finds it has none, which must be
// exactly the keys off the curve), runs every scalar through it (through
// the ladder when there is none) and holds each DH and public key to
// crypto/ecdh and to the ladder: the same bytes, refused exactly when
// crypto/ecdh refuses. It reports whether pk had a table.
func checkTablePath(t *testing.T, pk *[32]byte, sks [][32]byte) bool {
	t.Helper()
	tab, ok := newPeerTable(pk)
	if want := onCurve(pk); ok != want {
		t.Fatalf("peer %x: table %v, on the curve %v", pk, ok, want)
	}
	epk, err := ecdh.X25519().NewPublicKey(pk[:])
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range sks {
		var pub, dh, lpub, ldh [32]byte
		var got bool
		if ok {
			got = x25519EncapTable(&pub, &dh, &sk, tab)
		} else {
			got = x25519Encap(&pub, &dh, &sk, pk)
		}
		lok := x25519Encap(&lpub, &ldh, &sk, pk)
		k, _ := ecdh.X25519().NewPrivateKey(sk[:])
		want, wantErr := k.ECDH(epk)
		if got != (wantErr == nil) || got != lok || dh != ldh {
			t.Fatalf("sk %x, peer %x (table %v): DH %x accepted %v; ladder %x %v; crypto/ecdh %x %v", sk, pk, ok, dh, got, ldh, lok, want, wantErr)
		}
		if !got {
			if dh != [32]byte{} {
				t.Fatalf("sk %x, peer %x: refused with a non-zero DH %x", sk, pk, dh)
			}
			continue
		}
		if !bytes.Equal(dh[:], want) || !bytes.Equal(pub[:], k.PublicKey().Bytes()) || pub != lpub {
			t.Fatalf("sk %x, peer %x: DH %x, public %x; crypto/ecdh %x, %x", sk, pk, dh, pub, want, k.PublicKey().Bytes())
		}
	}
	return ok
}

// randomScalars is n random secrets after the edges of clamping.
func randomScalars(n int) [][32]byte {
	var ones [32]byte
	for i := range ones {
		ones[i] = 0xff
	}
	out := [][32]byte{{}, ones, {1}, {8}, {31: 0x40}, {31: 0x80}, {0: 0xff, 31: 0x3f}}
	for range n {
		var sk [32]byte
		_, _ = rand.Read(sk[:])
		out = append(out, sk)
	}
	return out
}

// TestPeerTableMatchesECDH: random recipients, a table each, many random
// scalars per table.
func TestPeerTableMatchesECDH(t *testing.T) {
	keys, per := 40, 100
	if testing.Short() || raceEnabled {
		keys, per = 6, 20
	}
	for range keys {
		k, _ := ecdh.X25519().GenerateKey(rand.Reader)
		if !checkTablePath(t, (*[32]byte)(k.PublicKey().Bytes()), randomScalars(per)) {
			t.Fatalf("no table for crypto/ecdh's public key %x", k.PublicKey().Bytes())
		}
	}
}

// TestPeerTableWycheproof runs every Wycheproof X25519 vector through the
// table (or, off the curve, the ladder it falls back to): the vector's
// shared secret, crypto/ecdh's, and a refusal for every all-zero one. The
// low-order, non-canonical and twist cases must each have been met.
func TestPeerTableWycheproof(t *testing.T) {
	f := wycheproofX25519(t)
	met := map[string]int{}
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			pk, sk := [32]byte(tc.Public), [32]byte(tc.Private)
			tabled := checkTablePath(t, &pk, [][32]byte{sk})
			tab, _ := newPeerTable(&pk)
			var pub, dh [32]byte
			var ok bool
			if tabled {
				ok = x25519EncapTable(&pub, &dh, &sk, tab)
			} else {
				ok = x25519Encap(&pub, &dh, &sk, &pk)
			}
			switch {
			case bytes.Equal(tc.Shared, make([]byte, 32)):
				if ok || dh != [32]byte{} {
					t.Errorf("tc %d: all-zero secret accepted (%x, %v)", tc.TcID, dh, ok)
				}
			case tc.Result == "invalid":
				if ok && bytes.Equal(dh[:], tc.Shared) {
					t.Errorf("tc %d: invalid case agreed", tc.TcID)
				}
			default:
				if !ok || !bytes.Equal(dh[:], tc.Shared) {
					t.Errorf("tc %d (%s): %x, %v; want %x", tc.TcID, tc.Result, dh, ok, tc.Shared)
				}
			}
			path := "ladder"
			if tabled {
				path = "table"
			}
			met[path]++
			for _, fl := range tc.Flags {
				met[path+" "+fl]++
			}
		}
	}
	t.Logf("paths met: %v", met)
	for _, want := range []string{"table LowOrderPublic", "table NonCanonicalPublic", "table EdgeCaseMultiplication", "ladder Twist", "ladder LowOrderPublic"} {
		if met[want] == 0 {
			t.Errorf("no vector met %q", want)
		}
	}
	if met["table Twist"] != 0 {
		t.Errorf("%d twist points given a table", met["table Twist"])
	}
}

// TestPeerTableTorsion: the eight points of small order (u = 0, 1 and the
// two order-8 u: every multiple is refused), and prime-order points with
// each of them added (the clamped scalar kills the small part, so the DH
// is the prime-order point's), all through tables.
func TestPeerTableTorsion(t *testing.T) {
	var t8 edwards25519.Point // the order-8 point with u = e0eb7a…b800
	var pk8 [32]byte
	copy(pk8[:], mustHex(t, lowOrder[2]))
	y, ok := edwardsY(&pk8)
	if !ok {
		t.Fatal("u of order 8 has no y")
	}
	if _, err := t8.SetBytes(y); err != nil {
		t.Fatal(err)
	}
	id := edwards25519.NewIdentityPoint()
	var t4 edwards25519.Point
	t4.Double(t4.Double(&t8))
	if t4.Equal(id) == 1 || new(edwards25519.Point).Double(&t4).Equal(id) != 1 {
		t.Fatal("t8 is not of order 8")
	}
	sks := randomScalars(10)
	torsion := edwards25519.NewIdentityPoint()
	us := map[[32]byte]bool{}
	for j := range 8 {
		u := [32]byte(torsion.BytesMontgomery()) // the identity gives 0 too
		us[u] = true
		if !checkTablePath(t, &u, sks) {
			t.Fatalf("%d·T8 (u %x): no table", j, u)
		}
		for range 5 {
			var s [64]byte
			_, _ = rand.Read(s[:])
			sc, _ := edwards25519.NewScalar().SetUniformBytes(s[:])
			p := new(edwards25519.Point).ScalarBaseMult(sc)
			up := [32]byte(p.BytesMontgomery())
			upt := [32]byte(new(edwards25519.Point).Add(p, torsion).BytesMontgomery())
			if !checkTablePath(t, &upt, sks) {
				t.Fatalf("P + %d·T8: no table", j)
			}
			tab, _ := newPeerTable(&up)
			tabT, _ := newPeerTable(&upt)
			for _, sk := range sks {
				var pub, a, b [32]byte
				x25519EncapTable(&pub, &a, &sk, tab)
				x25519EncapTable(&pub, &b, &sk, tabT)
				if a != b {
					t.Fatalf("sk %x: X25519(P) %x, X25519(P + %d·T8) %x", sk, a, j, b)
				}
			}
		}
		torsion.Add(torsion, &t8)
	}
	if len(us) != 4 { // 0, 1 and the two order-8 u
		t.Fatalf("%d distinct u for the 8 torsion points, want 4", len(us))
	}
}

// edwardsY is RFC 7748's y = (u − 1)/(u + 1), encoded, computed apart
// from the code under test; false at the pole u = −1.
func edwardsY(pk *[32]byte) ([]byte, bool) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	le := *pk
	le[31] &= 0x7f
	slices.Reverse(le[:])
	u := new(big.Int).Mod(new(big.Int).SetBytes(le[:]), p)
	den := new(big.Int).ModInverse(new(big.Int).Add(u, big.NewInt(1)), p)
	if den == nil {
		return nil, false
	}
	num := new(big.Int).Sub(u, big.NewInt(1))
	y := num.Mul(num, den).Mod(num, p).FillBytes(make([]byte, 32))
	slices.Reverse(y)
	return y, true
}

// TestPeerTableEdgePeers: the edge peers of hpkex25519_edge_test.go (every
// all-zero-secret encoding, u from p to p + 18 and below 64 with and
// without the top bit, random u with it set) and random 32-byte strings,
// about half of them twist points.
func TestPeerTableEdgePeers(t *testing.T) {
	peers := edgePeers(t)
	for range 200 {
		var u [32]byte
		_, _ = rand.Read(u[:])
		peers = append(peers, u)
	}
	sks := randomScalars(4)
	tabled := 0
	for _, u := range peers {
		if checkTablePath(t, &u, sks) {
			tabled++
		}
	}
	if tabled == 0 || tabled == len(peers) {
		t.Fatalf("%d of %d peers had a table: want both paths", tabled, len(peers))
	}
}

// TestPeerTableRFC9180: RFC 9180 A.2.1 sealed through a fresh cache three
// times, by the ladder (first seal), while building the table (second) and
// from the table (third): the vector's enc and ciphertext each time.
func TestPeerTableRFC9180(t *testing.T) {
	s := defaultScheme(t)
	n := 0
	for _, v := range loadHPKE(t) {
		if v.Mode != 0 || v.KEM != 0x0020 || v.AEAD != 0x0003 {
			continue
		}
		n++
		c := newPeerCache(4, 2)
		e0 := v.Encryptions[0]
		for i, want := range []bool{false, true, true} {
			enc, ct, err := s.sealWith(c, (*[32]byte)(v.SkEm), v.PkRm, v.Info, e0.AAD, e0.PT)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, v.Enc) || !bytes.Equal(ct, e0.CT) {
				t.Fatalf("seal %d:\nenc %x\nct  %x\nwant\nenc %x\nct  %x", i+1, enc, ct, v.Enc, e0.CT)
			}
			if tab, _ := c.lookup((*[32]byte)(v.PkRm)); (tab != nil) != want {
				t.Fatalf("after seal %d: table %v, want %v", i+1, tab != nil, want)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d X25519/ChaCha20-Poly1305 base-mode vectors, want 1", n)
	}
}

// TestPeerTableSealsIdentical: for random recipients and ephemeral
// secrets, the first seal (ladder), the second (building the table) and
// the third (from the table) give the same bytes, and crypto/hpke opens
// them.
func TestPeerTableSealsIdentical(t *testing.T) {
	s := defaultScheme(t)
	info, aad, pt := []byte("VPE1 call-request"), []byte("header"), []byte("pt")
	for range 20 {
		priv, pub, err := s.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c := newPeerCache(4, 2)
		var skE [32]byte
		_, _ = rand.Read(skE[:])
		var first []byte
		for i := range 3 {
			enc, ct, err := s.sealWith(c, &skE, pub, info, aad, pt)
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]byte(nil), enc...), ct...)
			if i == 0 {
				first = out
				if got, err := s.hpkeScheme.Open(priv, enc, info, aad, ct); err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("crypto/hpke open: %x, %v", got, err)
				}
			} else if !bytes.Equal(out, first) {
				t.Fatalf("seal %d: %x; first seal %x", i+1, out, first)
			}
		}
		if tab, _ := c.lookup((*[32]byte)(pub)); tab == nil {
			t.Fatal("no table after three seals")
		}
	}
}
