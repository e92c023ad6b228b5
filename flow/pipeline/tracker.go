package pipeline

import (
	"sync"

	"github.com/callscope/callscope/flow"
)

// tracker is one request's events, as the pipeline decides its outcome.
type tracker struct {
	mu    sync.Mutex
	calls *flow.Calls
}

func newTracker() *tracker { return &tracker{calls: flow.NewCalls()} }

// trackers are the trackers of requests that ended, kept for the next: a
// tracker holds a request's thirty-odd events, the largest allocation of
// a call. A tracker is put back only once no emit can reach it (place).
var trackers = sync.Pool{New: func() any { return newTracker() }}

// release empties t and puts it back for another request.
func (t *tracker) release() {
	t.mu.Lock()
	t.calls.Reset()
	t.mu.Unlock()
	trackers.Put(t)
}

func (t *tracker) add(e flow.Event) {
	t.mu.Lock()
	t.calls.Add(e)
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
