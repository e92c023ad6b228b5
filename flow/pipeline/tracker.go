package pipeline

import (
	"sync"

	"github.com/callscope/callscope/flow"
)

// tracker is one request's events, as the pipeline decides its outcome.
type tracker struct {
	mu    sync.Mutex
	id    string // the request's trace id; "" once it ended (release)
	calls *flow.Calls
}

func newTracker() *tracker { return &tracker{calls: flow.NewCalls()} }

// trackers are the trackers of requests that ended, kept for the next: a
// tracker holds a request's thirty-odd events, the largest allocation of
// a call.
var trackers = sync.Pool{New: func() any { return newTracker() }}

// track returns a tracker for the request traceID.
func track(traceID string) *tracker {
	t := trackers.Get().(*tracker)
	t.mu.Lock()
	t.id = traceID
	t.mu.Unlock()
	return t
}

// release empties t and puts it back for another request.
func (t *tracker) release() {
	t.mu.Lock()
	t.id = ""
	t.calls.Reset()
	t.mu.Unlock()
	trackers.Put(t)
}

// add folds in an event of t's request. An emit may find t in open just
// before its request ends and add only after: by then t may serve another
// request, whose trace id the event does not carry, and it is left out, as
// an event after the end always was (it went to a tracker nobody read).
func (t *tracker) add(e flow.Event) {
	t.mu.Lock()
	if e.TraceID == t.id {
		t.calls.Add(e)
	}
	t.mu.Unlock()
}

// call returns the request as its events so far describe it, and the events.
func (t *tracker) call(traceID string) (flow.Call, []flow.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, _ := t.calls.Get(traceID)
	return c, t.calls.Events(traceID)
}

// get returns the request as its events so far describe it, without
// copying its events: the answer of every call that ends in time.
func (t *tracker) get(traceID string) flow.Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, _ := t.calls.Get(traceID)
	return c
}
