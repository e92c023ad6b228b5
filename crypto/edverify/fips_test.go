package edverify

import (
	"crypto/fips140"
	"os"
	"os/exec"
	"testing"
)

// TestFIPS140Mode runs itself again under GODEBUG=fips140=on: every
// verification must then be crypto/ed25519's (the FIPS 140-3 module's),
// so no table is ever built, and the answers stay crypto/ed25519's.
func TestFIPS140Mode(t *testing.T) {
	if !fips140.Enabled() {
		if os.Getenv("CALLSCOPE_FIPS140_CHILD") != "" {
			t.Fatal("child runs without FIPS 140 mode")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestFIPS140Mode$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GODEBUG=fips140=on", "CALLSCOPE_FIPS140_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("under GODEBUG=fips140=on: %v\n%s", err, out)
		}
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
