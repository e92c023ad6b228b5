package device

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/flow"
)

// TestCallsLeaveNoState: once its calls have ended, a device holds nothing
// for them, whatever way they ended; news about calls that never rang here
// (a hang-up first, an answer on another device) is kept while an invite
// could still be opened, then forgotten.
func TestCallsLeaveNoState(t *testing.T) {
	const n = 20
	tests := []struct {
		name string
		prof func(*Profile)
		// send delivers one call, sealed ahead of real time as the device's
		// clock is; it returns after the device has settled.
		send func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration)
		// held is what the device must still remember before the window ends.
		held int
	}{
		{name: "answered", send: call(request{})},
		{name: "declined", prof: func(p *Profile) { p.AnswerPolicy = AnswerDecline }, send: call(request{})},
		{name: "rang out", prof: func(p *Profile) { p.AnswerPolicy = AnswerIgnore }, send: call(request{})},
		{name: "messages", send: call(request{typ: "message"})},
		{name: "refused by CallKit", prof: func(p *Profile) { p.DoNotDisturb = true }, send: call(request{})},
		{name: "duplicate UUID", send: func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration) {
			id := strings.ToUpper(uuid.NewString())
			for range 2 {
				p, _ := ph.push(t, request{callID: id, backdate: -ahead})
				ph.Deliver(p)
			}
			ph.settle(t)
		}},
		{name: "hang-up before its invite", held: n, send: func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration) {
			p, _ := ph.push(t, request{typ: "call.hangup", backdate: -ahead})
			ph.Deliver(p)
			ph.settle(t)
		}},
		{name: "answered elsewhere before it rang", held: n, send: func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration) {
			ph.EndElsewhere(strings.ToUpper(uuid.NewString()), false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prof := DefaultProfile()
			if tt.prof != nil {
				tt.prof(&prof)
			}
			rec := newRecorder()
			ph := newPhone(t, prof, rec, flow.VirtualClock{})
			var ahead atomic.Int64 // how far the device's clock runs ahead
			ph.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
			for range n {
				tt.send(t, ph, rec, 0)
			}
			if got := ph.Retained(); got != tt.held {
				t.Fatalf("after %d calls the device holds %d, want %d", n, got, tt.held)
			}
			// Past the window no invite for those calls can be opened: the
			// next call's news makes the device forget them.
			later := memoWindow + 2*time.Second
			ahead.Store(int64(later))
			tt.send(t, ph, rec, later)
			if got, want := ph.Retained(), min(tt.held, 1); got != want {
				t.Fatalf("after the window and one more call the device holds %d, want %d", got, want)
			}
		})
	}
}

// call delivers rq as one call and waits for the device to settle.
func call(rq request) func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration) {
	return func(t *testing.T, ph *phone, rec *recorder, ahead time.Duration) {
		rq.backdate = -ahead
		p, _ := ph.push(t, rq)
		ph.Deliver(p)
		rec.next(t, p.TraceID)
		ph.settle(t)
	}
}

// TestSeenKeepsTheLatestCalls: CallKit's memory of reported call UUIDs is
// the latest recentCalls of them: a duplicate of a recent call is still
// callUUIDAlreadyExists (F-22), one of a call long gone rings again.
func TestSeenKeepsTheLatestCalls(t *testing.T) {
	prof := DefaultProfile()
	limit := recentCalls(prof)
	rec := newRecorder()
	ph := newPhone(t, prof, rec, flow.VirtualClock{})
	var ids []string
	for range limit + 10 {
		p, id := ph.push(t, request{})
		ph.Deliver(p)
		rec.next(t, p.TraceID)
		ph.settle(t)
		ids = append(ids, id)
	}
	ph.mu.Lock()
	n := ph.seen.len()
	ph.mu.Unlock()
	if n != limit {
		t.Fatalf("CallKit remembers %d call UUIDs after %d calls, want the latest %d", n, len(ids), limit)
	}
	tests := []struct {
		name string
		id   string
		kind SignalKind
	}{
		{"latest call", ids[len(ids)-1], SignalFailed},
		{"call long gone", ids[0], SignalAnswered},
	}
	for _, tt := range tests {
		p, _ := ph.push(t, request{callID: tt.id})
		ph.Deliver(p)
		if s := rec.next(t, p.TraceID); s.Kind != tt.kind {
			t.Errorf("%s: a second invite gives %s, want %s", tt.name, s.Kind, tt.kind)
		} else if tt.kind == SignalFailed && !strings.Contains(s.Diag.Apple, "callUUIDAlreadyExists") {
			t.Errorf("%s: refused with %v, want callUUIDAlreadyExists", tt.name, s.Diag)
		}
		ph.settle(t)
	}
}
