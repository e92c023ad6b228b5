package scheme

import (
	"crypto/fips140"
	"crypto/rand"
	"testing"

	"github.com/callscope/callscope/internal/fipstest"
)

// TestX25519SchemeFIPS140Only runs itself again under GODEBUG=fips140=only,
// where crypto/ecdh refuses X25519: the default scheme must refuse to seal
// and to open exactly as crypto/hpke did, with the same errors, and before
// doing any X25519 arithmetic of its own.
func TestX25519SchemeFIPS140Only(t *testing.T) {
	if !fipstest.Child(t, "TestX25519SchemeFIPS140Only", "only", fips140.Enforced()) {
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
