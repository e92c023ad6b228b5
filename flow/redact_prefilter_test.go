package flow

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestJWTShapedNeverMisses: the prefilter in front of jwtPattern must say
// yes wherever the regexp matches, or a secret would reach an event.
func TestJWTShapedNeverMisses(t *testing.T) {
	for _, s := range []string{
		"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.abcdefghijklmnopqrstuvwxyz",
		"bearer eyA0aGVhZGVy.Y2xhaW1zMQ.c2lnbmF0dXJlc2lnbmF0dXJl==",
		`{"jwt":"ewogImFsZyI6.eyJpc3MiOiJ.0123456789abcdef"}`,
	} {
		if !jwtPattern.MatchString(s) || !jwtShaped(s) || !jwtShaped([]byte(s)) {
			t.Errorf("%q: regexp %v, prefilter %v", s, jwtPattern.MatchString(s), jwtShaped(s))
		}
	}
	const alphabet = "eyw.Aa9_-=.. \"{}:"
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, 20+r.IntN(60))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		if jwtPattern.Match(b) && !jwtShaped(b) {
			t.Fatalf("prefilter missed a JWT-shaped %q", b)
		}
	}
	for _, s := range []string{"org.callscope.demo", `{"aps":{"alert":{"title":"Incoming call"}}}`, "alice@example.org"} {
		if jwtShaped(s) {
			t.Errorf("%q: prefilter says JWT-shaped", s)
		}
	}
}

func BenchmarkJWTShapedPayload(b *testing.B) {
	p := []byte(`{"aps":{"alert":{"title":"Incoming call","body":"Open the app"},"mutable-content":1,"sound":"default"},"vpe":{"v":1,"alg":"X25519-HKDF-SHA256+ChaCha20Poly1305","kid":"AAAAAAAAAAA","rcpt":"BBBBBBBBBBBBBBBBBBBBBB","ts":1700000000000,"ttl":30,"nonce":"CCCCCCCCCCCCCCCCCCCCCC","enc":"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD","ct":"` + string(make([]byte, 0)) + `EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`)
	b.ReportAllocs()
	for b.Loop() {
		if jwtShaped(p) {
			b.Fatal("JWT-shaped")
		}
	}
}

func TestSecretKeyAsLowerMap(t *testing.T) {
	for _, k := range []string{"authorization", "Authorization", "AUTHORIZATION", "private_key", "Private_Key", "private_\u212Aey",
		"p8", "P8", "jwt", "JWT", "jwts", "token", "", "authorİzation", "authorization ", "k", "body", "to"} {
		if got, want := secretKey(k), secretKeys[strings.ToLower(k)]; got != want {
			t.Errorf("%q: %v, want %v", k, got, want)
		}
	}
}

// TestSecretKeyKnowsEveryName: a name added to secretKeys is also one
// secretKey spells out.
func TestSecretKeyKnowsEveryName(t *testing.T) {
	for k := range secretKeys {
		if !secretKey(k) || !secretKey(strings.ToUpper(k)) {
			t.Errorf("secretKey misses %q", k)
		}
	}
}
