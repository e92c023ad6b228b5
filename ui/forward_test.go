package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// TestForwardBatches: what is waiting goes in one message (up to
// maxBatch), in order; an event alone goes alone; none is lost.
func TestForwardBatches(t *testing.T) {
	tests := []struct {
		waiting int
		sizes   []int
	}{
		{1, []int{1}},
		{maxBatch, []int{maxBatch}},
		{1000, []int{maxBatch, 1000 - maxBatch}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.waiting), func(t *testing.T) {
			ch := make(chan flow.Event, tt.waiting)
			for i := range tt.waiting {
				ch <- flow.Event{TraceID: fmt.Sprint(i)}
			}
			close(ch)
			var msgs []eventsMsg
			forward(func(m tea.Msg) { msgs = append(msgs, m.(eventsMsg)) }, ch, true)
			next := 0
			for i, m := range msgs {
				if i >= len(tt.sizes) || len(m.events) != tt.sizes[i] || !m.outside {
					t.Fatalf("message %d: %d events (outside %v), want sizes %v", i, len(m.events), m.outside, tt.sizes)
				}
				for _, e := range m.events {
					if e.TraceID != fmt.Sprint(next) {
						t.Fatalf("event %s where %d was due", e.TraceID, next)
					}
					next++
				}
			}
			if next != tt.waiting {
				t.Fatalf("%d events forwarded of %d", next, tt.waiting)
			}
		})
	}
}

// TestEventsMsg: a batch leaves the screen as the same events one by one.
func TestEventsMsg(t *testing.T) {
	var events []flow.Event
	for i := 1; i <= 3; i++ {
		events = append(events, ringingEvents(traceOf(callUUID(i)), callUUID(i), base.Add(secs(i)))...)
	}
	events = append(events, endEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(9)), flow.OutcomeConnected)...)
	one := feed(newTestModel(&fakeController{}), events...)
	next, _ := newTestModel(&fakeController{}).Update(eventsMsg{events: events})
	batch := next.(Model)
	if a, b := screen(t, one, 120, 40), screen(t, batch, 120, 40); a != b {
		t.Fatalf("one by one:\n%s\nas a batch:\n%s", a, b)
	}
}

// BenchmarkScreenBurst: events coming faster than the screen draws, as
// forward hands them over: a batch of what waited, then one draw. ns/op is
// per event (compare BenchmarkScreenEvent's update+view, a draw per event).
func BenchmarkScreenBurst(b *testing.B) {
	for _, size := range []int{16, 256} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			m := heldModel(maxCalls)
			batch := make([]flow.Event, 0, size)
			i := maxCalls
			cpu0 := cpuTime()
			for b.Loop() {
				i++
				e := ev(fmt.Sprintf("%032x", i), "", flow.StageAPNs, "rejected", base, 0)
				e.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}
				if batch = append(batch, e); len(batch) == size {
					next, _ := m.Update(eventsMsg{events: batch, outside: true})
					m = next.(Model)
					_ = m.View()
					batch = batch[:0]
				}
			}
			reportCPU(b, cpu0)
		})
	}
}
