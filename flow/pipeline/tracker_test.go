package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestTrackersReusedKeepCallsApart: trackers serve one request after
// another (a pool). Calls in flight at once each end with their own call
// (connected, their own trace id once, every stage reached), and an event
// that comes after its request ended (a device's last event, a late one
// emitted by hand) never lands in a tracker kept for the next request.
func TestTrackersReusedKeepCallsApart(t *testing.T) {
	p := newPipeline(t, profile(func(pr *device.Profile) { pr.MaximumCallGroups = 64 }))
	req := p.Compose()
	alone := p.Place(context.Background(), req)
	if alone.Outcome != flow.OutcomeConnected || alone.Events == 0 {
		t.Fatalf("a call alone: %s with %d events: %v", alone.Outcome, alone.Events, alone.Diag)
	}
	seen := map[string]bool{alone.TraceID: true}
	var ended []string
	p.PlaceMany(context.Background(), req, 300, 16, func(c flow.Call) {
		// A call's events after its outcome (the device's own "connected")
		// may or may not be in by then: one more or less than alone.
		if c.Outcome != flow.OutcomeConnected || c.Events < alone.Events-1 || c.Events > alone.Events+1 || seen[c.TraceID] || c.Kind != alone.Kind {
			t.Errorf("call %s: %s, %d events (kind %q), seen before %v; want connected with about %d events like a call alone",
				c.TraceID, c.Outcome, c.Events, c.Kind, seen[c.TraceID], alone.Events)
		}
		seen[c.TraceID] = true
		ended = append(ended, c.TraceID)
		for _, st := range flow.Stages {
			if !c.Latency.Reached(st) {
				t.Errorf("call %s: stage %s not reached", c.TraceID, st)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ended {
		p.emit(flow.Event{TraceID: id, Stage: flow.StageCallKit, Name: "late", Time: time.Now()})
	}
	for range 64 {
		tr := trackers.Get().(*tracker)
		if n := tr.calls.Len(); n != 0 {
			t.Fatalf("a tracker kept for the next request holds %d calls", n)
		}
		defer trackers.Put(tr)
	}
}

// TestTrackerTakesOnlyItsRequest: an emit that found a tracker just before
// its request ended may add after the tracker went on to the next request;
// that event is left out, and the next request's call is as if it never came.
func TestTrackerTakesOnlyItsRequest(t *testing.T) {
	a, b := "0af7651916cd43dd8448eb211c80319c", "1bf7651916cd43dd8448eb211c80319d"
	tr := track(a)
	tr.add(flow.Event{TraceID: a, Stage: flow.StageSender, Name: "start-call-action", Time: time.Now()})
	if c := tr.get(a); c.Events != 1 {
		t.Fatalf("request a: %d events, want 1", c.Events)
	}
	tr.release()
	tr.mu.Lock()
	tr.id = b // as track(b) makes it, had the pool handed this one back
	tr.mu.Unlock()
	tr.add(flow.Event{TraceID: a, Stage: flow.StageCallKit, Name: "connected", Time: time.Now()}) // a's, late
	tr.add(flow.Event{TraceID: b, Stage: flow.StageSender, Name: "start-call-action", Time: time.Now()})
	if n := tr.calls.Len(); n != 1 {
		t.Fatalf("the tracker holds %d calls, want b's alone", n)
	}
	if c := tr.get(b); c.Events != 1 || c.TraceID != b {
		t.Fatalf("request b: %+v", c)
	}
	if c := tr.get(a); c.Events != 0 {
		t.Fatalf("request a's late event landed: %+v", c)
	}
	tr.release()
}
