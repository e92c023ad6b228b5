package flow

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomEvents is a run of events over a few calls, in any order, with what
// Calls reads from them: stages, names that end a path, attributes it keeps,
// outcomes, diagnoses (warnings too), clocks and times out of order.
func randomEvents(r *rand.Rand, calls, n int) []Event {
	names := []string{"received", NameRinging, NameShown, NameAccepted, "built", "connected"}
	attrs := []map[string]string{nil, {"state": "S2"}, {AttrKind: "call", AttrFrom: "a@x", AttrTo: "b@x"},
		{AttrEndedReason: "remoteEnded"}, {AttrKind: "message"}}
	outcomes := []Outcome{"", "", "", OutcomeConnected, OutcomeFailed, OutcomeAccepted, OutcomeDeclined}
	base := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	out := make([]Event, n)
	for i := range out {
		e := Event{TraceID: traceN(r.IntN(calls) + 1), Stage: Stages[r.IntN(len(Stages))], Name: names[r.IntN(len(names))],
			Time: base.Add(time.Duration(r.IntN(1000)) * time.Millisecond), Duration: time.Duration(r.IntN(50)) * time.Millisecond,
			Simulated: r.IntN(5) == 0, Instant: r.IntN(6) == 0, Attrs: attrs[r.IntN(len(attrs))], Outcome: outcomes[r.IntN(len(outcomes))],
			CallID: []string{"", "call-1"}[r.IntN(2)], ApnsID: []string{"", "apns-1"}[r.IntN(2)]}
		if r.IntN(8) == 0 {
			e.Clock = "device:iPhone"
		}
		if r.IntN(7) == 0 {
			e.TraceID = "" // ignored
		}
		if r.IntN(5) == 0 {
			e.Diagnosis = &Diagnosis{Stage: e.Stage, Code: CodeTimedOut, Detail: "d", Warning: r.IntN(2) == 0}
		}
		out[i] = e
	}
	return out
}

// storeView is everything a reader can ask a store.
type storeView struct {
	List            []Call
	Events          map[string][]Event
	Len             int
	Evicted, Late   uint64
	Peek, Get, Miss []Call
}

func viewOf(cs *Calls, calls int) storeView {
	v := storeView{List: cs.List(), Events: map[string][]Event{}, Len: cs.Len(), Evicted: cs.Evicted(), Late: cs.Late()}
	for i := 1; i <= calls+1; i++ {
		id := traceN(i)
		v.Events[id] = cs.Events(id)
		p, _ := cs.Peek(id)
		g, _ := cs.Get(id)
		v.Peek, v.Get = append(v.Peek, p), append(v.Get, g)
	}
	return v
}

// TestCallsResetIsNew: a store emptied with Reset (the pipeline's trackers
// are reused so) answers every question as a new store does, over random
// runs of events, unbounded and bounded, observed or not, round after
// round on the same store.
func TestCallsResetIsNew(t *testing.T) {
	for _, limit := range []int{0, 1, 2, 5} {
		r := rand.New(rand.NewPCG(uint64(limit), 14))
		mk := func() *Calls {
			if limit == 0 {
				return NewCalls()
			}
			return NewCallsLimit(limit)
		}
		reused := mk()
		for round := range 300 {
			calls := 1 + r.IntN(4)
			evs := randomEvents(r, calls, r.IntN(60))
			observed := r.IntN(3) == 0
			fresh := mk()
			for _, e := range evs {
				if observed {
					fresh.AddObserved(e)
					reused.AddObserved(e)
				} else {
					fresh.Add(e)
					reused.Add(e)
				}
			}
			if got, want := viewOf(reused, calls), viewOf(fresh, calls); !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d, round %d: a reset store answers\n%+v\nwant, as a new one,\n%+v", limit, round, got, want)
			}
			if r.IntN(4) == 0 {
				_ = reused.Snapshot() // shared events: Reset must leave them be
			}
			reused.Reset()
		}
	}
}

// TestCallsResetLeavesReadsAlone: what was read from a store before Reset
// (events, a snapshot) does not change when the store takes the next call.
func TestCallsResetLeavesReadsAlone(t *testing.T) {
	cs := NewCalls()
	cs.Add(started(1))
	end := started(1)
	end.Outcome = OutcomeConnected
	cs.Add(end)
	evs := cs.Events(traceN(1))
	snap := cs.Snapshot()
	cs.Reset()
	snapEvs := snap.Events(traceN(1))
	cs.Add(started(2))
	cs.Add(started(2))
	if len(evs) != 2 || evs[0].TraceID != traceN(1) || evs[1].Outcome != OutcomeConnected {
		t.Errorf("events read before Reset changed: %+v", evs)
	}
	if got := snap.Events(traceN(1)); !reflect.DeepEqual(got, snapEvs) || len(got) != 2 || got[0].TraceID != traceN(1) {
		t.Errorf("a snapshot taken before Reset changed: %+v", got)
	}
	if c, ok := cs.Get(traceN(1)); ok {
		t.Errorf("after Reset the store still holds %+v", c)
	}
}

// TestCallsLastAfterEviction: the store remembers the call the latest event
// went to; once that call is evicted, its next event is late, not folded
// into the evicted call's memory.
func TestCallsLastAfterEviction(t *testing.T) {
	cs := NewCallsLimit(1)
	cs.Add(started(1))
	_ = cs.Snapshot()  // call 1's memory is shared: eviction does not reuse it
	cs.Add(started(2)) // evicts call 1
	if cs.Add(started(1)) || cs.Late() != 1 {
		t.Fatalf("an event for the evicted call was folded in (late %d)", cs.Late())
	}
	if c, _ := cs.Get(traceN(2)); c.Events != 1 || cs.Len() != 1 {
		t.Fatalf("call 2 has %d events, the store %d calls; want 1 and 1", c.Events, cs.Len())
	}
}
