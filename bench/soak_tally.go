package bench

import (
	"encoding/hex"
	"strings"
	"sync"

	"github.com/callscope/callscope/flow"
)

// soakTally counts each call at every hop by its trace id, and each push
// by its apns-id: sent (the caller's post answered 200), answered (APNs
// accepted the push), delivered (APNs wrote it on the device's link),
// received (the NSE read it) and reported (the caller learnt the outcome).
// Keys are the ids' 16 bytes in maps sized for the run up front, so the
// tally itself does not grow the heap while RSS is sampled.
type soakTally struct {
	mu     sync.Mutex
	traces map[[16]byte]*soakSeen
	seen   []soakSeen // the traces' counters, allocated once
	apns   map[[16]byte][16]byte
	// outcomes by name; foreign: events of trace ids no call placed.
	outcomes map[flow.Outcome]int64
	foreign  int64
	apnsDup  int64
}

// soakSeen is how often one call was seen at each hop.
type soakSeen struct{ sent, answered, delivered, received, reported uint8 }

func newSoakTally(count int) *soakTally {
	return &soakTally{traces: make(map[[16]byte]*soakSeen, count), seen: make([]soakSeen, 0, count),
		apns: make(map[[16]byte][16]byte, count), outcomes: map[flow.Outcome]int64{}}
}

// soakID is an id's bytes: a trace id's 32 hex digits, or a UUID's.
func soakID(s string) ([16]byte, bool) {
	var id [16]byte
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return id, false
	}
	_, err := hex.Decode(id[:], []byte(s))
	return id, err == nil
}

// at finds a trace's counters, adding it when new; t.mu is held.
func (t *soakTally) at(traceID string) *soakSeen {
	id, ok := soakID(traceID)
	if !ok {
		t.foreign++
		return nil
	}
	s := t.traces[id]
	if s == nil {
		if len(t.seen) == cap(t.seen) {
			t.foreign++ // more traces than calls placed
			return nil
		}
		t.seen = append(t.seen, soakSeen{})
		s = &t.seen[len(t.seen)-1]
		t.traces[id] = s
	}
	return s
}

func soakInc(n *uint8) {
	if *n < 255 {
		*n++
	}
}

func (t *soakTally) event(e flow.Event) {
	var hop func(*soakSeen)
	switch {
	case e.Stage == flow.StageSender && e.Name == "posted" && e.Attrs["status"] == "200":
		hop = func(s *soakSeen) { soakInc(&s.sent) }
	case e.Stage == flow.StageAPNs && e.Name == flow.NameAccepted:
		hop = func(s *soakSeen) { soakInc(&s.answered) }
	case e.Stage == flow.StageAPNs && e.Name == "delivered":
		hop = func(s *soakSeen) { soakInc(&s.delivered) }
	case e.Stage == flow.StageExtension && e.Name == "push-received":
		hop = func(s *soakSeen) { soakInc(&s.received) }
	default:
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.at(e.TraceID)
	if s == nil {
		return
	}
	hop(s)
	if e.Name == flow.NameAccepted {
		// One apns-id per push: the same id on two calls is a duplicate.
		aid, ok := soakID(e.ApnsID)
		tid, _ := soakID(e.TraceID)
		if prev, seen := t.apns[aid]; ok && seen && prev != tid {
			t.apnsDup++
		} else if ok {
			t.apns[aid] = tid
		}
	}
}

func (t *soakTally) reported(c flow.Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outcomes[c.Outcome]++
	if s := t.at(c.TraceID); s != nil && c.Outcome != "" {
		soakInc(&s.reported)
	}
}

// counts sums the tally: how many calls reached each hop, how many of the
// calls placed did not get through every hop (lost), and how many times a
// call or push was seen more than once at a hop (duplicated).
func (t *soakTally) counts(placed int) map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]int64{"placed": int64(placed), "foreign": t.foreign, "duplicated": t.apnsDup}
	var through int64
	for i := range t.seen {
		s := &t.seen[i]
		hops := []struct {
			name string
			n    uint8
		}{{"sent", s.sent}, {"answered", s.answered}, {"delivered", s.delivered}, {"received", s.received}, {"reported", s.reported}}
		all := true
		for _, h := range hops {
			if h.n > 0 {
				out[h.name]++
			} else {
				all = false
			}
			if h.n > 1 {
				out["duplicated"] += int64(h.n - 1)
			}
		}
		if all {
			through++
		}
	}
	out["lost"] = int64(placed) - through
	for o, n := range t.outcomes {
		if o == "" {
			o = "no_outcome"
		}
		out[string(o)] += n
	}
	return out
}
