package replay

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
)

var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func ev(trace string, st flow.Stage, name string, ms int) flow.Event {
	return flow.Event{TraceID: trace, Stage: st, Name: name, Time: t0.Add(time.Duration(ms) * time.Millisecond)}
}

// TestTimeline: positions follow the events' own gaps, never run back for
// an event stamped a little earlier, and a phone's clock does not move them.
func TestTimeline(t *testing.T) {
	phone := ev("a", flow.StageExtension, "push-received", 90_000) // a phone 90 s ahead
	phone.Clock = "device:iPhone"
	evs := []flow.Event{ev("a", flow.StageSender, "start", 0), ev("a", flow.StageServer, "received", 40),
		ev("a", flow.StageServer, "built", 30), phone, ev("a", flow.StageAPNs, "accepted", 50)}
	tl := NewTimeline(evs)
	want := []time.Duration{0, 40, 40, 40, 50}
	for i, w := range want {
		if tl.At[i] != w*time.Millisecond {
			t.Errorf("event %d at %v, want %v", i, tl.At[i], w*time.Millisecond)
		}
	}
	if tl.Total() != 50*time.Millisecond || tl.Before(40*time.Millisecond, 0) != 4 || tl.Before(time.Hour, 2) != 5 {
		t.Errorf("total %v, before(40ms) %d", tl.Total(), tl.Before(40*time.Millisecond, 0))
	}
}

// TestFold: a call the sender placed ends on its own outcome; one first
// seen at APNs ends on what its events show; the push kept is the one APNs
// saw; Failures finds the event that failed a call.
func TestFold(t *testing.T) {
	devicePush := &flow.PushRecord{Payload: []byte(`{"device":true}`)}
	apnsPush := &flow.PushRecord{Method: "POST", Path: "/3/device/ab", Payload: []byte(`{"aps":{}}`)}
	arrived := ev("placed", flow.StageExtension, "push-received", 3)
	arrived.Push = devicePush
	received := ev("placed", flow.StageAPNs, "received", 2)
	received.Push = apnsPush
	end := ev("placed", flow.StageSender, "ended", 5)
	end.Outcome = flow.OutcomeConnected
	rejected := ev("observed", flow.StageAPNs, "rejected", 7)
	rejected.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected}
	evs := []flow.Event{ev("placed", flow.StageSender, "start", 0), arrived, received,
		ev("placed", flow.StageAPNs, "accepted", 2), end,
		ev("observed", flow.StageAPNs, "received", 6), rejected}
	f := NewFold()
	for _, e := range evs {
		f.Add(e)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Outcome != flow.OutcomeConnected || calls[1].Outcome != flow.OutcomeFailed || !calls[1].Observed {
		t.Fatalf("calls %+v", calls)
	}
	if f.Push("placed") != apnsPush || f.Push("observed") != nil {
		t.Fatalf("push %+v, want the one APNs saw", f.Push("placed"))
	}
	if got := Failures(evs); len(got) != 1 || got[0] != 6 {
		t.Fatalf("failures at %v, want [6]", got)
	}
	if obs := ObservedCalls(evs); !obs["observed"] || obs["placed"] {
		t.Fatalf("observed %v", obs)
	}
}

// TestFilter: --call by id or prefix, --filter over ids, stages, outcome
// and diagnosis code, all case-insensitive.
func TestFilter(t *testing.T) {
	c := flow.Call{TraceID: "4bf92f3577b34da6", CallID: "6B29FC40-CA47", Outcome: flow.OutcomeFailed, Stage: flow.StageAPNs,
		Diag: &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected}}
	tests := []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Call: "4BF92F"}, true},
		{Filter{Call: "6b29fc40"}, true},
		{Filter{Call: "f92f"}, false}, // a prefix, not anywhere
		{Filter{Text: "apns_rejected"}, true},
		{Filter{Text: "fail"}, true},
		{Filter{Text: "apns"}, true},
		{Filter{Text: "callkit"}, false},
		{Filter{Call: "4bf9", Text: "connected"}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(c); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.f, got, tt.want)
		}
	}
}

// TestReadHeader: a header line first is skipped quietly, plain or
// gzipped; a line that is not an event elsewhere is reported with its
// number.
func TestReadHeader(t *testing.T) {
	dir := t.TempDir()
	body := `{"v":2,"header":{"callscope":"dev"}}
{"v":1,"trace_id":"a","stage":"sender","name":"start","time":"2026-12-02T01:00:00Z"}
{"v":2,"header":{"callscope":"dev"}}
`
	plain := filepath.Join(dir, "t.jsonl")
	if err := os.WriteFile(plain, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "t.jsonl.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	w := gzip.NewWriter(f)
	w.Write([]byte(body))
	w.Close()
	f.Close()
	for _, path := range []string{plain, gz} {
		var n int
		var bad []int
		err := Read(path, func(flow.Event) { n++ }, func(le *trace.LineError) { bad = append(bad, le.Line) })
		if err != nil || n != 1 || len(bad) != 1 || bad[0] != 3 {
			t.Fatalf("%s: %d events, bad lines %v, err %v; want 1 event and line 3 reported", path, n, bad, err)
		}
	}
}
