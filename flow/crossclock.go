package flow

import (
	"strings"
	"time"
)

// CrossClockNote explains a cross-clock hop where its label is too short to.
const CrossClockNote = "the hop's two ends were timed on different clocks (this machine's and a device's): " +
	"the difference includes their skew, it is not a measured latency"

// CrossClockLabel is how a hop between two clocks is shown where a latency
// would be: approximate when the difference is positive, clock skew when
// the clocks put the later event first. It is never a negative latency.
func CrossClockLabel(d time.Duration) string {
	if d < 0 {
		return "clock skew (" + FormatDuration(-d) + " behind)"
	}
	return "~" + FormatDuration(d) + " (cross-device clocks)"
}

// CrossClockLabels are CrossClockLabel and shorter forms of it, longest
// first, for a screen to pick the first that fits.
func CrossClockLabels(d time.Duration) []string {
	if d < 0 {
		return []string{CrossClockLabel(d), "clock skew", "skew"}
	}
	approx := "~" + FormatDuration(d)
	return []string{CrossClockLabel(d), approx + " cross-device", approx + " ≠clock", approx}
}

// DeviceClock is the Event.Clock of events timed on the named device.
func DeviceClock(name string) string { return "device:" + strings.TrimSpace(name) }
