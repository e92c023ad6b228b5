package ui

import (
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestLadderInstantHop: a hop made only of system calls is drawn dotted and
// labelled instant, never with a latency; a measured hop keeps its arrow.
func TestLadderInstantHop(t *testing.T) {
	trace, callID := traceOf(callUUID(1)), callUUID(1)
	evs := ringingEvents(trace, callID, base)
	// The extension did nothing measurable: only system calls.
	var kept []flow.Event
	for _, e := range evs {
		if e.Stage == flow.StageExtension && !e.Simulated {
			e.Instant = true
		}
		kept = append(kept, e)
	}
	out := screen(t, feed(newTestModel(&fakeController{}), kept...), 120, 40)
	if !strings.Contains(out, "┈instant┈") {
		t.Errorf("no dotted instant arrow for the extension:\n%s", out)
	}
	if !strings.Contains(out, "──300µs──") {
		t.Errorf("the measured APNs hop lost its latency:\n%s", out)
	}
	if !strings.Contains(out, "◉ ringing · instant") {
		t.Errorf("CallKit's system calls not shown as instant:\n%s", out)
	}
}
