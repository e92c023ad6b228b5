package flow

// Snapshot returns a copy of the store as it stands that later events to cs
// do not change: for a screen that freezes what it shows (pause) while
// events keep arriving into cs. It costs the calls held, not their events:
// the copy shares each call's events with cs, which never changes what the
// copy reads. Appends land past the copy's length; the two writes in place
// (a long call's ring of latest events, an evicted call's memory reused for
// the next) copy first or allocate anew while a call is marked shared.
// The snapshot is meant to be read: it keeps cs's limit, evictions and late
// count, but no eviction callback.
func (cs *Calls) Snapshot() *Calls {
	out := &Calls{
		byTrace: make(map[string]*callState, cs.n),
		held:    make([]*callState, cs.n),
		n:       cs.n,
		limit:   cs.limit,
		evicted: cs.evicted,
		late:    cs.late,
		gone:    idRing{max: cs.gone.max},
	}
	for i := range cs.n {
		st := cs.held[(cs.head+i)%len(cs.held)]
		st.shared = true
		out.held[i] = &callState{call: st.call, stale: st.stale, observed: st.observed, startClock: st.startClock,
			events: st.events[:len(st.events):len(st.events)], tail: st.tail[:len(st.tail):len(st.tail)], next: st.next,
			shared: true}
		out.byTrace[st.call.TraceID] = out.held[i]
	}
	return out
}
