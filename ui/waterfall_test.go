package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
)

func usAt(n int) time.Time { return base.Add(time.Duration(n) * time.Microsecond) }

// simWaitEvents: the extension waits 10ms of wall time in a simulated
// launch; CallKit's first event comes after it.
func simWaitEvents() []flow.Event {
	const id = "000000000000000000000000000000a1"
	sealed := ev(id, "", flow.StageSender, "sealed", usAt(0), 50*time.Microsecond)
	apns := ev(id, "", flow.StageAPNs, "received", usAt(100), 0)
	nse := ev(id, "", flow.StageExtension, "push-received", usAt(200), 0)
	launch := ev(id, "", flow.StageExtension, "nse-launch", usAt(250), 20*time.Millisecond)
	launch.Simulated, launch.Waited = true, 10*time.Millisecond
	app := ev(id, "", flow.StageCallKit, "report", usAt(10300), 0)
	ring := ev(id, "", flow.StageCallKit, flow.NameRinging, usAt(10300), 0)
	app.Instant, ring.Instant = true, true
	return []flow.Event{sealed, apns, nse, launch, app, ring}
}

// crossClockEvents: the extension and CallKit report from a phone whose
// clock runs 5s behind this machine's.
func crossClockEvents() []flow.Event {
	const id = "000000000000000000000000000000a2"
	phone := flow.DeviceClock("iphone")
	sealed := ev(id, "", flow.StageSender, "sealed", usAt(0), 50*time.Microsecond)
	apns := ev(id, "", flow.StageAPNs, "received", usAt(100), 0)
	accepted := ev(id, "", flow.StageAPNs, "accepted", usAt(150), 0)
	skew := -5 * time.Second
	nse := ev(id, "", flow.StageExtension, "push-received", usAt(1000).Add(skew), 0)
	nse.Clock = phone
	dec := ev(id, "", flow.StageExtension, "decrypted", usAt(1100).Add(skew), 100*time.Microsecond)
	dec.Clock = phone
	ring := ev(id, "", flow.StageCallKit, flow.NameRinging, usAt(1400).Add(skew), 0)
	ring.Clock, ring.Instant = phone, true
	return []flow.Event{sealed, apns, accepted, nse, dec, ring}
}

// TestLayoutWaterfall: each stage starts at its first event's measured
// offset from the call's start and is as long as its measured latency;
// simulated waits never stretch the axis; a stage on another clock starts
// where the hop to it lands, the hop dashed apart.
func TestLayoutWaterfall(t *testing.T) {
	type bar struct {
		kind       barKind
		start, len int
	}
	none := bar{}
	tests := []struct {
		name   string
		events []flow.Event
		cells  int
		axis   time.Duration
		want   [5]bar
	}{
		{"ringing call at 40 cells", ringingEvents("0000000000000000000000000000000b", "C", base), 40, 2 * time.Millisecond,
			[5]bar{{barMeasured, 0, 8}, {barMeasured, 8, 20}, {barMeasured, 28, 6}, {barMeasured, 34, 6}, {barInstant, 39, 0}}},
		{"ringing call at 20 cells", ringingEvents("0000000000000000000000000000000b", "C", base), 20, 2 * time.Millisecond,
			[5]bar{{barMeasured, 0, 4}, {barMeasured, 4, 10}, {barMeasured, 14, 3}, {barMeasured, 17, 3}, {barInstant, 19, 0}}},
		{"failed in the extension", failedEvents("0000000000000000000000000000000c", "C", base), 18, 1800 * time.Microsecond,
			[5]bar{{barMeasured, 0, 4}, {barMeasured, 4, 10}, {barMeasured, 14, 3}, {barMeasured, 17, 1}, none}},
		{"simulated wait kept off the axis", simWaitEvents(), 30, 300 * time.Microsecond,
			[5]bar{{barMeasured, 0, 10}, none, {barMeasured, 10, 10}, {barMeasured, 20, 10}, {barInstant, 29, 0}}},
		{"cross-device clocks", crossClockEvents(), 30, 500 * time.Microsecond,
			[5]bar{{barMeasured, 0, 6}, none, {barCross, 6, 0}, {barMeasured, 6, 24}, {barInstant, 29, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := layoutWaterfall(tt.events, flow.ComputeLatency(tt.events), tt.cells)
			if l.Axis != tt.axis {
				t.Errorf("axis %v, want %v", l.Axis, tt.axis)
			}
			for i, b := range l.Bars {
				if got := (bar{b.Kind, b.Start, b.Len}); got != tt.want[i] {
					t.Errorf("%s: %+v (offset %v, %v), want %+v", b.Stage, got, b.Offset, b.Dur, tt.want[i])
				}
				if b.Start+b.Len > tt.cells {
					t.Errorf("%s runs past the %d cells", b.Stage, tt.cells)
				}
			}
		})
	}
}

// TestStatsConnectedOnly: the percentiles rank connected calls only; a
// failed call is counted apart, and leaves the count when it leaves the
// screen; declined, unanswered and open calls are in neither.
func TestStatsConnectedOnly(t *testing.T) {
	m := newTestModel(&fakeController{})
	m.holdCalls(5)
	id := func(n int) string { return traceOf(callUUID(n)) }
	m = feed(m, ringingEvents(id(1), callUUID(1), base)...)
	m = feed(m, endEvents(id(1), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
	m = feed(m, failedEvents(id(2), callUUID(2), base.Add(secs(5)))...)
	m = feed(m, ringingEvents(id(3), callUUID(3), base.Add(secs(6)))...)
	m = feed(m, endEvents(id(3), callUUID(3), base.Add(secs(9)), flow.OutcomeDeclined)...)
	m = feed(m, ringingEvents(id(4), callUUID(4), base.Add(secs(10)))...)
	m = feed(m, endEvents(id(4), callUUID(4), base.Add(secs(13)), flow.OutcomeUnanswered)...)
	m = feed(m, ringingEvents(id(5), callUUID(5), base.Add(secs(14)))...) // still ringing
	check := func(connected, failed int) {
		t.Helper()
		l := m.latencies()
		if l.calls != connected || l.failed != failed || len(l.total) != connected || len(l.stages[flow.StageAPNs]) != connected {
			t.Fatalf("ranked %d (totals %d, APNs %d), failed %d; want %d connected, %d failed",
				l.calls, len(l.total), len(l.stages[flow.StageAPNs]), l.failed, connected, failed)
		}
		want := fmt.Sprintf("p50/p95/p99 over %d connected · %d failed apart", connected, failed)
		if s := screen(t, m, 80, 24); !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	check(1, 1)
	m = feed(m, ringingEvents(id(6), callUUID(6), base.Add(secs(20)))...) // call 1 leaves
	check(0, 1)
	m = feed(m, ringingEvents(id(7), callUUID(7), base.Add(secs(21)))...) // call 2 leaves
	check(0, 0)
	m = feed(m, endEvents(id(5), callUUID(5), base.Add(secs(30)), flow.OutcomeConnected)...)
	check(1, 0)
}

// TestWaterfallKey: w swaps the ladder for the waterfall and back.
func TestWaterfallKey(t *testing.T) {
	m := feed(newTestModel(&fakeController{}), ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	for i, want := range []bool{true, false, true} {
		m = press(m, "w")
		if m.waterfall != want {
			t.Fatalf("after %d presses waterfall=%v", i+1, m.waterfall)
		}
		s := screen(t, m, 80, 24)
		if strings.Contains(s, "Waterfall 0") != want || strings.Contains(s, "─400µs─▶") == want {
			t.Fatalf("press %d: waterfall shown=%v:\n%s", i+1, !want, s)
		}
	}
}

// TestWaterfallProgram drives the real program: a connected call, a
// failed one and one on a phone's clock, w, then the final frame at both
// sizes.
func TestWaterfallProgram(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, which := range []string{"failed", "cross"} {
			t.Run(fmt.Sprintf("%s_%dx%d", which, size[0], size[1]), func(t *testing.T) {
				m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Header: Header{Mode: "embedded default"}})
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
				events := ringingEvents(traceOf(callUUID(1)), callUUID(1), base)
				events = append(events, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
				if which == "failed" {
					events = append(events, failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))...)
				} else {
					events = append(events, crossClockEvents()...)
				}
				for _, e := range events {
					tm.Send(EventMsg{Event: e})
				}
				tm.Type("w")
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
					return strings.Contains(ansi.Strip(string(b)), "Waterfall")
				}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
				tm.Type("q")
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				out := ansi.Strip(final.View().Content)
				lines := strings.Split(out, "\n")
				if len(lines) != size[1] {
					t.Fatalf("%d lines, want %d", len(lines), size[1])
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n != size[0] {
						t.Errorf("line %d is %d cells, want %d: %q", i+1, n, size[0], l)
					}
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}
