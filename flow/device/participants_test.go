package device

import (
	"sync"
	"testing"

	"github.com/callscope/callscope/flow"
)

// enterLog is a SimClock that notes each Enter, so a test can tell whether
// the device counted itself as working before Deliver returned.
type enterLog struct {
	*flow.SimClock
	mu      sync.Mutex
	entered map[string]int
}

func (c *enterLog) Enter(id string) {
	c.mu.Lock()
	c.entered[id]++
	c.mu.Unlock()
	c.SimClock.Enter(id)
}

func (c *enterLog) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entered[id]
}

// TestDeliverEntersBeforeItReturns: an idle device counts itself as working
// on a push's request before Deliver returns, that is, before the device
// link acknowledges the push and the mock stops counting it as in flight.
// A gap there let another device of the call run its simulated waits alone
// and ring out before this one answered (two-devices, one run in three under
// load). A push queued behind another waits for its turn instead: counted
// at once, it would hold up the push being worked on.
func TestDeliverEntersBeforeItReturns(t *testing.T) {
	clock := &enterLog{SimClock: flow.NewSimClock(), entered: map[string]int{}}
	ph := newPhone(t, DefaultProfile(), newRecorder(), clock)
	p, _ := ph.push(t, request{})
	ph.Deliver(p)
	if got := clock.count(p.TraceID); got < 1 {
		t.Fatalf("Deliver returned with the device not yet working on %s", p.TraceID)
	}
	ph.settle(t)
}

// TestDeliverAfterCloseIsReported: a push that reaches a device already
// shutting down is acknowledged by its link, so the device must say it never
// took it (an event), not drop it without a word.
func TestDeliverAfterCloseIsReported(t *testing.T) {
	rec := newRecorder()
	ph := newPhone(t, DefaultProfile(), rec, flow.NewSimClock())
	p, _ := ph.push(t, request{})
	ph.Close()
	ph.Deliver(p)
	evs := rec.trace(p.TraceID)
	if len(evs) != 1 || evs[0].Name != "not-taken" || evs[0].Attrs["why"] == "" {
		t.Fatalf("events after Close: %+v, want one not-taken", evs)
	}
}
