package bus

import (
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

func TestFanOutAndSequence(t *testing.T) {
	b := New()
	s1, s2 := b.Subscribe(10), b.Subscribe(10)
	for i := range 3 {
		b.Emit(flow.Event{TraceID: "t", Name: string(rune('a' + i))})
	}
	for _, s := range []*Subscription{s1, s2} {
		for i := range 3 {
			e := <-s.Events()
			if e.Seq != uint64(i+1) || e.Name != string(rune('a'+i)) {
				t.Fatalf("event %d = %+v", i, e)
			}
		}
	}
}

func TestSlowReaderDropsWithoutBlocking(t *testing.T) {
	b := New()
	slow := b.Subscribe(2)
	fast := b.Subscribe(100)
	done := make(chan struct{})
	go func() {
		for range 50 {
			b.Emit(flow.Event{TraceID: "t"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Emit blocked on a full subscriber")
	}
	if slow.Dropped() != 48 {
		t.Fatalf("slow dropped %d, want 48", slow.Dropped())
	}
	if fast.Dropped() != 0 || len(fast.Events()) != 50 {
		t.Fatalf("fast reader lost events: dropped %d, has %d", fast.Dropped(), len(fast.Events()))
	}
}

func TestEmitRedacts(t *testing.T) {
	b := New()
	s := b.Subscribe(1)
	b.Emit(flow.Event{Attrs: map[string]string{"authorization": "bearer x"}})
	if e := <-s.Events(); e.Attrs["authorization"] != flow.Redacted {
		t.Fatalf("authorization = %q", e.Attrs["authorization"])
	}
}

func TestClose(t *testing.T) {
	b := New()
	s := b.Subscribe(1)
	s2 := b.Subscribe(1)
	s2.Close()
	s2.Close() // idempotent
	b.Close()
	if _, ok := <-s.Events(); ok {
		t.Fatal("channel open after bus Close")
	}
	b.Emit(flow.Event{}) // no panic after Close
	if _, ok := <-b.Subscribe(1).Events(); ok {
		t.Fatal("subscription after Close is open")
	}
}

// TestQueueSaysWhetherEveryReaderGotIt: Queue is true only when each reader
// has the event in its buffer; a full reader, no reader and a closed bus are
// false, and the full reader counts the drop.
func TestQueueSaysWhetherEveryReaderGotIt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		buffers []int // one subscription each
		closed  bool
		want    []bool // Queue's answers, one per event
		dropped []uint64
	}{
		{"room", []int{3}, false, []bool{true, true, true}, []uint64{0}},
		{"full", []int{2}, false, []bool{true, true, false, false}, []uint64{2}},
		{"one of two full", []int{1, 5}, false, []bool{true, false, false}, []uint64{2, 0}},
		{"no reader", nil, false, []bool{false}, nil},
		{"closed", []int{4}, true, []bool{false}, []uint64{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New()
			var subs []*Subscription
			for _, n := range tc.buffers {
				subs = append(subs, b.Subscribe(n))
			}
			if tc.closed {
				b.Close()
			}
			for i, want := range tc.want {
				if got := b.Queue(flow.Event{TraceID: "t"}); got != want {
					t.Errorf("event %d: Queue = %v, want %v", i, got, want)
				}
			}
			for i, s := range subs {
				if s.Dropped() != tc.dropped[i] {
					t.Errorf("subscription %d dropped %d, want %d", i, s.Dropped(), tc.dropped[i])
				}
			}
		})
	}
}
