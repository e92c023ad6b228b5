package flow

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// redactValueFull is RedactValue as it was before it returned early for
// values shorter than "PRIVATE KEY": the reference for the cutoff.
func redactValueFull(s string) string {
	if jwtShaped(s) {
		s = jwtPattern.ReplaceAllStringFunc(s, redactJWT)
	}
	if strings.Contains(s, "PRIVATE KEY") {
		s = pemPattern.ReplaceAllString(s, "[redacted private key]")
	}
	return s
}

// redactSamples are secrets RedactValue removes, and text around them.
var redactSamples = []string{
	"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.abcdefghijklmnopqrstuvwxyz",
	"bearer ewogImFsZyI6.eyJpc3MiOiJ.0123456789abcdef",
	"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----",
	"-----BEGIN EC PRIVATE KEY-----MHcCAQEE",
	"key: -----BEGIN PRIVATE KEY-----",
}

// TestRedactValueShortCutoff: the early return for values shorter than 11
// bytes answers as the full search does: on every piece of a secret (each
// substring of the samples, the cutoff's boundary included) and on random
// short values made of the characters the patterns look for.
func TestRedactValueShortCutoff(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := RedactValue(s), redactValueFull(s); got != want {
			t.Fatalf("RedactValue(%q) = %q, the full search %q", s, got, want)
		}
	}
	for _, s := range redactSamples {
		for i := range len(s) + 1 {
			for j := i; j <= len(s) && j-i <= 40; j++ {
				check(s[i:j])
			}
		}
	}
	const alphabet = "ewyJ.Aa9_-= PRIVATEKYBGN\n"
	r := rand.New(rand.NewPCG(14, 3))
	b := make([]byte, 0, 16)
	for range 300000 {
		b = b[:0]
		for range r.IntN(len("PRIVATE KEY") + 2) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		check(string(b))
	}
}

// FuzzRedactValueShortCutoff: RedactValue equals the full search on any
// value.
func FuzzRedactValueShortCutoff(f *testing.F) {
	for _, s := range redactSamples {
		f.Add(s)
		f.Add(s[:min(len(s), 10)])
	}
	f.Add("PRIVATE KEY")
	f.Add("PRIVATE KE")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := RedactValue(s), redactValueFull(s); got != want {
			t.Fatalf("RedactValue(%q) = %q, the full search %q", s, got, want)
		}
	})
}
