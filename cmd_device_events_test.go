package main

import (
	"encoding/json"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestDeviceEventsPlaintext: device --events-to sends what the device
// decrypted only with --events-plaintext; the rest of the event is sent
// either way.
func TestDeviceEventsPlaintext(t *testing.T) {
	in := flow.Event{Stage: flow.StageExtension, Name: "decrypted", TraceID: "t1",
		Plaintext: json.RawMessage(`{"type":"call.invite","caller":{"name":"Alice"}}`),
		Attrs:     map[string]string{"title": "Alice", "body": "hello", "scheme": "hpke"}}
	for _, tc := range []struct {
		name      string
		plaintext bool
		wantText  bool
	}{
		{name: "default leaves it out", plaintext: false, wantText: false},
		{name: "--events-plaintext sends it", plaintext: true, wantText: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []flow.Event
			eventsSink(flow.SinkFunc(func(e flow.Event) { got = append(got, e) }), tc.plaintext).Emit(in)
			if len(got) != 1 {
				t.Fatalf("%d events sent, want 1", len(got))
			}
			e := got[0]
			if has := len(e.Plaintext) > 0; has != tc.wantText {
				t.Errorf("plaintext sent: %v, want %v", has, tc.wantText)
			}
			for _, k := range []string{"title", "body"} {
				want := eventsPlaintextOmitted
				if tc.wantText {
					want = in.Attrs[k]
				}
				if e.Attrs[k] != want {
					t.Errorf("attr %s = %q, want %q", k, e.Attrs[k], want)
				}
			}
			if e.TraceID != "t1" || e.Name != "decrypted" || e.Attrs["scheme"] != "hpke" {
				t.Errorf("the rest of the event changed: %+v", e)
			}
			if in.Attrs["title"] != "Alice" || len(in.Plaintext) == 0 {
				t.Errorf("the caller's event was changed: %+v", in)
			}
		})
	}
}
