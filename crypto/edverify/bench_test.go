package edverify

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

func benchKey(b *testing.B) (ed25519.PublicKey, []byte, []byte) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 220)
	rand.Read(msg)
	return pub, msg, ed25519.Sign(priv, msg)
}

// BenchmarkVerify compares a verification with a cached key's table to
// crypto/ed25519.Verify.
func BenchmarkVerify(b *testing.B) {
	pub, msg, sig := benchKey(b)
	b.Run("stdlib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("table", func(b *testing.B) {
		c := newCache(maxKeys, maxSeen)
		c.verify(pub, msg, sig)
		c.verify(pub, msg, sig)
		b.ReportAllocs()
		for b.Loop() {
			if !c.verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			newKey(pub)
		}
	})
}
