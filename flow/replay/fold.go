package replay

import (
	"strings"

	"github.com/callscope/callscope/flow"
)

// Fold rebuilds calls from a trace's events in file order.
//
// A call whose first event is the sender's was placed by callscope: its own
// events carry its outcome, as they did live (flow.Calls.Add). A call first
// seen at APNs or later (a mock-apns trace, events from --ingest) had no
// sender here: its events decide how it ended (flow.Calls.AddObserved),
// as the live screen decided. Deciding on the first event keeps this
// streaming: no second pass over a file that may not fit in memory.
type Fold struct {
	calls      *flow.Calls
	observed   map[string]bool
	push       map[string]*flow.PushRecord
	pushAtAPNs map[string]bool
}

// NewFold returns an empty fold. It holds every call of the trace: a
// replay's size is the file's.
func NewFold() *Fold {
	return &Fold{calls: flow.NewCalls(), observed: map[string]bool{}, push: map[string]*flow.PushRecord{},
		pushAtAPNs: map[string]bool{}}
}

// Observed reports whether e, the first event seen of its call, starts a
// call no sender here concluded.
func Observed(first flow.Event) bool { return first.Stage != flow.StageSender }

// Add folds in one event; false for one without a trace id.
func (f *Fold) Add(e flow.Event) bool {
	obs, seen := f.observed[e.TraceID]
	if !seen && e.TraceID != "" {
		obs = Observed(e)
		f.observed[e.TraceID] = obs
	}
	// The push as APNs saw it wins over a device's copy of it.
	if e.Push != nil && (f.push[e.TraceID] == nil || e.Stage == flow.StageAPNs && !f.pushAtAPNs[e.TraceID]) {
		f.push[e.TraceID] = e.Push
		f.pushAtAPNs[e.TraceID] = e.Stage == flow.StageAPNs
	}
	if obs {
		return f.calls.AddObserved(e)
	}
	return f.calls.Add(e)
}

// Calls returns every call in the order its first event came.
func (f *Fold) Calls() []flow.Call { return f.calls.List() }

// Events returns one call's events in file order.
func (f *Fold) Events(traceID string) []flow.Event { return f.calls.Events(traceID) }

// Push is the push a call sent as APNs saw it, nil when the trace does
// not have it (traces recorded before the push was kept).
func (f *Fold) Push(traceID string) *flow.PushRecord { return f.push[traceID] }

// Filter picks calls: by id (--call: a trace id or call UUID, or a prefix
// of one, case-insensitive) and by text (--filter: a case-insensitive
// substring of the trace id, call UUID, a stage reached, the outcome or
// the diagnosis code). Empty fields match every call.
type Filter struct {
	Call, Text string
}

// Empty reports whether the filter picks every call.
func (f Filter) Empty() bool { return f.Call == "" && f.Text == "" }

// Match reports whether c is picked.
func (f Filter) Match(c flow.Call) bool {
	if f.Call != "" {
		id := strings.ToLower(f.Call)
		if !strings.HasPrefix(strings.ToLower(c.TraceID), id) && !strings.HasPrefix(strings.ToLower(c.CallID), id) {
			return false
		}
	}
	if f.Text == "" {
		return true
	}
	text := strings.ToLower(f.Text)
	fields := []string{c.TraceID, c.CallID, string(c.Outcome)}
	if c.Diag != nil {
		fields = append(fields, string(c.Diag.Code), string(c.Diag.Stage))
	}
	for _, s := range flow.Stages {
		if c.Latency.Reached(s) || c.Stage == s {
			fields = append(fields, string(s))
		}
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), text) {
			return true
		}
	}
	return false
}

// Outcome is how a call stands now, its latency not worked out: for what
// the last event changed, at no cost.
func (f *Fold) Outcome(traceID string) flow.Outcome {
	c, _ := f.calls.Peek(traceID)
	return c.Outcome
}

// Failures lists the positions of the events that end a call as failed,
// in order: where a replay's "next failure" stops.
func Failures(events []flow.Event) []int {
	f := NewFold()
	var at []int
	for i, e := range events {
		was := f.Outcome(e.TraceID)
		if f.Add(e) && was != flow.OutcomeFailed && f.Outcome(e.TraceID) == flow.OutcomeFailed {
			at = append(at, i)
		}
	}
	return at
}

// ObservedCalls are the trace ids of calls that no sender here concluded
// (Observed), from their first events.
func ObservedCalls(events []flow.Event) map[string]bool {
	seen := map[string]bool{}
	out := map[string]bool{}
	for _, e := range events {
		if !seen[e.TraceID] {
			seen[e.TraceID] = true
			if Observed(e) {
				out[e.TraceID] = true
			}
		}
	}
	return out
}
