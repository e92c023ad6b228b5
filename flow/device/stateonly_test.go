package device

import (
	"maps"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestStateOnlyAttrs: an event with no attribute but its state gets the
// same attributes as when each made its own map, and a run of calls (every
// lane, answered and declined) leaves the shared maps as they were: no
// stage writes to attributes it emitted.
func TestStateOnlyAttrs(t *testing.T) {
	for s, m := range stateOnly {
		if got := withState(nil, s); !maps.Equal(got, map[string]string{AttrState: string(s)}) {
			t.Errorf("withState(nil, %s) = %v", s, got)
		}
		if len(m) != 1 {
			t.Errorf("state %s: shared map %v", s, m)
		}
	}
	if got := withState(nil, "S99"); !maps.Equal(got, map[string]string{AttrState: "S99"}) {
		t.Errorf("withState(nil, S99) = %v", got)
	}
	for _, policy := range []AnswerPolicy{AnswerAuto, AnswerDecline} {
		rec := newRecorder()
		prof := DefaultProfile()
		prof.AnswerPolicy = policy
		ph := newPhone(t, prof, rec, flow.NewSimClock())
		for range 3 {
			p, _ := ph.push(t, request{})
			ph.Deliver(p)
			rec.next(t, p.TraceID)
			ph.settle(t)
		}
		shared := 0
		for _, e := range rec.events {
			if len(e.Attrs) == 1 && e.Attrs[AttrState] != "" {
				shared++
			}
		}
		if shared == 0 {
			t.Errorf("%s: no event with its state alone", policy)
		}
	}
	for s, m := range stateOnly {
		if !maps.Equal(m, map[string]string{AttrState: string(s)}) {
			t.Errorf("after the calls, state %s's shared map is %v", s, m)
		}
	}
}
