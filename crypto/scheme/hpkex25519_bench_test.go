package scheme

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"testing"
)

// BenchmarkX25519 measures the default scheme's seal, open and seal+open
// beside crypto/hpke's (the embedded hpkeScheme, what the scheme was
// before) on the same key, in the same run: an envelope's 512-byte padded
// plaintext, its info label and a header-sized AAD. open uses a parsed key
// (NewOpener), as the receiver's key ring does. keygen is the ephemeral
// key pair alone: crypto/ecdh's GenerateKey beside fixed-base x25519Base.
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
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := im.s.Seal(nil, pub, info, aad, pt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("open/"+im.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := op.Open(enc, info, aad, ct); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("sealopen/"+im.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				enc, ct, err := im.s.Seal(nil, pub, info, aad, pt)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := op.Open(enc, info, aad, ct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("keygen/callscope", func(b *testing.B) {
		b.ReportAllocs()
		var sk, pk [32]byte
		for b.Loop() {
			_, _ = rand.Read(sk[:])
			x25519Base(&pk, &sk)
		}
	})
	b.Run("keygen/crypto-ecdh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ecdh.X25519().GenerateKey(rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("singleshot/crypto-hpke", func(b *testing.B) {
		// bench crypto's baseline: hpke.Seal+Open, no AAD.
		kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
		sk, _ := kem.NewPrivateKey(priv)
		b.ReportAllocs()
		for b.Loop() {
			ct, err := hpke.Seal(sk.PublicKey(), kdf, aead, info, pt)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := hpke.Open(sk, kdf, aead, info, ct); err != nil {
				b.Fatal(err)
			}
		}
	})
}
