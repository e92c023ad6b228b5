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
