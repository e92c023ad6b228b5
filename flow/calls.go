package flow

// Attribute keys the tracker reads from events.
const (
	AttrKind        = "kind"
	AttrFrom        = "from"
	AttrTo          = "to"
	AttrEndedReason = "ended_reason" // CXCallEndedReason
)

// NameAccepted is APNs's event for a push it answered 200.
const NameAccepted = "accepted"

// Calls rebuilds calls from their events, in any order. The pipeline uses it
// to decide outcomes, the screen to draw, replay to rebuild a session. It is
// not safe for concurrent use.
type Calls struct {
	byTrace map[string]*callState
	order   []string
}

type callState struct {
	call     Call
	events   []Event
	stale    bool // call.Latency predates the last event
	observed bool // see Call.Observed

	// startClock is the Event.Clock call.Started was read on: this
	// machine's events place a call in time, a phone's only until one
	// arrives (its clock may be off by seconds).
	startClock string
}

// NewCalls returns an empty tracker.
func NewCalls() *Calls { return &Calls{byTrace: map[string]*callState{}} }

// Apply folds one event into its call and returns the call as it now stands.
// Events without a trace id are ignored (ok is false).
func (cs *Calls) Apply(e Event) (c Call, ok bool) {
	if !cs.Add(e) {
		return Call{}, false
	}
	return cs.Get(e.TraceID)
}

// ApplyObserved is Apply for a request no sender here concludes: see
// AddObserved.
func (cs *Calls) ApplyObserved(e Event) (c Call, ok bool) {
	if !cs.AddObserved(e) {
		return Call{}, false
	}
	return cs.Get(e.TraceID)
}

// Add folds one event into its call without working out its latency, which
// waits until the call is read: a busy run adds far more events than it reads
// calls. It reports whether the event had a trace id.
func (cs *Calls) Add(e Event) bool { return cs.add(e, false) }

// AddObserved folds in an event of a request that no sender here will
// conclude: pushes to the standalone mock, events from outside (--ingest).
// Such a call (every event of it, once one arrived this way) ends on what
// its events show: APNs accepting the push ends it as accepted, a failure's
// diagnosis ends it as failed, and a device event that reports later, a
// failure or an outcome, replaces accepted with where the push really ended.
func (cs *Calls) AddObserved(e Event) bool { return cs.add(e, true) }

func (cs *Calls) add(e Event, observed bool) bool {
	if e.TraceID == "" {
		return false
	}
	st := cs.byTrace[e.TraceID]
	if st == nil {
		// A call through all five stages has about thirty events: one
		// allocation instead of six doublings, on the pipeline's hot path.
		st = &callState{call: Call{TraceID: e.TraceID, Started: e.Time, Stage: e.Stage}, events: make([]Event, 0, 32)}
		cs.byTrace[e.TraceID] = st
		cs.order = append(cs.order, e.TraceID)
	}
	st.events = append(st.events, e)
	st.observed = st.observed || observed
	c2 := &st.call
	c2.Observed = st.observed
	c2.Events++
	if earlier := e.Time.Before(c2.Started); c2.Events == 1 || st.startClock != "" && (e.Clock == "" || earlier) || e.Clock == "" && earlier {
		c2.Started, st.startClock = e.Time, e.Clock
	}
	if e.Stage.Index() > c2.Stage.Index() {
		c2.Stage = e.Stage
	}
	if e.CallID != "" {
		c2.CallID = e.CallID
	}
	if e.ApnsID != "" {
		c2.ApnsID = e.ApnsID
	}
	if v := e.Attrs[AttrKind]; v != "" {
		c2.Kind = Kind(v)
	}
	if v := e.Attrs[AttrFrom]; v != "" {
		c2.From = v
	}
	if v := e.Attrs[AttrTo]; v != "" {
		c2.To = v
	}
	if v := e.Attrs[AttrEndedReason]; v != "" {
		c2.Reason = v
	}
	// Accepted is provisional: what a device reports later replaces it.
	open := c2.Outcome == "" || c2.Outcome == OutcomeAccepted
	if e.Stage == StageCallKit && e.Name == NameRinging && open {
		c2.Ringing = true
	}
	outcome := e.Outcome
	if st.observed {
		outcome = observedOutcome(e)
	}
	// The first outcome settles a call, but accepted only until something
	// else arrives.
	settles := outcome != "" && open && (c2.Outcome == "" || outcome != OutcomeAccepted)
	// A failure's diagnosis wins over a warning's; the ending event's over
	// earlier ones (for a sender's call, any event that carries an outcome).
	ending := settles || (!st.observed && e.Outcome != "")
	if e.Diagnosis != nil && (c2.Diag == nil || c2.Diag.Warning || ending) {
		d := *e.Diagnosis
		c2.Diag = &d
	}
	if settles {
		c2.Outcome = outcome
		c2.Ringing = false
	}
	st.stale = true
	return true
}

// observedOutcome is how e ends a request no sender concludes, or "".
func observedOutcome(e Event) Outcome {
	switch {
	case e.Outcome != "":
		return e.Outcome
	case e.Diagnosis != nil && !e.Diagnosis.Warning:
		return OutcomeFailed
	case e.Stage == StageAPNs && e.Name == NameAccepted:
		return OutcomeAccepted
	}
	return ""
}

// Get returns the call with this trace id, its latency worked out if events
// arrived since the last read.
func (cs *Calls) Get(traceID string) (Call, bool) {
	st := cs.byTrace[traceID]
	if st == nil {
		return Call{}, false
	}
	st.fresh()
	return st.call, true
}

// Events returns the events of one call in the order they were applied.
func (cs *Calls) Events(traceID string) []Event {
	st := cs.byTrace[traceID]
	if st == nil {
		return nil
	}
	return append([]Event(nil), st.events...)
}

// List returns every call in the order its first event arrived.
func (cs *Calls) List() []Call {
	out := make([]Call, 0, len(cs.order))
	for _, id := range cs.order {
		st := cs.byTrace[id]
		st.fresh()
		out = append(out, st.call)
	}
	return out
}

// Len is the number of calls seen.
func (cs *Calls) Len() int { return len(cs.order) }

// Forget drops a finished call's events to bound memory in long sessions.
func (cs *Calls) Forget(traceID string) {
	if _, ok := cs.byTrace[traceID]; !ok {
		return
	}
	delete(cs.byTrace, traceID)
	for j, id := range cs.order {
		if id == traceID {
			cs.order = append(cs.order[:j], cs.order[j+1:]...)
			break
		}
	}
}

func (st *callState) fresh() {
	if st.stale {
		st.call.Latency = ComputeLatency(st.events)
		st.stale = false
	}
}
