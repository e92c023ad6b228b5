package provider

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/callscope/callscope/internal/mutate"
)

// TestDecodePushAsDecode: the push request's fast path answers what
// decode answers (the request, or the same error), for the client's own
// bodies and mutations of them; an unknown length takes decode itself.
func TestDecodePushAsDecode(t *testing.T) {
	env := []byte(`{"v":1,"alg":"X25519-HKDF-SHA256/ChaCha20Poly1305","kid":"AQIDBAUGBwg","ts":1700000000000,"ttl":30,"ct":"3q2-7w0e3q2-7w0e"}`)
	own, ok := PushRequest{Token: "abcd", Envelope: env, TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}.appendJSON(nil)
	if !ok {
		t.Fatal("appendJSON declined")
	}
	bodies := []string{string(own),
		`{"token":"ab","envelope":null}`, `{"Token":"ab","envelope":{}}`, `{"token":"ab","envelope":{},"x":1}`,
		`{"token":"ab","envelope":"e"} {"token":"cd"}`, `{"token":"a\u0062","envelope":[1]}`, ` {"envelope" : {"a":[{}]} , "token":"x"} `,
		`{"token":"ab","token":"cd"}`, `[]`, `{`, ``,
	}
	const mutations = "{}[]\":,-0123456789eE.ntulfrs \\\xffaAT"
	r := rand.New(rand.NewPCG(7, 8))
	for _, b := range bodies {
		check(t, []byte(b), -2)
		check(t, []byte(b), -1)
		for range 2000 {
			if len(b) == 0 {
				break
			}
			m := mutate.Near(r, []byte(b), mutations)
			check(t, m, -2)
		}
	}
}

// check decodes body both ways; length -2 sends the body's length, -1 none.
func check(t *testing.T, body []byte, length int64) {
	t.Helper()
	req := func() *PushRequest { return new(PushRequest) }
	a, b := req(), req()
	r1 := httptest.NewRequest("POST", "/push", bytes.NewReader(body))
	r2 := httptest.NewRequest("POST", "/push", bytes.NewReader(body))
	if length == -1 {
		r1.ContentLength = -1
	}
	e1, e2 := decodePush(r1, a), decode(r2, b)
	if (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
		t.Fatalf("%s: decodePush %v, decode %v", body, e1, e2)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("%s:\nfast %+v\nslow %+v", body, a, b)
	}
}

// TestClockFastAsUnmarshal: ts and ttl read by the walk are what
// json.Unmarshal reads, for valid envelopes and mutations that stay valid.
func TestClockFastAsUnmarshal(t *testing.T) {
	envs := []string{
		`{"v":1,"alg":"X25519-HKDF-SHA256/ChaCha20Poly1305","kid":"AQIDBAUGBwg","ts":1700000000000,"ttl":30,"ct":"3q2-7w0e3q2-7w0e"}`,
		`{"ts":1,"ts":2,"TTL":3}`, `{"ts":null,"ttl":1e3}`, `{"x":{"ts":1},"ttl":-0}`, `"e"`, `null`, `[1]`,
	}
	const mutations = "{}[]\":,-0123456789eE.ntulfrs \\\xffaAT"
	r := rand.New(rand.NewPCG(9, 10))
	for _, e := range envs {
		for i := range 3000 {
			m := []byte(e)
			if i > 0 {
				m = mutate.Near(r, m, mutations)
			}
			if !json.Valid(m) {
				continue
			}
			var fast, slow envelopeClock
			if clockFast(m, &fast) && (json.Unmarshal(m, &slow) != nil || fast != slow) {
				t.Fatalf("%s: walk %+v, encoding/json %+v", m, fast, slow)
			}
		}
	}
}
