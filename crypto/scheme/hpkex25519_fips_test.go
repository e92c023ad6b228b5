package scheme

import (
	"crypto/fips140"
	"crypto/rand"
	"os"
	"os/exec"
	"testing"
)

// TestX25519SchemeFIPS140Only runs itself again under GODEBUG=fips140=only,
// where crypto/ecdh refuses X25519: the default scheme must refuse to seal
// and to open exactly as crypto/hpke did, with the same errors, and before
// doing any X25519 arithmetic of its own.
func TestX25519SchemeFIPS140Only(t *testing.T) {
	if !fips140.Enforced() {
		if os.Getenv("CALLSCOPE_FIPS140_CHILD") != "" {
			t.Fatal("child runs without FIPS 140-only enforcement")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestX25519SchemeFIPS140Only$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", "CALLSCOPE_FIPS140_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("under GODEBUG=fips140=only: %v\n%s", err, out)
		}
		return
	}
	s := defaultScheme(t)
	pub := make([]byte, 32)
	_, _ = rand.Read(pub)
	_, _, got := s.Seal(nil, pub, nil, nil, []byte("x"))
	_, _, want := s.hpkeScheme.Seal(nil, pub, nil, nil, []byte("x"))
	if got == nil || want == nil || got.Error() != want.Error() {
		t.Errorf("seal: %v; crypto/hpke %v", got, want)
	}
	priv := make([]byte, 32)
	_, got = s.NewOpener(priv)
	_, want = s.hpkeScheme.NewOpener(priv)
	if got == nil || want == nil || got.Error() != want.Error() {
		t.Errorf("opener: %v; crypto/hpke %v", got, want)
	}
}
