package device

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/callscope/callscope/crypto/envelope"
)

// TestRecordSealedCopies: what the caller keeps of a sealed envelope is a
// copy equal to the envelope (as bytes.Clone of each field made it, nil
// staying nil and empty staying empty), sharing no byte with it.
func TestRecordSealedCopies(t *testing.T) {
	full := &envelope.Envelope{V: 1, Alg: "hpke", KID: []byte("kid-8byt"), Rcpt: bytes.Repeat([]byte{7}, 16), TS: 5, TTL: 45,
		Nonce: bytes.Repeat([]byte{1}, 16), Enc: bytes.Repeat([]byte{2}, 32), CT: bytes.Repeat([]byte{3}, 600)}
	tests := []*envelope.Envelope{
		full,
		{V: 1, Alg: "x", KID: []byte{}, Rcpt: nil, Nonce: []byte{9}, Enc: nil, CT: []byte{}},
		{},
	}
	for i, env := range tests {
		var c Caller
		c.recordSealed("t", env)
		got := c.Sealed("t")
		want := *env
		want.KID, want.Rcpt, want.Nonce = bytes.Clone(env.KID), bytes.Clone(env.Rcpt), bytes.Clone(env.Nonce)
		want.Enc, want.CT = bytes.Clone(env.Enc), bytes.Clone(env.CT)
		if len(got) != 1 || !reflect.DeepEqual(*got[0], want) {
			t.Fatalf("%d: kept %+v, want %+v", i, got, want)
		}
		for _, f := range [][2][]byte{{got[0].KID, env.KID}, {got[0].Rcpt, env.Rcpt}, {got[0].Nonce, env.Nonce}, {got[0].Enc, env.Enc}, {got[0].CT, env.CT}} {
			if (f[0] == nil) != (f[1] == nil) {
				t.Errorf("%d: nil-ness changed: %v vs %v", i, f[0], f[1])
			}
			if len(f[0]) > 0 {
				f[1][0]++ // the original changes; the copy must not
				if f[0][0] == f[1][0] {
					t.Errorf("%d: the copy shares bytes with the envelope", i)
				}
				f[1][0]--
			}
		}
		// Appending to one field never runs into the next.
		if k := got[0].KID; k != nil && cap(k) != len(k) {
			t.Errorf("%d: KID has room past its end (cap %d, len %d)", i, cap(k), len(k))
		}
	}
}
