package bench

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestSoakAccountsForEveryCall: a shrunk soak (--count) counts every call
// at every hop with none lost or duplicated, and its trace holds every
// call's events from the caller to CallKit.
func TestSoakAccountsForEveryCall(t *testing.T) {
	b, ok := Lookup("soak")
	if !ok {
		t.Fatal("no soak benchmark registered")
	}
	dir := t.TempDir()
	const n = 300
	res, err := b.Run(context.Background(), Options{Count: n, Concurrency: 32, TraceDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"placed", "sent", "answered", "delivered", "received", "reported", "connected"} {
		if res.Counts[k] != n {
			t.Errorf("%s = %d, want %d (counts %v)", k, res.Counts[k], n, res.Counts)
		}
	}
	for _, k := range []string{"lost", "duplicated", "foreign", "not_counted", "not_recorded"} {
		if v, ok := res.Counts[k]; !ok || v != 0 {
			t.Errorf("%s = %d (present %v), want 0", k, v, ok)
		}
	}
	if res.Ops != n || res.Latency == nil || res.Latency.Count != n || res.Stages["apns"].Count != n {
		t.Errorf("ops %d, latency %+v, apns stage %+v", res.Ops, res.Latency, res.Stages["apns"])
	}
	if res.Extra["rss_first_quarter_bytes"] == "" || res.Extra["rss_last_quarter_bytes"] == "" || res.Met == nil {
		t.Errorf("extra %v met %v", res.Extra, res.Met)
	}

	// The trace: every call's events, each call from its caller's post to
	// CallKit ringing, and as many events as the run recorded.
	r, err := flowtrace.Open(res.Trace)
	if err != nil {
		t.Fatal(err)
	}
	calls := flow.NewCalls()
	events := 0
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		events++
		calls.Add(e)
	}
	if int64(events) != res.Counts["trace_events"] || calls.Len() != n {
		t.Fatalf("trace %s: %d events (run wrote %d), %d calls; want %d calls", res.Trace, events, res.Counts["trace_events"], calls.Len(), n)
	}
	for _, c := range calls.List() {
		if c.Outcome != flow.OutcomeConnected || c.Stage != flow.StageCallKit {
			t.Fatalf("call %s in the trace: %s at %s", c.TraceID, c.Outcome, c.Stage)
		}
	}
}

// TestSoakTallyFindsLossAndDuplicates: the tally's arithmetic on a call
// lost between APNs and the device, and a push delivered twice.
func TestSoakTallyFindsLossAndDuplicates(t *testing.T) {
	tally := newSoakTally(3)
	ids := []string{"0af7651916cd43dd8448eb211c80319c", "1af7651916cd43dd8448eb211c80319c", "2af7651916cd43dd8448eb211c80319c"}
	apnsIDs := []string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003"}
	for i, id := range ids {
		tally.event(flow.Event{TraceID: id, Stage: flow.StageSender, Name: "posted", Attrs: map[string]string{"status": "200"}})
		tally.event(flow.Event{TraceID: id, ApnsID: apnsIDs[i], Stage: flow.StageAPNs, Name: flow.NameAccepted})
		if i == 1 {
			continue // lost after APNs accepted it
		}
		deliveries := 1
		if i == 2 {
			deliveries = 2
		}
		for range deliveries {
			tally.event(flow.Event{TraceID: id, Stage: flow.StageAPNs, Name: "delivered"})
			tally.event(flow.Event{TraceID: id, Stage: flow.StageExtension, Name: "push-received"})
		}
		tally.reported(flow.Call{TraceID: id, Outcome: flow.OutcomeConnected})
	}
	c := tally.counts(3)
	want := map[string]int64{"placed": 3, "sent": 3, "answered": 3, "delivered": 2, "received": 2, "reported": 2, "lost": 1, "duplicated": 2, "connected": 2}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %d, want %d (%v)", k, c[k], v, c)
		}
	}
}

// TestSoakDropTrace: in bench all without --trace-dir the soak counts from
// its trace and then removes it, saying so; the counts stay whole.
func TestSoakDropTrace(t *testing.T) {
	b, _ := Lookup("soak")
	dir := t.TempDir()
	res, err := b.Run(context.Background(), Options{Count: 50, Concurrency: 8, TraceDir: dir, DropTrace: true})
	if err != nil || res.Error != "" {
		t.Fatalf("%v %s", err, res.Error)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 || res.Trace != "" || res.Counts["connected"] != 50 {
		t.Fatalf("files left %d, trace %q, connected %d", len(left), res.Trace, res.Counts["connected"])
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "trace removed") {
		t.Fatalf("no note says the trace was removed: %v", res.Notes)
	}
}
