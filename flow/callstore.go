package flow

import "slices"

// How a limited Calls stays within its bounds in O(1) per event: the ring
// of calls held, eviction, each call's events, the ids of evicted calls.

// hold adds a new call as the newest, evicting the oldest at the limit.
func (cs *Calls) hold(c Call) *callState {
	var st *callState
	if cs.limit > 0 && cs.n == cs.limit {
		st = cs.evictOldest()
	}
	if st != nil && st.shared {
		st = nil // a snapshot reads its events: leave them be
	}
	if st != nil {
		// A full store turns over a call per new call: reuse the evicted
		// one's memory (at most keepEvents/2 events), cleared so it pins
		// none of the old events' data.
		clear(st.events)
		*st = callState{call: c, events: st.events[:0]}
	} else if st = cs.spare; st != nil {
		cs.spare = nil
		*st = callState{call: c, events: st.events[:0]}
	} else {
		// A call through all five stages has about thirty events: one
		// allocation instead of six doublings, on the pipeline's hot path.
		st = &callState{call: c, events: make([]Event, 0, 32)}
	}
	if cs.n == len(cs.held) {
		// Grow in order, oldest at 0: amortised O(1), and never past the
		// limit, which a bounded ring reaches once and keeps.
		size := max(1, 2*len(cs.held))
		if cs.limit > 0 {
			size = min(size, cs.limit)
		}
		grown := make([]*callState, size)
		for i := range cs.n {
			grown[i] = cs.held[(cs.head+i)%len(cs.held)]
		}
		cs.held, cs.head = grown, 0
	}
	cs.held[(cs.head+cs.n)%len(cs.held)] = st
	cs.n++
	cs.byTrace[c.TraceID] = st
	return st
}

// Reset empties cs for another use, as NewCalls or NewCallsLimit with the
// same limit would make it (an OnEvict function stays), keeping the memory
// of one call's events for the next call held: the pipeline tracks each request in a store of its own,
// and a new store per request was six allocations and a call's thirty-odd
// events' worth of memory. Nothing read from cs before (Get, Events, List,
// Snapshot) changes: those are copies, or shared and then left alone.
func (cs *Calls) Reset() {
	var spare *callState
	if cs.n > 0 {
		if st := cs.held[cs.head]; !st.shared && st.tail == nil {
			spare = st
			clear(st.events)
		}
	}
	clear(cs.byTrace)
	clear(cs.held)
	cs.head, cs.n, cs.evicted, cs.late, cs.last = 0, 0, 0, 0, nil
	if cs.gone.max > 0 {
		cs.gone = idRing{max: cs.gone.max}
	}
	if spare != nil || cs.spare == nil {
		cs.spare = spare
	}
}

// keepEvents bounds the events a limited store keeps per call: a call
// through all five stages has about thirty. Past it the first and the
// latest are kept: the stages' starts and the end, for the latency, and
// what just arrived, for the screen. The others are counted in Call.Events,
// and every event still moves the call's stage, outcome and diagnosis.
const keepEvents = 256

// keep stores e (see callState.events).
func (st *callState) keep(e Event, bounded bool) {
	switch {
	case !bounded || len(st.events) < keepEvents/2:
		st.events = append(st.events, e)
	case len(st.tail) < keepEvents/2:
		st.tail = append(st.tail, e)
	default:
		if st.shared {
			// The one write in place: a snapshot reads this ring, so the
			// live call takes copies first, once (see Calls.Snapshot).
			st.events, st.tail, st.shared = slices.Clone(st.events), slices.Clone(st.tail), false
		}
		st.tail[st.next] = e
		st.next = (st.next + 1) % len(st.tail)
	}
}

// kept are the events kept, in the order applied; not a copy while all
// were kept.
func (st *callState) kept() []Event {
	if len(st.tail) == 0 {
		return st.events
	}
	out := make([]Event, 0, len(st.events)+len(st.tail))
	out = append(out, st.events...)
	out = append(out, st.tail[st.next:]...)
	return append(out, st.tail[:st.next]...)
}

func (cs *Calls) evictOldest() *callState {
	st := cs.held[cs.head]
	cs.held[cs.head] = nil
	cs.head = (cs.head + 1) % len(cs.held)
	cs.n--
	delete(cs.byTrace, st.call.TraceID)
	if cs.last == st {
		cs.last = nil
	}
	cs.gone.add(st.call.TraceID)
	cs.evicted++
	if cs.onEvict != nil {
		st.fresh()
		cs.onEvict(st.call)
	}
	return st
}

// idRing remembers the latest max ids: add and has are O(1).
type idRing struct {
	max  int
	ids  []string
	next int
	set  map[string]struct{}
}

func (r *idRing) add(id string) {
	if r.max == 0 {
		return
	}
	if r.set == nil {
		r.set = map[string]struct{}{}
	}
	if len(r.ids) < r.max {
		r.ids = append(r.ids, id)
	} else {
		delete(r.set, r.ids[r.next])
		r.ids[r.next] = id
		r.next = (r.next + 1) % r.max
	}
	r.set[id] = struct{}{}
}

func (r *idRing) has(id string) bool {
	_, ok := r.set[id]
	return ok
}
