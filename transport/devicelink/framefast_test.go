package devicelink

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestDecodeFastAsEncodingJSON: the fast decoder reads every frame this
// package writes as json.Unmarshal does, and whatever else it accepts too
// (mutated frames); what it declines goes to encoding/json.
func TestDecodeFastAsEncodingJSON(t *testing.T) {
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
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range frames {
		var buf bytes.Buffer
		if err := appendFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()[4:]
		compare(t, b, f.Type != TypeHello && f.Forward == nil)
		for range 3000 {
			m := bytes.Clone(b)
			for range 1 + r.IntN(3) {
				m[r.IntN(len(m))] = mutations[r.IntN(len(mutations))]
			}
			compare(t, m, false)
		}
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
