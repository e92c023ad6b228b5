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
//
// With a limit (NewCallsLimit) it holds at most that many calls: a call that
// would exceed it evicts the one whose first event arrived earliest, finished
// or not. Oldest first without exceptions, so what is held is always the
// newest calls, and a flood of calls that never end cannot pin the store
// (keeping unfinished calls instead filled it with stale ones and left no
// room for the new). Every operation is O(1) in the number of calls held.
// A limited store also bounds each call's events (keepEvents), so one call
// that gets events without end (a trace id reused by every push) costs
// neither unbounded memory nor time that grows with each event.
type Calls struct {
	byTrace map[string]*callState
	// held is a ring of the calls in the order their first event arrived,
	// oldest at head: the oldest leaves and the i-th is read in O(1).
	held    []*callState
	head, n int
	limit   int // 0: no bound
	evicted uint64
	// gone are the trace ids of the latest evicted calls (goneFactor times
	// the limit: an id costs far less than a call): an event for one of them
	// is late, counted and ignored rather than starting the call again with
	// only its last events, and counting it twice in the session's totals.
	gone    idRing
	late    uint64
	onEvict func(Call)
	// last is the call the latest event went to: a request's events come
	// one after another (the pipeline keeps a store per request), and the
	// map lookup by trace id, a hash of 32 bytes, was a third of add.
	last *callState
	// spare is a call's memory Reset kept for the next call held.
	spare *callState
}

type callState struct {
	call Call
	// events are the call's events in the order applied: all of them
	// without a limit; with one, the first keepEvents/2 here and the
	// latest keepEvents/2 in tail, a ring whose oldest is at next.
	events   []Event
	tail     []Event
	next     int
	stale    bool // call.Latency predates the last event
	observed bool // see Call.Observed
	// shared: a snapshot reads events and tail (Calls.Snapshot); the few
	// writes that would change what it reads copy them first.
	shared bool

	// startClock is the Event.Clock call.Started was read on: this
	// machine's events place a call in time, a phone's only until one
	// arrives (its clock may be off by seconds).
	startClock string
}

// NewCalls returns an empty tracker without a bound: for one request's
// events, or a replay whose size the file fixes.
func NewCalls() *Calls { return &Calls{byTrace: map[string]*callState{}} }

// NewCallsLimit returns an empty tracker that holds at most limit calls
// (limit < 1 means 1), evicting the oldest first.
func NewCallsLimit(limit int) *Calls {
	limit = max(1, limit)
	return &Calls{byTrace: map[string]*callState{}, limit: limit, gone: idRing{max: goneFactor * limit}}
}

// goneFactor is how many evicted calls' ids are remembered, per call held.
const goneFactor = 8

// OnEvict calls f with each call as it is evicted, after it left the
// tracker: f sees the call as it stood, for totals kept outside.
func (cs *Calls) OnEvict(f func(Call)) { cs.onEvict = f }

// Apply folds one event into its call and returns the call as it now stands.
// Events without a trace id, and late ones (of a call evicted), are ignored
// (ok is false).
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
// calls. It reports whether the event was folded in: false for one without
// a trace id, or a late one (Late).
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
	st := cs.last
	if st == nil || st.call.TraceID != e.TraceID {
		st = cs.byTrace[e.TraceID]
	}
	if st == nil {
		if cs.gone.has(e.TraceID) {
			cs.late++
			return false
		}
		st = cs.hold(Call{TraceID: e.TraceID, Started: e.Time, Stage: e.Stage})
	}
	cs.last = st
	st.keep(e, cs.limit > 0)
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

// Peek is Get without working out the latency, which may be stale: for
// what an event is about to change (outcome, ringing), at no cost.
func (cs *Calls) Peek(traceID string) (Call, bool) {
	st := cs.byTrace[traceID]
	if st == nil {
		return Call{}, false
	}
	return st.call, true
}

// At returns the i-th call held, 0 the oldest, in the order first events
// arrived.
func (cs *Calls) At(i int) (Call, bool) {
	if i < 0 || i >= cs.n {
		return Call{}, false
	}
	st := cs.held[(cs.head+i)%len(cs.held)]
	st.fresh()
	return st.call, true
}

// Events returns the events kept of one call (all of them, unless a limit
// bounds them: keepEvents) in the order they were applied.
func (cs *Calls) Events(traceID string) []Event {
	st := cs.byTrace[traceID]
	if st == nil {
		return nil
	}
	if len(st.tail) > 0 {
		return st.kept()
	}
	return append([]Event(nil), st.events...)
}

// List returns every call held in the order its first event arrived.
func (cs *Calls) List() []Call {
	out := make([]Call, 0, cs.n)
	for i := range cs.n {
		c, _ := cs.At(i)
		out = append(out, c)
	}
	return out
}

// Len is the number of calls held.
func (cs *Calls) Len() int { return cs.n }

// Evicted is how many calls the limit evicted.
func (cs *Calls) Evicted() uint64 { return cs.evicted }

// Late is how many events arrived for a call already evicted, and were
// ignored.
func (cs *Calls) Late() uint64 { return cs.late }

func (st *callState) fresh() {
	if st.stale {
		st.call.Latency = ComputeLatency(st.kept())
		st.stale = false
	}
}
