package flow

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

func traceN(i int) string { return fmt.Sprintf("%032x", i) }

// started is the first event of call i, which never ends it.
func started(i int) Event {
	return Event{TraceID: traceN(i), Stage: StageAPNs, Name: "received", Time: at(i)}
}

// TestCallsLimit: calls that never end are evicted like finished ones,
// oldest first, so the newest limit are held and the rest counted.
func TestCallsLimit(t *testing.T) {
	tests := []struct {
		name         string
		limit, calls int
		finishEvery  int // every n-th call ends (0: none does)
	}{
		{"30,000 calls without an end", 500, 30000, 0},
		{"a mix: every third ends", 500, 30000, 3},
		{"under the limit", 500, 499, 0},
		{"exactly the limit", 500, 500, 0},
		{"limit 1", 1, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := NewCallsLimit(tt.limit)
			var evicted []string
			cs.OnEvict(func(c Call) { evicted = append(evicted, c.TraceID) })
			for i := 1; i <= tt.calls; i++ {
				cs.Add(started(i))
				if tt.finishEvery > 0 && i%tt.finishEvery == 0 {
					end := started(i)
					end.Outcome = OutcomeConnected
					cs.Add(end)
				}
			}
			held := min(tt.calls, tt.limit)
			drop := tt.calls - held
			if cs.Len() != held || cs.Evicted() != uint64(drop) || len(evicted) != drop {
				t.Fatalf("held %d, evicted %d (%d reported), want %d and %d", cs.Len(), cs.Evicted(), len(evicted), held, drop)
			}
			for i := range drop {
				if evicted[i] != traceN(i+1) {
					t.Fatalf("eviction %d was %s, want the oldest, %s", i, evicted[i], traceN(i+1))
				}
			}
			list := cs.List()
			for i := range held {
				want := traceN(drop + i + 1)
				c, ok := cs.At(i)
				if !ok || c.TraceID != want || list[i].TraceID != want {
					t.Fatalf("call %d is %s (list %s), want %s: the newest, oldest first", i, c.TraceID, list[i].TraceID, want)
				}
				if _, ok := cs.Get(want); !ok {
					t.Fatalf("%s held but not found by id", want)
				}
			}
			if _, ok := cs.At(held); ok {
				t.Fatal("At past the end found a call")
			}
			if drop > 0 {
				if _, ok := cs.Get(traceN(drop)); ok {
					t.Fatal("an evicted call is still found by id")
				}
			}
		})
	}
}

// TestCallsLate: an event for a call just evicted is counted and ignored,
// not taken for a new call; once the store forgot the id too (after
// goneFactor times the limit evictions more), the id is a new call.
func TestCallsLate(t *testing.T) {
	cs := NewCallsLimit(2)
	for i := 1; i <= 3; i++ {
		cs.Add(started(i))
	}
	if _, ok := cs.Apply(started(1)); ok || cs.Late() != 1 || cs.Len() != 2 || cs.Evicted() != 1 {
		t.Fatalf("late event: held %d, evicted %d, late %d", cs.Len(), cs.Evicted(), cs.Late())
	}
	remembered := goneFactor * 2
	for i := 4; i <= 3+remembered; i++ {
		cs.Add(started(i))
	}
	// Evicted so far: 1 … remembered+1; remembered: all but call 1.
	if cs.Add(started(2)) || cs.Late() != 2 {
		t.Fatalf("late %d, want 2", cs.Late())
	}
	if !cs.Add(started(1)) || cs.Late() != 2 {
		t.Fatal("an id evicted long ago did not start a new call")
	}
	if c, _ := cs.At(cs.Len() - 1); c.TraceID != traceN(1) {
		t.Fatalf("newest is %s", c.TraceID)
	}
}

// TestCallsUnbounded: without a limit nothing is evicted, and the ring
// keeps order as it grows.
func TestCallsUnbounded(t *testing.T) {
	cs := NewCalls()
	for i := 1; i <= 1000; i++ {
		cs.Add(started(i))
	}
	if cs.Len() != 1000 || cs.Evicted() != 0 {
		t.Fatalf("held %d, evicted %d", cs.Len(), cs.Evicted())
	}
	for i := range 1000 {
		if c, _ := cs.At(i); c.TraceID != traceN(i+1) {
			t.Fatalf("call %d is %s", i, c.TraceID)
		}
	}
}

// BenchmarkCallsAdd: one event that starts a call, with the store full at
// its limit, so every event also evicts the oldest. ns/op stays flat
// however many calls are held.
func BenchmarkCallsAdd(b *testing.B) {
	for _, held := range []int{500, 5000, 50000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			cs := NewCallsLimit(held)
			events := make([]Event, (goneFactor+2)*held)
			for i := range events {
				events[i] = started(i + 1)
			}
			for _, e := range events[:held] {
				cs.Add(e)
			}
			i := held
			cpu0 := cpuTime()
			for b.Loop() {
				// Ids cycle so that the one reused was evicted long
				// enough ago to be forgotten: a new call.
				cs.Add(events[i%len(events)])
				i++
			}
			reportCPU(b, cpu0)
			if cs.Len() != held {
				b.Fatalf("held %d", cs.Len())
			}
		})
	}
}

// TestCallsKeepEvents: a limited store keeps a call's first and latest
// events once it has very many, counts them all, and lets every one move
// the outcome; an unlimited one keeps them all.
func TestCallsKeepEvents(t *testing.T) {
	const n = 10000
	for _, limited := range []bool{true, false} {
		t.Run(fmt.Sprintf("limited=%v", limited), func(t *testing.T) {
			cs := NewCalls()
			if limited {
				cs = NewCallsLimit(10)
			}
			for i := range n {
				e := Event{TraceID: "t", Stage: StageAPNs, Name: fmt.Sprint(i), Time: at(i)}
				if i == n-1 {
					e.Outcome = OutcomeFailed
				}
				cs.Add(e)
			}
			c, _ := cs.Get("t")
			events := cs.Events("t")
			if c.Events != n || c.Outcome != OutcomeFailed {
				t.Fatalf("counted %d events, outcome %q", c.Events, c.Outcome)
			}
			if !limited {
				if len(events) != n {
					t.Fatalf("kept %d of %d without a limit", len(events), n)
				}
				return
			}
			if len(events) != keepEvents {
				t.Fatalf("kept %d, want %d", len(events), keepEvents)
			}
			for i, e := range events {
				want := i
				if i >= keepEvents/2 {
					want = n - keepEvents + i
				}
				if e.Name != fmt.Sprint(want) {
					t.Fatalf("kept event %d is %s, want %d: the first and the latest, in order", i, e.Name, want)
				}
			}
			if c.Latency.Stages[StageAPNs] != at(n-1).Sub(at(0)) {
				t.Fatalf("APNs latency %v: the first and the last event bound it", c.Latency.Stages[StageAPNs])
			}
		})
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
