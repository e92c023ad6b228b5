package device

import (
	"time"

	"github.com/callscope/callscope/crypto/envelope"
)

// memoWindow is how long the device remembers news about a call it has not
// rung for (a hang-up that came first, an answer on another device). The
// call's invite was sealed by then, give or take the clocks' skew, and is
// refused as expired once its ts + ttl + skew has passed; ttl is at most
// envelope.MaxTTL. 30 s is the receiver's default skew
// (docs/receiver-checks.md), counted once for each clock.
const memoWindow = envelope.MaxTTL*time.Second + 2*30*time.Second

// memo is a set of call UUIDs with a value each, kept for memoWindow after
// they are put: a device that handled a million calls holds only those of
// the last few minutes.
type memo[V any] struct {
	m     map[string]memoEntry[V]
	swept time.Time
}

type memoEntry[V any] struct {
	v     V
	until time.Time
}

// put remembers v for id until now + memoWindow, and forgets what expired.
func (m *memo[V]) put(id string, v V, now time.Time) {
	if m.m == nil {
		m.m = map[string]memoEntry[V]{}
	}
	if now.Sub(m.swept) > time.Second {
		m.swept = now
		for k, e := range m.m {
			if now.After(e.until) {
				delete(m.m, k)
			}
		}
	}
	m.m[id] = memoEntry[V]{v: v, until: now.Add(memoWindow)}
}

// get returns the value for id unless it expired.
func (m *memo[V]) get(id string, now time.Time) (V, bool) {
	e, ok := m.m[id]
	if !ok || now.After(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// take returns the value for id, as get, and forgets it.
func (m *memo[V]) take(id string, now time.Time) (V, bool) {
	v, ok := m.get(id, now)
	delete(m.m, id)
	return v, ok
}

// len is how many entries are held, expired or not.
func (m *memo[V]) len() int { return len(m.m) }

// Retained is how many calls the device still holds state for beyond the
// latest reports CallKit remembers (recentCalls): ringing calls, and news
// of calls that have not rung here, until memoWindow ends.
func (d *Callee) Retained() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls) + d.taken.len() + d.hungUp.len()
}

// recentCalls is how many reported call UUIDs a device keeps (seen). The
// simulation never hangs up a connected call, so CallKit's "calls it has"
// is approximated by the latest reports: four times as many as can be up at
// once (maximumCallGroups), and at least 64. A duplicate invite within them
// is callUUIDAlreadyExists, as while the call is up (F-22).
func recentCalls(p Profile) int { return max(64, 4*p.MaximumCallGroups) }

// recent is a set of the last limit ids added: the oldest go first.
type recent struct {
	limit int
	set   map[string]struct{}
	ring  []string // in the order added; next is the slot to reuse
	next  int
}

func (r *recent) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

func (r *recent) add(id string) {
	if r.has(id) {
		return
	}
	if r.set == nil {
		r.set = map[string]struct{}{}
	}
	r.set[id] = struct{}{}
	if len(r.ring) < max(r.limit, 1) {
		r.ring = append(r.ring, id)
		return
	}
	delete(r.set, r.ring[r.next])
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
}

func (r *recent) len() int { return len(r.set) }
