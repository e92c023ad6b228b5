package envelope

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/internal/cputime"
)

// verifySigStdlib is VerifySig as it was before crypto/edverify: the
// reference its answers must equal.
func verifySigStdlib(pub ed25519.PublicKey, aad []byte, p Plaintext) error {
	sig, err := base64.RawURLEncoding.DecodeString(trimPad(p.Sig))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("sig is not 64 bytes of base64url")
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, SignedBytes(aad, p), sig) {
		return ErrBadSig
	}
	return nil
}

func signedInvite(t testing.TB) (*keyring.SigningKey, []byte, Plaintext) {
	k, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte(strings.Repeat("h", 58))
	p := Plaintext{Type: "call.invite", CallUUID: "5a1b2c3d-0000-4000-8000-000000000001",
		Caller: &Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}, SentMS: 1, Nonce: "n"}
	Sign(k, aad, &p)
	return k, aad, p
}

// TestVerifySigSameAnswers: VerifySig answers as crypto/ed25519 did, on the
// first, second (table built) and later verifications with a key.
func TestVerifySigSameAnswers(t *testing.T) {
	k, aad, p := signedInvite(t)
	pub := ed25519.PublicKey(k.Public())
	otherAAD := append([]byte(nil), aad...)
	otherAAD[0] ^= 1
	sig, _ := base64.RawURLEncoding.DecodeString(p.Sig)
	type tc struct {
		name string
		pub  ed25519.PublicKey
		aad  []byte
		p    Plaintext
	}
	var cases []tc
	for range 3 {
		cases = append(cases, tc{"valid", pub, aad, p})
	}
	mut := func(f func(*Plaintext)) Plaintext { q := p; c := *p.Caller; q.Caller = &c; f(&q); return q }
	cases = append(cases,
		tc{"other aad", pub, otherAAD, p},
		tc{"other name", pub, aad, mut(func(q *Plaintext) { q.Caller.Name = "Mallory" })},
		tc{"video", pub, aad, mut(func(q *Plaintext) { q.Video = true })},
		tc{"padded sig", pub, aad, mut(func(q *Plaintext) { q.Sig += "==" })},
		tc{"short sig", pub, aad, mut(func(q *Plaintext) { q.Sig = q.Sig[:80] })},
		tc{"not base64", pub, aad, mut(func(q *Plaintext) { q.Sig = "!" + q.Sig[1:] })},
		tc{"short key", pub[:31], aad, p},
		tc{"long key", append(append([]byte(nil), pub...), 0), aad, p},
	)
	for i := range 64 * 8 {
		bad := append([]byte(nil), sig...)
		bad[i/8] ^= 1 << (i % 8)
		cases = append(cases, tc{"sig bit", pub, aad, mut(func(q *Plaintext) { q.Sig = base64.RawURLEncoding.EncodeToString(bad) })})
	}
	for range 3 {
		cases = append(cases, tc{"valid again", pub, aad, p})
	}
	for _, c := range cases {
		want, got := verifySigStdlib(c.pub, c.aad, c.p), VerifySig(c.pub, c.aad, c.p)
		if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
			t.Fatalf("%s: VerifySig %v, crypto/ed25519 %v", c.name, got, want)
		}
	}
	if err := VerifySig(pub, aad, p); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkVerifySig compares VerifySig with a trusted caller's key (its
// table cached) to the same check through crypto/ed25519.Verify.
func BenchmarkVerifySig(b *testing.B) {
	k, aad, p := signedInvite(b)
	pub := ed25519.PublicKey(k.Public())
	for _, v := range []struct {
		name string
		f    func(ed25519.PublicKey, []byte, Plaintext) error
	}{{"ed25519", verifySigStdlib}, {"edverify", VerifySig}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			t0 := cputime.Process()
			for b.Loop() {
				if err := v.f(pub, aad, p); err != nil {
					b.Fatal(err)
				}
			}
			if t0 != 0 {
				b.ReportMetric(float64(cputime.Process()-t0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
