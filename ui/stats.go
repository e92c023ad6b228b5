package ui

import (
	"slices"
	"sort"
	"time"

	"github.com/callscope/callscope/flow"
)

// tally counts the session's finished requests by outcome. An outcome can
// change after it was counted (accepted, then a device reports a failure), so
// the tally remembers what it counted for each request on screen.
type tally struct {
	counted map[string]flow.Outcome // trace id → outcome counted
	n       map[flow.Outcome]int
	seen    int // requests ever shown, dropped ones included
}

func newTally() *tally {
	return &tally{counted: map[string]flow.Outcome{}, n: map[flow.Outcome]int{}}
}

// set records c's outcome, moving its count if it changed.
func (t *tally) set(c flow.Call) {
	old := t.counted[c.TraceID]
	if old == c.Outcome {
		return
	}
	if old != "" {
		t.n[old]--
	}
	if c.Outcome != "" {
		t.n[c.Outcome]++
	}
	t.counted[c.TraceID] = c.Outcome
}

// forget stops following a dropped request; its count stays as it was.
func (t *tally) forget(traceID string) { delete(t.counted, traceID) }

// done is how many requests finished.
func (t *tally) done() int {
	n := 0
	for _, k := range t.n {
		n += k
	}
	return n
}

// outcomeOrder is how the counts read: failures first, then the rest.
var outcomeOrder = []flow.Outcome{flow.OutcomeFailed, flow.OutcomeConnected, flow.OutcomeShown,
	flow.OutcomeAccepted, flow.OutcomeDeclined, flow.OutcomeUnanswered}

// outcomes lists the non-zero counts in outcomeOrder, unknown outcomes (from
// outside) last by name.
func (t *tally) outcomes() []flow.Outcome {
	var out []flow.Outcome
	for _, o := range outcomeOrder {
		if t.n[o] > 0 {
			out = append(out, o)
		}
	}
	var other []flow.Outcome
	for o, k := range t.n {
		if k > 0 && !slices.Contains(outcomeOrder, o) {
			other = append(other, o)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

// latencies are the measured latencies of the connected calls on screen,
// per stage and in total, each sorted. A failed request stops early and fast
// (a 400 from APNs): it is counted apart, not mixed in; a declined or
// unanswered call, a shown message or a push only APNs saw did not take the
// path a connected call takes, so none of them is ranked with it either.
// The one exception is a push seen only from APNs on (the standalone mock's
// screen): accepted is the only end it can show, so it is ranked, and
// counted by name.
type latencies struct {
	calls    int // calls ranked: connected, plus accepted pushes
	accepted int // of calls, pushes accepted by APNs
	failed   int // failed calls on screen, counted apart
	stages   map[flow.Stage][]time.Duration
	// instant marks stages some request on screen passed as instant system
	// calls: no latency to rank, but not "-" (never reached) either.
	instant map[flow.Stage]bool
	total   []time.Duration
}

// latencies reads the percentiles' input as it stands: the view draws on
// every event, so it must not gather it from every call held.
func (m Model) latencies() latencies {
	l := latencies{calls: len(m.lat.counted), accepted: len(m.lat.accepted), failed: len(m.lat.failed), stages: m.lat.stages, total: m.lat.total,
		instant: map[flow.Stage]bool{}}
	for st, n := range m.lat.instant {
		l.instant[st] = n > 0
	}
	return l
}

// latencyStats keeps latencies sorted as calls finish, change and leave:
// an event moves one call's values in O(log n) searches and a copy within
// slices no longer than the calls held.
type latencyStats struct {
	counted map[string]flow.Latency // trace id → what it added
	failed  map[string]struct{}     // trace ids of the failed calls held
	// accepted are the ranked pushes only APNs saw (flow.OutcomeAccepted).
	accepted map[string]struct{}
	stages   map[flow.Stage][]time.Duration
	instant  map[flow.Stage]int // calls that passed the stage as instant
	total    []time.Duration
}

func newLatencyStats() *latencyStats {
	return &latencyStats{counted: map[string]flow.Latency{}, failed: map[string]struct{}{},
		accepted: map[string]struct{}{}, stages: map[flow.Stage][]time.Duration{},
		instant: map[flow.Stage]int{}}
}

// set counts c's latency if it connected, or c apart if it failed, in place
// of what it added before.
func (l *latencyStats) set(c flow.Call) {
	l.forget(c.TraceID)
	if c.Outcome == flow.OutcomeFailed {
		l.failed[c.TraceID] = struct{}{}
		return
	}
	switch c.Outcome {
	case flow.OutcomeConnected:
	case flow.OutcomeAccepted:
		l.accepted[c.TraceID] = struct{}{}
	default:
		return
	}
	for st, d := range c.Latency.Stages {
		if c.Latency.Instant[st] {
			l.instant[st]++
			continue
		}
		l.stages[st] = insertSorted(l.stages[st], d)
	}
	if c.Latency.Total > 0 {
		l.total = insertSorted(l.total, c.Latency.Total)
	}
	l.counted[c.TraceID] = c.Latency
}

// forget takes out what a call added: it changed, or left the screen.
func (l *latencyStats) forget(traceID string) {
	delete(l.failed, traceID)
	delete(l.accepted, traceID)
	lat, ok := l.counted[traceID]
	if !ok {
		return
	}
	delete(l.counted, traceID)
	for st, d := range lat.Stages {
		if lat.Instant[st] {
			l.instant[st]--
			continue
		}
		l.stages[st] = removeSorted(l.stages[st], d)
	}
	if lat.Total > 0 {
		l.total = removeSorted(l.total, lat.Total)
	}
}

func insertSorted(s []time.Duration, d time.Duration) []time.Duration {
	i, _ := slices.BinarySearch(s, d)
	return slices.Insert(s, i, d)
}

func removeSorted(s []time.Duration, d time.Duration) []time.Duration {
	if i, ok := slices.BinarySearch(s, d); ok {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// quantile is the nearest-rank q-th percentile (0–100) of sorted values.
func quantile(sorted []time.Duration, q float64) (time.Duration, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	i := sort.Search(len(sorted), func(i int) bool { return float64(i+1) >= q/100*float64(len(sorted)) })
	return sorted[min(i, len(sorted)-1)], true
}
