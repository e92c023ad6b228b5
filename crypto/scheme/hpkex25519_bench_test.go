package scheme

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"testing"

	"github.com/callscope/callscope/internal/cputime"
)

// BenchmarkX25519 measures the default scheme's seal, open and seal+open
// beside crypto/hpke's (the embedded hpkeScheme, what the scheme was
// before) on the same key, in the same run: an envelope's 512-byte padded
// plaintext, its info label and a header-sized AAD. open uses a parsed key
// (NewOpener), as the receiver's key ring does. encap is the sender's
// X25519 alone, the ephemeral public key and the DH: x25519Encap (the
// ladder) and x25519EncapTable (the recipient's table, what a seal to a
// recurring recipient takes, as seal/callscope does after its second seal)
// beside crypto/ecdh's GenerateKey and ECDH; table/build is a table's cost.
func BenchmarkX25519(b *testing.B) {
	s := defaultScheme(b)
	priv, pub, err := s.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	info, aad, pt := []byte("VPE1 call-request"), make([]byte, 120), make([]byte, 512)
	impls := []struct {
		name string
		s    Scheme
	}{{"callscope", s}, {"crypto-hpke", s.hpkeScheme}}
	for _, im := range impls {
		op, err := im.s.NewOpener(priv)
		if err != nil {
			b.Fatal(err)
		}
		enc, ct, err := im.s.Seal(nil, pub, info, aad, pt)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("seal/"+im.name, func(b *testing.B) {
			measure(b, func() error {
				_, _, err := im.s.Seal(nil, pub, info, aad, pt)
				return err
			})
		})
		b.Run("open/"+im.name, func(b *testing.B) {
			measure(b, func() error {
				_, err := op.Open(enc, info, aad, ct)
				return err
			})
		})
		b.Run("sealopen/"+im.name, func(b *testing.B) {
			measure(b, func() error {
				enc, ct, err := im.s.Seal(nil, pub, info, aad, pt)
				if err != nil {
					return err
				}
				_, err = op.Open(enc, info, aad, ct)
				return err
			})
		})
	}
	b.Run("encap/callscope", func(b *testing.B) {
		var sk, pkE, dh [32]byte
		measure(b, func() error {
			_, _ = rand.Read(sk[:])
			x25519Encap(&pkE, &dh, &sk, (*[32]byte)(pub))
			return nil
		})
	})
	b.Run("encap/callscope-table", func(b *testing.B) {
		var sk, pkE, dh [32]byte
		tab, _ := newPeerTable((*[32]byte)(pub))
		measure(b, func() error {
			_, _ = rand.Read(sk[:])
			x25519EncapTable(&pkE, &dh, &sk, tab)
			return nil
		})
	})
	b.Run("table/build", func(b *testing.B) {
		measure(b, func() error {
			newPeerTable((*[32]byte)(pub))
			return nil
		})
	})
	b.Run("encap/crypto-ecdh", func(b *testing.B) {
		pk, _ := ecdh.X25519().NewPublicKey(pub)
		measure(b, func() error {
			k, err := ecdh.X25519().GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			_, err = k.ECDH(pk)
			return err
		})
	})
	b.Run("singleshot/crypto-hpke", func(b *testing.B) {
		// bench crypto's baseline: hpke.Seal+Open, no AAD.
		kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
		sk, _ := kem.NewPrivateKey(priv)
		measure(b, func() error {
			ct, err := hpke.Seal(sk.PublicKey(), kdf, aead, info, pt)
			if err != nil {
				return err
			}
			_, err = hpke.Open(sk, kdf, aead, info, ct)
			return err
		})
	})
}

// measure runs f in b.Loop and reports allocations and CPU time per op
// (cpu-ns/op) beside wall time.
func measure(b *testing.B, f func() error) {
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	if d := cputime.Process() - cpu0; d > 0 && cpu0 > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
