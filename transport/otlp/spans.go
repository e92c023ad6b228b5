package otlp

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/callscope/callscope/flow"
)

// Span is one span of a call's trace in neither the SDK's types nor pdata's:
// both exporters render the same spans from it.
type Span struct {
	TraceID trace.TraceID
	SpanID  trace.SpanID
	Parent  trace.SpanID // zero for the call's root span
	Stage   flow.Stage   // "" for the root
	Name    string
	Start   time.Time
	End     time.Time
	Attrs   []attribute.KeyValue
	Events  []SpanEvent
	// Error marks the span of the stage a diagnosis blames (and the root of
	// a failed call); Status is then "CODE (Apple's name): detail".
	Error  bool
	Status string
}

// SpanEvent is one callscope event on its stage's span.
type SpanEvent struct {
	Name  string
	Time  time.Time
	Attrs []attribute.KeyValue
}

// Trace is one call: its root span first, then a span per stage in path order.
type Trace struct {
	ID    trace.TraceID
	Spans []Span
}

// Service is the service.name of a span's resource: one per stage, so a
// trace viewer colours the stages apart and lays the call out like a ladder.
func Service(stage flow.Stage) string {
	if stage == "" {
		return "callscope"
	}
	return "callscope." + string(stage)
}

// Build groups events by trace id, in the order each call first appears, and
// returns one trace per call. Events without a valid W3C trace id cannot be
// put in a trace; skipped counts them.
func Build(events []flow.Event) (traces []Trace, skipped int) {
	byID := map[string]int{}
	var groups [][]flow.Event
	for _, e := range events {
		if _, ok := ParseTraceID(e.TraceID); !ok {
			skipped++
			continue
		}
		i, ok := byID[e.TraceID]
		if !ok {
			i = len(groups)
			byID[e.TraceID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], e)
	}
	for _, g := range groups {
		if t, ok := BuildCall(g, 0); ok {
			traces = append(traces, t)
		}
	}
	return traces, skipped
}

// ParseTraceID reads a W3C trace id: 32 lowercase hex digits, not all zero.
func ParseTraceID(s string) (trace.TraceID, bool) {
	var id trace.TraceID
	if len(s) != 32 || strings.ToLower(s) != s {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, false
	}
	return id, id.IsValid()
}

// spanID derives a span's id from its trace and role, so the same call
// exported twice (a file, then a collector) gives the same spans, and a part
// exported later can name the root as its parent.
func spanID(tid trace.TraceID, role string) trace.SpanID {
	sum := sha256.Sum256(append(tid[:], role...))
	var id trace.SpanID
	copy(id[:], sum[:8])
	if !id.IsValid() {
		id[7] = 1
	}
	return id
}

// BuildCall builds one call's trace from its events (one trace id). part 0
// is the call as a whole, with its root span. A later part holds events
// that came after the call was exported (a hang-up, a second device): its
// stage spans hang under the root exported before, and there is no root.
func BuildCall(events []flow.Event, part int) (Trace, bool) {
	if len(events) == 0 {
		return Trace{}, false
	}
	tid, ok := ParseTraceID(events[0].TraceID)
	if !ok {
		return Trace{}, false
	}
	rootID := spanID(tid, "call")
	role := func(s flow.Stage) string {
		if part == 0 {
			return string(s)
		}
		return string(s) + "#" + strconv.Itoa(part)
	}
	stages := map[flow.Stage]*Span{}
	var (
		root                 Span
		kind, callID, apnsID string
		outcome              flow.Outcome
		final                *flow.Diagnosis
	)
	root = Span{TraceID: tid, SpanID: rootID}
	for i := range events {
		e := flow.Redact(events[i])
		if e.CallID != "" && callID == "" {
			callID = e.CallID
		}
		if e.ApnsID != "" && apnsID == "" {
			apnsID = e.ApnsID
		}
		if k := e.Attrs["kind"]; e.Stage == flow.StageSender && k != "" && kind == "" {
			kind = k
		}
		if e.Outcome != "" {
			outcome = e.Outcome
		}
		sp := stages[e.Stage]
		if sp == nil {
			sp = &Span{TraceID: tid, SpanID: spanID(tid, role(e.Stage)), Parent: rootID, Stage: e.Stage,
				Name: e.Stage.Title(), Start: e.Time, End: e.Time}
			stages[e.Stage] = sp
		}
		end := e.Time.Add(measured(e))
		if e.Time.Before(sp.Start) {
			sp.Start = e.Time
		}
		if end.After(sp.End) {
			sp.End = end
		}
		sp.Events = append(sp.Events, SpanEvent{Name: e.Name, Time: e.Time, Attrs: eventAttrs(e)})
		if e.Push != nil && !hasKey(sp.Attrs, "callscope.push.method") {
			sp.Attrs = append(sp.Attrs, pushAttrs(e.Push)...)
		}
		if d := e.Diagnosis; d != nil {
			blamed := d.Stage
			if blamed.Index() < 0 {
				blamed = e.Stage
			}
			bs := stages[blamed]
			if bs == nil {
				// The stage the diagnosis blames never spoke (the NSE that
				// was not launched): its span marks where the path broke.
				bs = &Span{TraceID: tid, SpanID: spanID(tid, role(blamed)), Parent: rootID, Stage: blamed,
					Name: blamed.Title(), Start: e.Time, End: e.Time,
					Attrs: []attribute.KeyValue{attribute.Bool("callscope.stage.reached", false)}}
				stages[blamed] = bs
			}
			if d.Warning {
				bs.Attrs = replacePrefix(bs.Attrs, "callscope.warning.", diagAttrs("callscope.warning.", d))
			} else {
				bs.Error, bs.Status = true, status(d)
				bs.Attrs = replacePrefix(bs.Attrs, "callscope.diagnosis.", diagAttrs("callscope.diagnosis.", d))
				final = d
			}
		}
	}
	t := Trace{ID: tid}
	if part == 0 {
		root.Name = rootName(kind)
		root.Start, root.End = events[0].Time, events[0].Time
		for _, sp := range stages {
			if sp.Start.Before(root.Start) {
				root.Start = sp.Start
			}
			if sp.End.After(root.End) {
				root.End = sp.End
			}
		}
		root.Attrs = appendStr(root.Attrs, "callscope.call_id", callID)
		root.Attrs = appendStr(root.Attrs, "callscope.apns_id", apnsID)
		root.Attrs = appendStr(root.Attrs, "callscope.kind", kind)
		root.Attrs = append(root.Attrs, attribute.String("callscope.trace_id", events[0].TraceID),
			attribute.Int("callscope.events", len(events)))
		if outcome != "" {
			root.Attrs = append(root.Attrs, attribute.String("callscope.outcome", string(outcome)))
		} else {
			// Exported before it ended (the run stopped first): say so
			// rather than let a viewer read it as a call that went well.
			root.Attrs = append(root.Attrs, attribute.Bool("callscope.unfinished", true))
		}
		if final != nil {
			root.Attrs = append(root.Attrs, diagAttrs("callscope.diagnosis.", final)...)
			root.Error, root.Status = true, status(final)
		} else if outcome == flow.OutcomeFailed {
			root.Error, root.Status = true, "failed"
		}
		t.Spans = append(t.Spans, root)
	}
	for _, st := range orderedStages(stages) {
		sp := stages[st]
		sp.Attrs = append(stageAttrs(st, events), sp.Attrs...)
		if part > 0 {
			sp.Attrs = append(sp.Attrs, attribute.Bool("callscope.after_call_ended", true))
		}
		t.Spans = append(t.Spans, *sp)
	}
	return t, true
}

// measured is how far an event stretches its span: its duration, or for
// simulated iPhone time only the wall time the run spent on it.
func measured(e flow.Event) time.Duration {
	if e.Simulated {
		return e.Waited
	}
	return e.Duration
}

func orderedStages(m map[flow.Stage]*Span) []flow.Stage {
	out := make([]flow.Stage, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Index(), out[j].Index()
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

func rootName(kind string) string {
	switch kind {
	case string(flow.KindCall), string(flow.KindMessage):
		return kind
	}
	return "push" // seen from APNs on: no sender here said what it was
}
