package otlp

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

// memExporter keeps what it is given and tells a channel.
type memExporter struct {
	mu     sync.Mutex
	traces []Trace
	got    chan struct{}
}

func (m *memExporter) Export(_ context.Context, ts []Trace) error {
	m.mu.Lock()
	m.traces = append(m.traces, ts...)
	m.mu.Unlock()
	select {
	case m.got <- struct{}{}:
	default:
	}
	return nil
}
func (*memExporter) Close(context.Context) error { return nil }
func (*memExporter) Target() string              { return "mem" }

func attr(s Span, k string) any {
	for _, kv := range s.Attrs {
		if string(kv.Key) == k {
			return kv.Value.AsInterface()
		}
	}
	return nil
}

// TestLiveExport: a call goes out once its outcome has arrived and the
// grace has passed; an event after that hangs under the exported root; a
// call still open at the end goes out marked unfinished.
func TestLiveExport(t *testing.T) {
	b := bus.New()
	dst := &memExporter{got: make(chan struct{}, 8)}
	l := follow(b.Subscribe(64), dst, time.Millisecond)
	evs := sampleEvents()
	for _, e := range evs {
		if e.TraceID == okID {
			b.Emit(e)
		}
	}
	select {
	case <-dst.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the ended call was not exported")
	}
	// After it was exported: a late event of the same call, and a call
	// that never ends.
	b.Emit(flow.Event{TraceID: okID, Stage: flow.StageCallKit, Name: "ended", Time: at(20)})
	b.Emit(evs[4])
	b.Close()
	st, err := l.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls != 3 || st.Unfinished != 1 || st.Dropped != 0 {
		t.Errorf("stats %+v: want 3 handed on (a call, a late part, an unfinished call), 1 unfinished", st)
	}
	if len(dst.traces) != 3 {
		t.Fatalf("%d traces", len(dst.traces))
	}
	whole, late, open := dst.traces[0], dst.traces[1], dst.traces[2]
	if len(whole.Spans) != 6 || whole.Spans[0].Name != "call" {
		t.Errorf("the ended call: %d spans", len(whole.Spans))
	}
	if len(late.Spans) != 1 || late.Spans[0].Parent != whole.Spans[0].SpanID || late.Spans[0].SpanID == whole.Spans[5].SpanID ||
		attr(late.Spans[0], "callscope.after_call_ended") != true {
		t.Errorf("the late part: %+v", late.Spans)
	}
	if attr(open.Spans[0], "callscope.unfinished") != true {
		t.Errorf("the open call's root does not say unfinished: %v", open.Spans[0].Attrs)
	}
}

// TestLiveQueueBounded: a destination that falls behind costs calls,
// counted, never the bus's time.
func TestLiveQueueBounded(t *testing.T) {
	b := bus.New()
	l := newLive(b.Subscribe(1), &memExporter{}, Grace) // no worker: the queue fills
	const extra = 3
	for i := range QueueCalls + extra {
		id := strings.Repeat("0", 24) + strings.Repeat("1", 8)
		id = id[:24] + hex8(i+1)
		l.add(flow.Event{TraceID: id, Stage: flow.StageSender, Name: "failed", Time: t0, Outcome: flow.OutcomeFailed})
		l.finish(l.open[id])
	}
	if st := l.Stats(); st.Dropped != extra {
		t.Errorf("dropped %d, want %d", st.Dropped, extra)
	}
	if s := l.Stats().Summary("mem", 0); !strings.Contains(s, "⚠ 3 calls dropped") {
		t.Errorf("summary %q does not show the drops", s)
	}
}

func hex8(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[n%16]
		n /= 16
	}
	return string(b)
}
