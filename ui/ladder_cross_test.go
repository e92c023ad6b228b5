package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestLadderCrossClockHop: a real phone's events carry its own clock; the
// hop from APNs (this machine's clock) to the phone's extension is drawn as
// cross-device, approximate or clock skew, never as a negative latency, and
// the phone's own hops stay measured.
func TestLadderCrossClockHop(t *testing.T) {
	negative := regexp.MustCompile(`[-−][0-9.]+(µs|ms|s)\b`)
	for _, tc := range []struct {
		name string
		skew time.Duration
		want string
	}{
		{"phone's clock ahead", 5 * time.Millisecond, "~5.3ms"},
		{"phone's clock 12 ms behind", -12 * time.Millisecond, "skew"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trace, callID := traceOf(callUUID(1)), callUUID(1)
			var evs []flow.Event
			for _, e := range ringingEvents(trace, callID, base) {
				if e.Stage == flow.StageExtension || e.Stage == flow.StageCallKit {
					e.Clock, e.Time = flow.DeviceClock("iphone"), e.Time.Add(tc.skew)
				}
				evs = append(evs, e)
			}
			evs = append(evs, endEvents(trace, callID, base.Add(time.Second), flow.OutcomeConnected)...)
			out := screen(t, feed(newTestModel(&fakeController{}), evs...), 120, 40)
			if testing.Verbose() {
				t.Log("\n" + out)
			}
			if !regexp.MustCompile(`p50 +400µs +1ms +- `).MatchString(out) {
				t.Errorf("the APNs percentiles count the cross-device hop as measured:\n%s", out)
			}
			if !strings.Contains(out, tc.want) || !strings.Contains(out, "╌") {
				t.Errorf("no cross-device arrow %q for the APNs hop:\n%s", tc.want, out)
			}
			if !strings.Contains(out, "cross-device: the hop's two ends") {
				t.Errorf("no cross-device note:\n%s", out)
			}
			if negative.MatchString(out) {
				t.Errorf("a negative number on screen:\n%s", out)
			}
			if !strings.Contains(out, "12:00:00 call") {
				t.Errorf("the call's start is not the sender's (this machine's clock):\n%s", out)
			}
			if !strings.Contains(out, "clock=device:iphone") {
				t.Errorf("the detail does not say which events are on the phone's clock:\n%s", out)
			}
			if !strings.Contains(out, "──300µs──") {
				t.Errorf("the phone's own extension hop (one clock) lost its latency:\n%s", out)
			}
		})
	}
}
