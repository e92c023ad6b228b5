package ui

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// heldModel is the embedded screen holding n calls that have not ended,
// at a limit of n.
func heldModel(n int) Model {
	m := newTestModel(&fakeController{})
	m.holdCalls(n)
	for i := range n {
		m = feed(m, ev(fmt.Sprintf("%032x", i+1), "", flow.StageAPNs, "received", base, 0))
	}
	return m
}

// TestScreenKeepsNewestCalls: the screen holds maxCalls calls, the newest,
// whether or not they ended; the ones dropped are counted in the header,
// and the outcome counts keep every call seen.
func TestScreenKeepsNewestCalls(t *testing.T) {
	tests := []struct {
		name        string
		calls       int
		finishEvery int // every n-th call connects (0: none ends)
		ringFirst   bool
	}{
		{"30,000 calls that never end", 30000, 0, false},
		{"30,000, every other one connected", 30000, 2, false},
		{"a ringing call goes in its turn", maxCalls + 1, 0, true},
		{"under the limit nothing goes", maxCalls - 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(&fakeController{})
			if tt.ringFirst {
				m = feed(m, ringingEvents(fmt.Sprintf("%032x", 1), callUUID(1), base)...)
			}
			connected := 0
			for i := 1; i <= tt.calls; i++ {
				id := fmt.Sprintf("%032x", i)
				if i > 1 || !tt.ringFirst {
					m = feed(m, ev(id, "", flow.StageAPNs, "received", base.Add(secs(i)), 0))
				}
				if tt.finishEvery > 0 && i%tt.finishEvery == 0 {
					m = feed(m, endEvents(id, "C", base.Add(secs(i)), flow.OutcomeConnected)...)
					connected++
				}
			}
			held := min(tt.calls, maxCalls)
			dropped := tt.calls - held
			if m.calls.Len() != held || m.calls.Evicted() != uint64(dropped) {
				t.Fatalf("held %d, dropped %d, want %d and %d", m.calls.Len(), m.calls.Evicted(), held, dropped)
			}
			for i := range held {
				if c, _ := m.calls.At(i); c.TraceID != fmt.Sprintf("%032x", dropped+i+1) {
					t.Fatalf("call %d on screen is %s, want the %d-th: the newest, oldest first", i, c.TraceID, dropped+i+1)
				}
			}
			if c, _ := m.selected(); m.sel != held-1 || c.TraceID != fmt.Sprintf("%032x", tt.calls) {
				t.Fatalf("selected %d (%s), want the newest", m.sel, c.TraceID)
			}
			// Counts: every call seen; percentiles and the tally's memory:
			// the calls held.
			if m.tally.seen != tt.calls || m.tally.n[flow.OutcomeConnected] != connected || len(m.tally.counted) > held {
				t.Fatalf("seen %d, connected %d (remembered %d), want %d, %d", m.tally.seen, m.tally.n[flow.OutcomeConnected], len(m.tally.counted), tt.calls, connected)
			}
			onScreen := 0
			for i := range held {
				if c, _ := m.calls.At(i); c.Outcome == flow.OutcomeConnected {
					onScreen++
				}
			}
			if l := m.latencies(); l.calls != onScreen || len(l.stages[flow.StageAPNs]) != onScreen {
				t.Fatalf("percentiles over %d calls (%d APNs latencies), want the %d connected on screen", l.calls, len(l.stages[flow.StageAPNs]), onScreen)
			}
			s := screen(t, m, 120, 40)
			head := strings.SplitN(s, "\n", 2)[0]
			title := fmt.Sprintf("Calls (%d of %d)", held, tt.calls)
			if dropped == 0 {
				title = fmt.Sprintf("Calls (%d)", held)
			}
			if !strings.Contains(s, title) {
				t.Errorf("list title is not %q:\n%s", title, s)
			}
			if want := flow.FormatCount(uint64(dropped)) + " older calls dropped"; dropped > 0 && !strings.Contains(head, want) {
				t.Errorf("header lacks %q: %s", want, head)
			}
			if dropped == 0 && strings.Contains(head, "dropped") {
				t.Errorf("header reports drops that did not happen: %s", head)
			}
		})
	}
}

// TestScreenLateEvents: an event for a call the screen dropped neither
// brings it back nor counts it again; the header says it came.
func TestScreenLateEvents(t *testing.T) {
	m := heldModel(3)
	m = feed(m, ev(fmt.Sprintf("%032x", 4), "", flow.StageAPNs, "received", base, 0))
	end := endEvents(fmt.Sprintf("%032x", 1), "C", base, flow.OutcomeConnected)
	m = feed(m, end...)
	if m.calls.Len() != 3 || m.tally.seen != 4 || m.tally.done() != 0 || m.calls.Late() != uint64(len(end)) {
		t.Fatalf("held %d, seen %d, done %d, late %d", m.calls.Len(), m.tally.seen, m.tally.done(), m.calls.Late())
	}
	if head := strings.SplitN(screen(t, m, 120, 40), "\n", 2)[0]; !strings.Contains(head, "1 older calls dropped, 2 late events for them") {
		t.Fatalf("header: %s", head)
	}
}

// TestScreenSelectionWhileDropping: a call picked by hand stays selected
// while newer calls push older ones out; once it went, the oldest is.
func TestScreenSelectionWhileDropping(t *testing.T) {
	m := heldModel(4)
	m = press(m, "k") // call 3 of 1..4
	for i, want := range []int{3, 3, 4, 5} {
		m = feed(m, ev(fmt.Sprintf("%032x", 5+i), "", flow.StageAPNs, "received", base, 0))
		if c, _ := m.selected(); c.TraceID != fmt.Sprintf("%032x", want) {
			t.Fatalf("after call %d: selected %s, want call %d", 5+i, c.TraceID, want)
		}
	}
}

// BenchmarkScreenEvent: one event, a new call that fails at once, reaching
// a screen that holds held calls that never end, at its limit; with the
// view drawn after it, as Bubble Tea does after every message. ns/op stays
// flat however many calls are held (on 5b40074 it grew with them: the trim
// scanned every call for a finished one, and the percentiles read them all
// on every draw).
func BenchmarkScreenEvent(b *testing.B) {
	for _, view := range []bool{false, true} {
		for _, held := range []int{500, 5000, 50000} {
			name := fmt.Sprintf("update/held=%d", held)
			if view {
				name = fmt.Sprintf("update+view/held=%d", held)
			}
			b.Run(name, func(b *testing.B) {
				m := heldModel(held)
				i := held
				cpu0 := cpuTime()
				for b.Loop() {
					i++
					e := ev(fmt.Sprintf("%032x", i), "", flow.StageAPNs, "rejected", base, 0)
					e.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}
					next, _ := m.Update(EventMsg{Event: e, Outside: true})
					m = next.(Model)
					if view {
						_ = m.View()
					}
				}
				reportCPU(b, cpu0)
				if m.calls.Len() != held {
					b.Fatalf("held %d", m.calls.Len())
				}
			})
		}
	}
}

// BenchmarkScreenOneCall: one more event for a call that already has many
// (a trace id every push reuses), the call selected, the view drawn.
// ns/op stays flat however many events came before (on 5b40074 every
// event worked out the call's latency over all of them and the detail pane
// copied and sorted them all).
func BenchmarkScreenOneCall(b *testing.B) {
	for _, k := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("events=%d", k), func(b *testing.B) {
			const id = "0000000000000000000000000000000c"
			m := feed(newTestModel(&fakeController{}), ev(id, "", flow.StageAPNs, "received", base, 0))
			for i := 1; i < k; i++ {
				m.calls.Add(ev(id, "", flow.StageExtension, "push-received", base.Add(time.Duration(i)), 0))
			}
			i := k
			cpu0 := cpuTime()
			for b.Loop() {
				i++
				next, _ := m.Update(EventMsg{Event: ev(id, "", flow.StageExtension, "push-received", base.Add(time.Duration(i)), 0)})
				m = next.(Model)
				_ = m.View()
			}
			reportCPU(b, cpu0)
		})
	}
}

// TestScreenManyEvents: a call with more events than the screen keeps
// says how many it does not show, kept or not, and shows the latest.
func TestScreenManyEvents(t *testing.T) {
	const id, n = "0000000000000000000000000000000c", 1000
	m := newTestModel(&fakeController{})
	for i := range n {
		m = feed(m, ev(id, "", flow.StageExtension, fmt.Sprintf("step-%d", i), base.Add(time.Duration(i)*time.Millisecond), 0))
	}
	s := screen(t, m, 120, 40)
	rows, kept := strings.Count(s, " step-"), len(m.calls.Events(id))
	if want := fmt.Sprintf("… events %d–%d of %d (%d more not kept)", kept-rows+1, kept, kept, n-kept); !strings.Contains(s, want) {
		t.Fatalf("%d events shown, and not %q:\n%s", rows, want, s)
	}
	if !strings.Contains(s, fmt.Sprintf("step-%d ", n-1)) {
		t.Fatalf("the latest event is not shown:\n%s", s)
	}
}

// reportCPU adds the process's CPU time per op since cpu0: on a machine
// others share, wall time per op counts the waits for a core too.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
