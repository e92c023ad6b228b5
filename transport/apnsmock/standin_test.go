package apnsmock

import (
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestStandInIsInstant: the stand-in iPhone is a Go call inside the mock, so
// its stages are instant system calls, never a measured latency: crossing
// no link, it must not show "extension 0µs" as if one had been measured.
func TestStandInIsInstant(t *testing.T) {
	tests := []struct {
		name     string
		push     flow.Push
		stage    flow.Stage
		wantName string
	}{
		{"alert, NSE runs", flow.Push{PushType: "alert", Payload: []byte(`{"aps":{"alert":{"title":"x"},"mutable-content":1}}`)},
			flow.StageExtension, "nse-run"},
		{"alert, NSE not run", flow.Push{PushType: "alert", Payload: []byte(`{"aps":{"alert":{"title":"x"}}}`)},
			flow.StageExtension, "nse-not-run"},
		{"voip", flow.Push{PushType: "voip", Payload: []byte(`{}`)}, flow.StageCallKit, "pushkit-delivered"},
		{"background", flow.Push{PushType: "background", Payload: []byte(`{"aps":{"content-available":1}}`)},
			flow.StageExtension, "background-delivered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []flow.Event
			d := &SimDevice{Token: testDevice, Sink: flow.SinkFunc(func(e flow.Event) { got = append(got, e) })}
			tc.push.TraceID, tc.push.ApnsID, tc.push.Token = "t1", "a1", testDevice
			accepted := flow.Event{TraceID: "t1", Stage: flow.StageAPNs, Name: "accepted", Time: time.Now().Add(-time.Millisecond)}
			d.Deliver(tc.push)
			if len(got) == 0 || got[len(got)-1].Name != tc.wantName {
				t.Fatalf("stand-in events %v, want one named %s", got, tc.wantName)
			}
			for _, e := range got {
				if !e.Instant || e.Simulated || e.Duration != 0 {
					t.Errorf("%s: instant %v, simulated %v, duration %v: want an instant system call", e.Name, e.Instant, e.Simulated, e.Duration)
				}
			}
			l := flow.ComputeLatency(append([]flow.Event{accepted}, got...))
			if !l.Instant[tc.stage] || l.Label(tc.stage) != flow.InstantLabel {
				t.Errorf("stage %s shown as %q, want %q", tc.stage, l.Label(tc.stage), flow.InstantLabel)
			}
		})
	}
}
