package envelope

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestMarshalJSONIsJSONMarshal: the device sends Envelope.MarshalJSON's
// bytes as they are, so they must be what json.Marshal makes of the
// envelope, for an alg that needs escaping too.
func TestMarshalJSONIsJSONMarshal(t *testing.T) {
	for _, alg := range []string{"X25519-HKDF-SHA256/ChaCha20Poly1305", "a<b>&\"c\u2028", ""} {
		for _, enc := range [][]byte{nil, {1, 2, 3}} {
			e := Envelope{V: 1, Alg: alg, KID: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Rcpt: make([]byte, 16), TS: 1700000000000, TTL: 30,
				Nonce: make([]byte, 16), Enc: enc, CT: []byte("ciphertext?>")}
			want, err := json.Marshal(&e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.MarshalJSON()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("alg %q: MarshalJSON %s (%v), json.Marshal %s", alg, got, err, want)
			}
		}
	}
}
