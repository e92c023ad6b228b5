package flow

import (
	"fmt"
	"testing"
	"time"
)

// TestSnapshotUnchangedByLaterEvents: a snapshot keeps the calls, their
// events and the counts as they stood, while the live store goes on, evicts
// and reuses the evicted calls' memory.
func TestSnapshotUnchangedByLaterEvents(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	event := func(trace string, i int, o Outcome) Event {
		return Event{TraceID: trace, Stage: StageSender, Name: fmt.Sprint(i), Time: t0.Add(time.Duration(i) * time.Millisecond), Outcome: o}
	}
	cs := NewCallsLimit(2)
	for i := range 3 {
		cs.Add(event("a", i, ""))
	}
	cs.Add(event("b", 0, ""))
	snap := cs.Snapshot()

	cs.Add(event("a", 3, OutcomeFailed))
	for _, id := range []string{"c", "d", "e"} {
		for i := range 5 {
			cs.Add(event(id, i, ""))
		}
	}
	cs.Add(event("a", 4, "")) // late now

	if snap.Len() != 2 || snap.Evicted() != 0 || snap.Late() != 0 {
		t.Fatalf("snapshot: %d held, %d evicted, %d late; want 2, 0, 0", snap.Len(), snap.Evicted(), snap.Late())
	}
	a, ok := snap.At(0)
	if !ok || a.TraceID != "a" || a.Outcome != "" || a.Events != 3 {
		t.Fatalf("snapshot's first call = %+v, want a, open, 3 events", a)
	}
	evs := snap.Events("a")
	if len(evs) != 3 {
		t.Fatalf("snapshot keeps %d events of a, want 3", len(evs))
	}
	for i, e := range evs {
		if e.TraceID != "a" || e.Name != fmt.Sprint(i) {
			t.Fatalf("snapshot's event %d of a = %s/%s: changed by the live store", i, e.TraceID, e.Name)
		}
	}
	if b, _ := snap.Get("b"); b.TraceID != "b" {
		t.Fatalf("snapshot lost b")
	}
	if cs.Len() != 2 || cs.Evicted() != 3 || cs.Late() != 1 {
		t.Fatalf("live: %d held, %d evicted, %d late; want 2, 3, 1", cs.Len(), cs.Evicted(), cs.Late())
	}
}

// BenchmarkSnapshot: what space costs on a screen at its limit, 500 calls
// of 30 events each (a call through all five stages), or of 256 (the most a
// limited store keeps per call).
func BenchmarkSnapshot(b *testing.B) {
	for _, per := range []int{30, keepEvents} {
		b.Run(fmt.Sprintf("calls=500/events=%d", per), func(b *testing.B) {
			cs := NewCallsLimit(500)
			t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			for c := range 500 {
				for i := range per {
					cs.Add(Event{TraceID: fmt.Sprintf("%032x", c), Stage: StageAPNs, Name: "e", Time: t0.Add(time.Duration(i))})
				}
			}
			for b.Loop() {
				if s := cs.Snapshot(); s.Len() != 500 {
					b.Fatal(s.Len())
				}
			}
		})
	}
}

// TestSnapshotLongCall: a call past keepEvents, whose latest events are a
// ring written in place, keeps in the snapshot the events it had.
func TestSnapshotLongCall(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cs := NewCallsLimit(2)
	add := func(i int) {
		cs.Add(Event{TraceID: "a", Stage: StageAPNs, Name: fmt.Sprint(i), Time: t0.Add(time.Duration(i))})
	}
	for i := range keepEvents + 10 {
		add(i)
	}
	snap := cs.Snapshot()
	want := snap.Events("a")
	for i := keepEvents + 10; i < 3*keepEvents; i++ {
		add(i)
	}
	got := snap.Events("a")
	if len(got) != len(want) {
		t.Fatalf("snapshot has %d events, had %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name {
			t.Fatalf("snapshot's event %d is %s, was %s: the live ring wrote over it", i, got[i].Name, want[i].Name)
		}
	}
	if live := cs.Events("a"); live[len(live)-1].Name != fmt.Sprint(3*keepEvents-1) {
		t.Fatalf("live store's latest event %s", live[len(live)-1].Name)
	}
}
