package replay

import (
	"time"

	"github.com/callscope/callscope/flow"
)

// Timeline places each event on the trace's own clock: At[i] is how long
// after the first event the i-th happened. Events come in the order they
// were emitted, and stages on several goroutines stamp their times a little
// out of that order, so the timeline never runs backwards: an event stamped
// earlier than the one before it plays at the same moment. An event read on
// a phone's clock (Event.Clock) does not move it either: that clock may be
// seconds off this machine's, and a skew is not a wait.
type Timeline struct {
	At []time.Duration
}

// NewTimeline places events.
func NewTimeline(events []flow.Event) Timeline {
	at := make([]time.Duration, len(events))
	var t0 time.Time
	var cur time.Duration
	for i, e := range events {
		switch {
		case e.Clock != "" || e.Time.IsZero():
		case t0.IsZero():
			t0 = e.Time
		case e.Time.Sub(t0) > cur:
			cur = e.Time.Sub(t0)
		}
		at[i] = cur
	}
	return Timeline{At: at}
}

// Len is the number of events.
func (t Timeline) Len() int { return len(t.At) }

// Total is the trace's length on its own clock.
func (t Timeline) Total() time.Duration {
	if len(t.At) == 0 {
		return 0
	}
	return t.At[len(t.At)-1]
}

// Before is the position of a playhead at d: the number of events at or
// before it.
func (t Timeline) Before(d time.Duration, from int) int {
	n := from
	for n < len(t.At) && t.At[n] <= d {
		n++
	}
	return n
}
