package scenario

import (
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestDroppedEventsFailTheRun: a scenario run whose subscription dropped
// events did not observe the whole request; it does not pass, and says
// why, in the table and the JSON (both print Mismatch).
func TestDroppedEventsFailTheRun(t *testing.T) {
	s := Scenario{Name: "x", Expect: Expect{Outcome: flow.OutcomeShown}}
	for _, tc := range []struct {
		dropped uint64
		pass    bool
		has     string
	}{{0, true, ""}, {1, false, "1 events dropped"}, {20000, false, "20,000 events dropped"}} {
		r := Result{Scenario: s, Call: flow.Call{Outcome: flow.OutcomeShown}, Dropped: tc.dropped}
		if r.Pass() != tc.pass || !strings.Contains(r.Mismatch(), tc.has) || !strings.Contains(toJSON(r).Mismatch, tc.has) {
			t.Errorf("dropped %d: pass %v mismatch %q, want pass %v and %q", tc.dropped, r.Pass(), r.Mismatch(), tc.pass, tc.has)
		}
	}
}
