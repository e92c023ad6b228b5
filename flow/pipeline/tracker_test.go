package pipeline

import (
	"context"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestTrackersReusedKeepCallsApart: trackers serve one request after
// another (a pool); calls in flight at once still each get exactly their
// own events: the same count as a call alone, their own trace id once, and
// every stage measured.
func TestTrackersReusedKeepCallsApart(t *testing.T) {
	p := newPipeline(t, profile(func(pr *device.Profile) { pr.MaximumCallGroups = 64 }))
	req := p.Compose()
	alone := p.Place(context.Background(), req)
	if alone.Outcome != flow.OutcomeConnected || alone.Events == 0 {
		t.Fatalf("a call alone: %s with %d events: %v", alone.Outcome, alone.Events, alone.Diag)
	}
	seen := map[string]bool{alone.TraceID: true}
	p.PlaceMany(context.Background(), req, 300, 16, func(c flow.Call) {
		if c.Outcome != flow.OutcomeConnected || c.Events != alone.Events || seen[c.TraceID] || c.Kind != alone.Kind {
			t.Errorf("call %s: %s, %d events (kind %q), seen before %v; want connected with %d events like a call alone",
				c.TraceID, c.Outcome, c.Events, c.Kind, seen[c.TraceID], alone.Events)
		}
		seen[c.TraceID] = true
		for _, st := range flow.Stages {
			if _, ok := c.Latency.Get(st); !ok && !c.Latency.Instant[st] {
				t.Errorf("call %s: no latency for %s", c.TraceID, st)
			}
		}
	})
}
