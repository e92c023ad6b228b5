package device

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/callscope/callscope/flow"
)

// appWorkers counts the goroutines kept for app sides (appWorker).
func appWorkers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("device.(*Callee).appWorker("))
}

// TestAppWorkersReusedAndClosed: the app side of each call runs on a
// goroutine kept from an earlier call when one is free (calls in a row
// need one or a few, not one each), every call still rings and connects with the
// same events, and Close ends the kept goroutines.
func TestAppWorkersReusedAndClosed(t *testing.T) {
	before := appWorkers()
	rec := newRecorder()
	ph := newPhone(t, DefaultProfile(), rec, flow.NewSimClock())
	var first string
	for i := range 20 {
		p, _ := ph.push(t, request{})
		ph.Deliver(p)
		if s := rec.next(t, p.TraceID); s.Kind != SignalAnswered {
			t.Fatalf("call %d: %s, want answered", i, s.Kind)
		}
		ph.settle(t)
		got := path(rec.trace(p.TraceID)) + " | " + names(rec.trace(p.TraceID))
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("call %d went\n%s\nthe first\n%s", i, got, first)
		}
	}
	// One, or a few: a call may start before the goroutine that ran the
	// one before is back waiting (the device settles as its work ends).
	if n := appWorkers() - before; n < 1 || n > 3 {
		t.Errorf("%d app-side goroutines after 20 calls in a row, want one or a few kept for the next", n)
	}
	ph.Close()
	if n := appWorkers() - before; n != 0 {
		t.Errorf("%d app-side goroutines left after Close", n)
	}
}
