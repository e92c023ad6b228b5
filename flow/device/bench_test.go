package device

import (
	"testing"

	"github.com/callscope/callscope/flow"
)

// BenchmarkCalleeCall is the simulated iPhone's cost per call on a virtual
// clock: the push through the NSE (with the real HPKE open and replay
// check), the relay, PushKit, CallKit's checks, ringing and the answer.
// Sealing the push is outside the timer.
func BenchmarkCalleeCall(b *testing.B) {
	rec := newRecorder()
	ph := newPhone(b, DefaultProfile(), rec, flow.VirtualClock{})
	for b.Loop() {
		b.StopTimer()
		p, _ := ph.push(b, request{})
		b.StartTimer()
		ph.Deliver(p)
		ph.settle(b)
	}
	b.StopTimer()
	answered := 0
	for _, s := range rec.signals {
		if s.Kind == SignalAnswered {
			answered++
		}
	}
	if answered != b.N {
		b.Fatalf("%d answers for %d calls", answered, b.N)
	}
}
