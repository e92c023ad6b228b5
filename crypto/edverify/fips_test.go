package edverify

import (
	"crypto/fips140"
	"testing"

	"github.com/callscope/callscope/internal/fipstest"
)

// TestFIPS140Mode runs itself again under GODEBUG=fips140=on: every
// verification must then be crypto/ed25519's (the FIPS 140-3 module's),
// so no table is ever built, and the answers stay crypto/ed25519's.
func TestFIPS140Mode(t *testing.T) {
	if !fipstest.Child(t, "TestFIPS140Mode", "on", fips140.Enabled()) {
		return
	}
	r := testRand(t)
	c := newCache(4, 8)
	for _, s := range signedBy(t, r, 6) {
		if got := c.verify(s.pub, s.msg, s.sig); got != s.want {
			t.Fatalf("%v, crypto/ed25519 %v", got, s.want)
		}
	}
	if b := c.builds.Load(); b != 0 {
		t.Errorf("%d tables built in FIPS 140 mode", b)
	}
	if !panics(func() { c.verify(make([]byte, 31), nil, nil) }) {
		t.Error("a 31-byte key does not panic")
	}
}
