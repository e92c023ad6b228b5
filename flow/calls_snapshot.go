package flow

// Snapshot returns a copy of the store as it stands that later events to cs
// do not change: for a screen that freezes what it shows (pause) while
// events keep arriving into cs. It costs the calls held and their kept
// events, once, when taken; the copy shares nothing the live store writes
// to (an evicted call's memory is reused, so the events are copied).
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
		cp := &callState{call: st.call, stale: st.stale, observed: st.observed, startClock: st.startClock,
			events: append([]Event(nil), st.kept()...)}
		if st.call.Diag != nil {
			d := *st.call.Diag
			cp.call.Diag = &d
		}
		out.held[i] = cp
		out.byTrace[st.call.TraceID] = cp
	}
	return out
}
