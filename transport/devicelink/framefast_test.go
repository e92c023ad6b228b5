package devicelink

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/internal/mutate"
)

// TestDecodeFastAsEncodingJSON: the fast decoder reads every frame this
// package writes as json.Unmarshal does, and whatever else it accepts too
// (mutated frames); what it declines goes to encoding/json.
func TestDecodeFastAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range sampleFrames() {
		var buf bytes.Buffer
		if err := appendFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()[4:]
		compare(t, b, f.Type != TypeHello && f.Forward == nil)
		for range 3000 {
			m := mutate.Near(r, b, mutations)
			compare(t, m, false)
		}
	}
}

// FuzzDecodeFast: whatever the fast decoder accepts, json.Unmarshal reads
// to the same frame.
func FuzzDecodeFast(f *testing.F) {
	for _, fr := range sampleFrames() {
		var buf bytes.Buffer
		if err := appendFrame(&buf, fr); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes()[4:])
	}
	for _, e := range edgeFrames {
		f.Add([]byte(e))
	}
	f.Fuzz(func(t *testing.T, b []byte) { compare(t, b, false) })
}

// sampleFrames are one frame of each type as this package writes them,
// and the pushes at the edges of what the fast decoder reads.
func sampleFrames() []Frame {
	exp := time.Unix(1700000000, 0)
	frames := []Frame{
		PushFrame(1, flow.Push{ApnsID: "8A0C7E1D-3C2B-4C55-9F39-AF6C1B4E5D21", Topic: "org.callscope.demo", PushType: "alert", Priority: 10,
			TraceID: "0af7651916cd43dd8448eb211c80319c", Payload: []byte(`{"aps":{"alert":{"title":"x"}},"vpe":{"ct":"+/=="}}`),
			Accepted: time.Now(), Expiration: exp, CollapseID: "c1"}),
		PushFrame(1<<40, flow.Push{ApnsID: "a", Topic: "t", PushType: "voip", Payload: []byte{0, 1, 2, 0xff}}),
		{Type: TypeAck, Seq: 7},
		{Type: TypeWelcome, Environment: "sandbox", Stored: 3},
		{Type: TypeRefused, Reason: "BadDeviceToken"},
		{Type: TypeHello, Version: 1, Token: "abcd", Topics: []string{"a"}, Environment: "production", Device: "iPhone"},
	}
	frames[0].Sent = time.Now()
	frames = append(frames, PushFrame(2, flow.Push{ApnsID: "b", Topic: "t", PushType: "alert", Payload: []byte("{}"),
		Forward: &flow.Forwarding{Fault: "delay 2s", Held: time.Second}}))
	return frames
}

// edgeFrames are documents at the edges of what decodeFast reads: white
// space, a name twice or in other case or escaped, escapes and UTF-8 in
// strings, null, numbers encoding/json reads otherwise or refuses, bad
// base64 and times, what encoding/json ignores.
var edgeFrames = []string{
	` { "type" : "ack" , "seq" : 7 } `, "{\"type\":\"ack\",\n\t\"seq\":7}\r\n", `{"type":"ack","seq":7,"seq":8}`, `{"type":"ack","type":"push"}`,
	`{"Type":"ack"}`, `{"typ\u0065":"ack"}`, `{"type":"\u0061ck"}`, `{"type":"pushé"}`, "{\"type\":\"\xff\"}", `{"device":"iPhone é"}`,
	`{"type":null}`, `{"seq":null}`, `{"expiration":null}`, `{"payload":null}`, `{"sent":null}`, `{"topics":null}`, `{"forward":null}`,
	`{"seq":-0}`, `{"seq":-1}`, `{"seq":0}`, `{"seq":1.0}`, `{"seq":1e2}`, `{"seq":01}`, `{"seq":18446744073709551615}`,
	`{"seq":18446744073709551616}`, `{"seq":9223372036854775807}`, `{"priority":-0}`, `{"priority":-9223372036854775808}`,
	`{"expiration":0}`, `{"expiration":-1}`, `{"expiration":123456789012345678}`, `{"expiration":1234567890123456789}`,
	`{"payload":""}`, `{"payload":"e30="}`, `{"payload":"e30"}`, `{"payload":"e3\u0030="}`, `{"payload":"e30=e30="}`, `{"payload":"!!"}`,
	`{"accepted":"2026-12-02T07:00:00.123456789Z"}`, `{"accepted":"2026-12-02T07:00:00+01:00"}`, `{"sent":"2026-12-02"}`,
	`{"sent":"2026-12-02T07:00:00\u005a"}`, `{"sent":1}`, `{"other":1}`, `{"type":"ack"}x`, `{"type":"ack"`, `{}`, ` {} `, `[]`, `null`, ``,
	`{"type":"ack",}`, `{,"type":"ack"}`, `{"type" "ack"}`, `{"version":true}`, `{"topics":["a"]}`, `{"forward":{"fault":"x"}}`,
}

// TestDecodeFastEdges: at the edges too, what the fast decoder accepts is
// what json.Unmarshal reads.
func TestDecodeFastEdges(t *testing.T) {
	for _, e := range edgeFrames {
		compare(t, []byte(e), false)
	}
}

const mutations = "{}[]\":,-0123456789eE.ntul \\\xffaAs"

func compare(t *testing.T, b []byte, mustFast bool) {
	t.Helper()
	var fast, slow Frame
	ok := decodeFast(b, &fast)
	if mustFast && !ok {
		t.Fatalf("%s: the fast decoder declined a frame this package wrote", b)
	}
	if !ok {
		return
	}
	if err := json.Unmarshal(b, &slow); err != nil {
		t.Fatalf("%s: fast decoder accepted what encoding/json refuses: %v", b, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s:\nfast %+v\njson %+v", b, fast, slow)
	}
}

// BenchmarkDecodeFrame: the two frames every call sends, a push (the mock
// to the device) and its ack (back), decoded as Read decodes them.
func BenchmarkDecodeFrame(b *testing.B) {
	payload := []byte(`{"aps":{"alert":{"title":"New message","body":"Open to read"},"mutable-content":1,"sound":"default"},` +
		`"vpe":{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"Bt5gdY3tWqk","ts":1764637200,"ttl":60,"ct":"` +
		strings.Repeat("A", 600) + `"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`)
	at := time.Date(2026, 12, 2, 7, 0, 0, 123456789, time.UTC)
	push := PushFrame(41, flow.Push{ApnsID: "8A0C7E1D-3C2B-4C55-9F39-AF6C1B4E5D21", Topic: "org.callscope.demo.voip",
		PushType: "voip", Priority: 10, TraceID: "0af7651916cd43dd8448eb211c80319c", Payload: payload, Accepted: at,
		Expiration: at.Add(time.Minute)})
	push.Sent = at.Add(time.Millisecond)
	for _, fr := range []Frame{push, {Type: TypeAck, Seq: 41}} {
		var buf bytes.Buffer
		if err := appendFrame(&buf, fr); err != nil {
			b.Fatal(err)
		}
		frame := buf.Bytes()[4:]
		b.Run(fr.Type, func(b *testing.B) {
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				var f Frame
				if !decodeFast(frame, &f) {
					b.Fatal("declined")
				}
			}
		})
	}
}
