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
	seen    int // requests ever shown, trimmed ones included
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

// forget stops following a trimmed request; its count stays.
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

// latencies are the measured latencies of the finished requests on screen
// that did not fail, per stage and in total, each sorted. A failed request
// stops early and fast (a 400 from APNs): it is counted apart, not mixed in.
type latencies struct {
	calls  int
	stages map[flow.Stage][]time.Duration
	// instant marks stages some request on screen passed as instant system
	// calls: no latency to rank, but not "-" (never reached) either.
	instant map[flow.Stage]bool
	total   []time.Duration
}

func (m Model) latencies() latencies {
	l := latencies{stages: map[flow.Stage][]time.Duration{}, instant: map[flow.Stage]bool{}}
	for _, id := range m.order {
		c, _ := m.calls.Get(id)
		if !c.Done() || c.Outcome == flow.OutcomeFailed {
			continue
		}
		l.calls++
		for st, d := range c.Latency.Stages {
			if c.Latency.Instant[st] {
				l.instant[st] = true
				continue
			}
			l.stages[st] = append(l.stages[st], d)
		}
		if c.Latency.Total > 0 {
			l.total = append(l.total, c.Latency.Total)
		}
	}
	for _, ds := range l.stages {
		slices.Sort(ds)
	}
	slices.Sort(l.total)
	return l
}

// quantile is the nearest-rank q-th percentile (0–100) of sorted values.
func quantile(sorted []time.Duration, q float64) (time.Duration, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	i := sort.Search(len(sorted), func(i int) bool { return float64(i+1) >= q/100*float64(len(sorted)) })
	return sorted[min(i, len(sorted)-1)], true
}
