package receiver

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// TestTraceIDMemberOptional: the optional trace_id member changes nothing a
// receiver checks: with or without it a request opens, and it comes out as
// sealed.
func TestTraceIDMemberOptional(t *testing.T) {
	k, _ := keyring.Generate(scheme.Default, rand.Reader)
	for _, tid := range []string{"", "4bf92f3577b34da6a3ce929d0e0e4736"} {
		pt := invite()
		pt.TraceID = tid
		env := sealPT(t, k, pt)
		o, err := Open(marshal(t, env), Config{Ring: keyring.NewRing(k), DeviceToken: token, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatalf("trace_id %q: %v", tid, err)
		}
		if o.Plaintext.TraceID != tid {
			t.Fatalf("trace_id %q came out as %q", tid, o.Plaintext.TraceID)
		}
	}
}
