package scheme

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"testing"
)

// TestX25519EncapWycheproof runs the Wycheproof X25519 vectors through
// x25519Encap (the sender's DH and public key of the default scheme): every
// DH equals the vector's, every all-zero DH is refused, as crypto/ecdh
// refuses it (TestWycheproofX25519), and the public key beside each
// accepted DH is crypto/ecdh's.
func TestX25519EncapWycheproof(t *testing.T) {
	f := wycheproofX25519(t)
	var zero [32]byte
	n, zeros := 0, 0
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			if len(tc.Public) != 32 || len(tc.Private) != 32 {
				t.Fatalf("tc %d: %d-byte public, %d-byte private", tc.TcID, len(tc.Public), len(tc.Private))
			}
			n++
			var pub, got [32]byte
			ok := x25519Encap(&pub, &got, (*[32]byte)(tc.Private), (*[32]byte)(tc.Public))
			if k, _ := ecdh.X25519().NewPrivateKey(tc.Private); ok && !bytes.Equal(pub[:], k.PublicKey().Bytes()) {
				t.Errorf("tc %d: public key %x, crypto/ecdh %x", tc.TcID, pub, k.PublicKey().Bytes())
			}
			switch {
			case bytes.Equal(tc.Shared, zero[:]):
				zeros++
				if ok || got != zero {
					t.Errorf("tc %d: all-zero secret accepted (%x, %v)", tc.TcID, got, ok)
				}
			case tc.Result == "invalid":
				if ok && bytes.Equal(got[:], tc.Shared) {
					t.Errorf("tc %d: invalid case agreed", tc.TcID)
				}
			default: // valid and acceptable (twist points, non-canonical u)
				if !ok || !bytes.Equal(got[:], tc.Shared) {
					t.Errorf("tc %d (%s): %x, %v; want %x", tc.TcID, tc.Result, got, ok, tc.Shared)
				}
			}
		}
	}
	if n < 100 || zeros == 0 {
		t.Fatalf("%d cases read, %d with an all-zero secret", n, zeros)
	}
}

// TestX25519BaseMatchesECDH: the fixed-base Edwards public key equals
// crypto/ecdh's (its ladder with u = 9), and so does this package's ladder
// with u = 9 as the peer, for scalars at the edges of clamping and
// thousands of random ones.
func TestX25519BaseMatchesECDH(t *testing.T) {
	edges := [][32]byte{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {1}, {8}, {31: 0x40}, {31: 0x80}}
	n := 3000
	if testing.Short() || raceEnabled {
		n = 300
	}
	for i := range n + len(edges) {
		var sk [32]byte
		if i < len(edges) {
			sk = edges[i]
		} else {
			_, _ = rand.Read(sk[:])
		}
		k, err := ecdh.X25519().NewPrivateKey(sk[:])
		if err != nil {
			t.Fatal(err)
		}
		var fixed, ladder [32]byte
		if !x25519Encap(&fixed, &ladder, &sk, &[32]byte{9}) {
			t.Fatalf("sk %x: ladder gave zero", sk)
		}
		if want := k.PublicKey().Bytes(); !bytes.Equal(fixed[:], want) || !bytes.Equal(ladder[:], want) {
			t.Fatalf("sk %x: fixed-base %x, ladder %x; crypto/ecdh %x", sk, fixed, ladder, want)
		}
	}
}

// TestX25519LadderMatchesECDH: the sender's DH and public key equal
// crypto/ecdh's for random key pairs.
func TestX25519LadderMatchesECDH(t *testing.T) {
	for range 1000 {
		a, _ := ecdh.X25519().GenerateKey(rand.Reader)
		b, _ := ecdh.X25519().GenerateKey(rand.Reader)
		want, err := a.ECDH(b.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		var pub, got [32]byte
		ok := x25519Encap(&pub, &got, (*[32]byte)(a.Bytes()), (*[32]byte)(b.PublicKey().Bytes()))
		if !ok || !bytes.Equal(got[:], want) || !bytes.Equal(pub[:], a.PublicKey().Bytes()) {
			t.Fatalf("X25519(a, B) = %x, public %x; crypto/ecdh %x, %x", got, pub, want, a.PublicKey().Bytes())
		}
	}
}
