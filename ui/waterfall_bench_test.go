package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// busyModel is the screen at the load: calls calls of perCall
// events each, all buffered, every other call connected and every tenth
// failed, at a limit that holds them all.
func busyModel(b *testing.B, calls, perCall int) Model {
	b.Helper()
	m := newTestModel(&fakeController{})
	m.holdCalls(calls)
	for i := 1; i <= calls; i++ {
		id, cid := fmt.Sprintf("%032x", i), callUUID(i)
		t0 := base.Add(time.Duration(i) * time.Second)
		var evs []flow.Event
		if i%10 == 0 {
			evs = failedEvents(id, cid, t0)
		} else {
			evs = ringingEvents(id, cid, t0)
		}
		var end []flow.Event
		if i%2 == 0 && i%10 != 0 {
			end = endEvents(id, cid, t0.Add(secs(3)), flow.OutcomeConnected)
		}
		// Fill up to perCall with the extension's progress events.
		for j := len(evs); j < perCall-len(end); j++ {
			evs = append(evs, ev(id, cid, flow.StageExtension, "progress", t0.Add(time.Duration(1700+j)*time.Microsecond), 0))
		}
		m = feed(m, append(evs, end...)...)
	}
	buffered := 0
	for i := range calls {
		c, _ := m.calls.At(i)
		buffered += len(m.calls.Events(c.TraceID))
	}
	if m.calls.Len() != calls || buffered != calls*perCall {
		b.Fatalf("held %d calls, %d events, want %d and %d", m.calls.Len(), buffered, calls, calls*perCall)
	}
	return m
}

// BenchmarkView100kEvents: one frame of the screen holding 1k calls and
// 100k events, with the ladder and with the waterfall. Target: ≤ 16 ms
// per frame (issue 13).
func BenchmarkView100kEvents(b *testing.B) {
	m := busyModel(b, 1000, 100)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, wf := range []bool{false, true} {
			name := fmt.Sprintf("ladder/%dx%d", size[0], size[1])
			if wf {
				name = fmt.Sprintf("waterfall/%dx%d", size[0], size[1])
			}
			b.Run(name, func(b *testing.B) {
				next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				v := next.(Model)
				v.waterfall = wf
				cpu0 := cpuTime()
				for b.Loop() {
					_ = v.View()
				}
				reportCPU(b, cpu0)
			})
		}
	}
}

// BenchmarkUpdate100kEvents: Update for one event on that screen: one
// more event for a held call, and a new call that evicts the oldest.
// Target: ≤ 50 µs per event (issue 13).
func BenchmarkUpdate100kEvents(b *testing.B) {
	m := busyModel(b, 1000, 100)
	b.Run("event-for-held-call", func(b *testing.B) {
		u := m
		id, cid := fmt.Sprintf("%032x", 999), callUUID(999)
		i := 0
		cpu0 := cpuTime()
		for b.Loop() {
			i++
			next, _ := u.Update(EventMsg{Event: ev(id, cid, flow.StageExtension, "progress", base.Add(time.Duration(i)), 0)})
			u = next.(Model)
		}
		reportCPU(b, cpu0)
	})
	b.Run("new-call-evicts-oldest", func(b *testing.B) {
		u := m
		i := 1000
		cpu0 := cpuTime()
		for b.Loop() {
			i++
			next, _ := u.Update(EventMsg{Event: ev(fmt.Sprintf("%032x", i), "", flow.StageAPNs, "received", base, 0)})
			u = next.(Model)
		}
		reportCPU(b, cpu0)
	})
}
