package device

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/callscope/callscope/internal/mutate"
)

// TestDecodePayloadAsEncodingJSON: the payload's fast path reads what
// json.Unmarshal reads, for the usual payload and for mutations of it
// (what it declines goes to encoding/json); so does the envelope header.
func TestDecodePayloadAsEncodingJSON(t *testing.T) {
	payloads := []string{
		`{"aps":{"alert":{"title":"Incoming call","body":"Open the app"},"mutable-content":1,"sound":"default"},"vpe":{"v":1,"alg":"X25519-HKDF-SHA256/ChaCha20Poly1305","kid":"AQIDBAUGBwg","rcpt":"AAAAAAAAAAAAAAAAAAAAAA","ts":1700000000000,"ttl":30,"nonce":"AAAAAAAAAAAAAAAAAAAAAA","enc":"q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k","ct":"3q2-7w0e3q2-7w0e3q2-7w0e3q2-7w0e3q2-7w0e3q2-7w"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`,
		` { "traceparent" : "x\"y" , "aps" : { "alert" : "hi" , "mutable-content" : -0 } , "vpe" : [1,{"a":[]}], "x": {"aps": 1} } `,
		`{"APS":{"mutable-content":1},"vpe":null}`,
		`{"aps":{"mutable-content":1.0}}`,
		`{"aps":null,"aps":{"alert":{}}}`,
		`[]`,
		`{"aps":{"alert":{"title":"\u00e9"},"mutable-content":99999999999999999999}}`,
	}
	const mutations = "{}[]\":,-0123456789eE.ntulfrs \\\xffaAV"
	r := rand.New(rand.NewPCG(5, 6))
	for _, p := range payloads {
		same(t, []byte(p))
		for range 4000 {
			m := mutate.Near(r, []byte(p), mutations)
			same(t, m)
		}
	}
}

func same(t *testing.T, b []byte) {
	t.Helper()
	var fast, slow payloadAPS
	ferr := decodePayload(b, &fast)
	serr := json.Unmarshal(b, &slow)
	if (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
		t.Fatalf("%s: fast error %v, encoding/json %v", b, ferr, serr)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s:\nfast %+v\njson %+v", b, fast, slow)
	}
	if len(fast.VPE) > 0 {
		got := envelopeAttrValid(fast.VPE, map[string]string{})
		want := envelopeAttr(bytes.Clone(fast.VPE), map[string]string{})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: envelope attribute %v, by encoding/json %v", fast.VPE, got, want)
		}
	}
}
