package edverify

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/callscope/callscope/internal/cputime"
)

func benchKey(b *testing.B) (ed25519.PublicKey, []byte, []byte) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 220)
	rand.Read(msg)
	return pub, msg, ed25519.Sign(priv, msg)
}

// BenchmarkVerify compares a verification with a cached key's table to
// crypto/ed25519.Verify, and times a key's table build.
func BenchmarkVerify(b *testing.B) {
	pub, msg, sig := benchKey(b)
	b.Run("stdlib", func(b *testing.B) {
		b.ReportAllocs()
		t0 := cputime.Process()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
		reportCPU(b, t0)
	})
	b.Run("table", func(b *testing.B) {
		c := newCache(maxKeys, maxSeen)
		c.verify(pub, msg, sig)
		c.verify(pub, msg, sig)
		b.ReportAllocs()
		t0 := cputime.Process()
		for b.Loop() {
			if !c.verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
		reportCPU(b, t0)
	})
	b.Run("build", func(b *testing.B) {
		t0 := cputime.Process()
		for b.Loop() {
			newKey(pub)
		}
		reportCPU(b, t0)
	})
}

// BenchmarkVerifyParallel verifies with one cached key from 64 goroutines:
// the hot path takes no lock, so a verification costs no more than alone.
func BenchmarkVerifyParallel(b *testing.B) {
	pub, msg, sig := benchKey(b)
	c := newCache(maxKeys, maxSeen)
	c.verify(pub, msg, sig)
	c.verify(pub, msg, sig)
	b.SetParallelism(32) // 64 goroutines on 2 cores, as BenchmarkCall/c=64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !c.verify(pub, msg, sig) {
				b.Error("refused")
				return
			}
		}
	})
}

var pollution = make([]byte, 2<<20)

func pollute() {
	for i := 0; i < len(pollution); i += 64 {
		pollution[i]++
	}
}

// BenchmarkVerifyCold is BenchmarkVerify with 2 MiB written between
// verifications, as the rest of a call evicts the tables from L2; the
// "pollute" line is that writing alone.
func BenchmarkVerifyCold(b *testing.B) {
	pub, msg, sig := benchKey(b)
	c := newCache(maxKeys, maxSeen)
	c.verify(pub, msg, sig)
	c.verify(pub, msg, sig)
	for _, v := range []struct {
		name string
		f    func()
	}{
		{"pollute", func() {}},
		{"stdlib", func() { ed25519.Verify(pub, msg, sig) }},
		{"table", func() { c.verify(pub, msg, sig) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			t0 := cputime.Process()
			for b.Loop() {
				pollute()
				v.f()
			}
			reportCPU(b, t0)
		})
	}
}

// reportCPU reports the process's CPU time per op since t0 (unix only).
func reportCPU(b *testing.B, t0 time.Duration) {
	if t0 != 0 {
		b.ReportMetric(float64(cputime.Process()-t0)/float64(b.N), "cpu-ns/op")
	}
}
