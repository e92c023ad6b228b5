package provider

import (
	"encoding/json"
	"testing"
)

// TestBuildPayloadAsMarshalled: the hand-built payload is byte for byte
// what json.Marshal makes of it, for every option that changes it and for
// envelopes and trace parents that need compacting or escaping.
func TestBuildPayloadAsMarshalled(t *testing.T) {
	envs := []string{
		`{"v":1,"ts":1700000000000,"ttl":45,"ct":"AAEC-_x"}`,
		`{ "v": 1, "ts": 1700000000000,
		   "ttl": 45 }`,
		`{"ts":1700000000000,"ttl":45,"x":"<b>&amp;</b>"}`,
		"{\"ts\":1700000000000,\"ttl\":45,\"x\":\"\u2028\"}",
	}
	tps := []string{"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", `a"b\c<d>`, "é"}
	opts := []PushOptions{{}, {OmitMutableContent: true}, {NoAlertText: true}, {OmitMutableContent: true, NoAlertText: true}}
	for _, env := range envs {
		for _, tp := range tps {
			for _, o := range opts {
				got, _, err := BuildPayload(json.RawMessage(env), tp, o)
				if err != nil {
					t.Fatal(err)
				}
				p := payload{APS: aps{Alert: &apsAlert{Title: AlertTitle, Body: AlertBody}, MutableContent: 1, Sound: "default"},
					Envelope: json.RawMessage(env), TraceParent: tp}
				if o.OmitMutableContent {
					p.APS.MutableContent = 0
				}
				if o.NoAlertText {
					p.APS.Alert = nil
				}
				want, err := json.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(want) {
					t.Errorf("envelope %q traceparent %q %+v:\n got %s\nwant %s", env, tp, o, got, want)
				}
			}
		}
	}
}

// BenchmarkBuildPayload is the provider server's cost to build one push.
func BenchmarkBuildPayload(b *testing.B) {
	env := json.RawMessage(`{"v":1,"alg":"VPE1-X25519-HKDF-SHA256-CHACHA20POLY1305","kid":"q83vEjRWeJA","rcpt":"3q2-7w","ts":1700000000000,"ttl":45,"nonce":"AAAAAAAAAAAAAAAA","enc":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","ct":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := BuildPayload(env, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", PushOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPushRequestAsMarshalled: the caller's hand-built request is what
// json.Marshal makes of it; anything that needs escaping or is not JSON
// is left to json.Marshal.
func TestPushRequestAsMarshalled(t *testing.T) {
	for _, tt := range []struct {
		r     PushRequest
		plain bool
	}{
		{PushRequest{Token: "abcd", Envelope: json.RawMessage(`{"v":1,"ct":"AAEC-_x"}`), TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}, true},
		{PushRequest{Token: "abcd", Envelope: json.RawMessage(`{"v":1}`)}, true},
		{PushRequest{Token: `a"b`, Envelope: json.RawMessage(`{"v":1}`)}, false},
		{PushRequest{Token: "abcd", Envelope: json.RawMessage(`{ "v": 1 }`)}, false},
		{PushRequest{Token: "abcd", Envelope: json.RawMessage(`{"v":`)}, false},
	} {
		got, ok := tt.r.appendJSON(nil)
		if ok != tt.plain {
			t.Errorf("%+v: hand-built %v, want %v", tt.r, ok, tt.plain)
		}
		if want, err := json.Marshal(tt.r); ok && (err != nil || string(got) != string(want)) {
			t.Errorf("%+v:\n got %s\nwant %s (%v)", tt.r, got, want, err)
		}
	}
}
