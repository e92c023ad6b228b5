package device

// How a device takes its work: pushes queue for the extension, one at a
// time as iOS runs them, and each push's app side (PushKit, CallKit) runs
// beside that queue.

import (
	"context"
	"time"

	"github.com/callscope/callscope/flow"
)

// Deliver receives a push over the device link. It never blocks APNs: pushes
// queue, and one worker hands them to the extension in arrival order, as iOS
// does; the app and CallKit part of a call then runs on its own.
func (d *Callee) Deliver(p flow.Push) {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	if d.ctx.Err() != nil {
		// Shutting down: the link still acknowledges the push, so say that
		// the device never took it rather than lose it without a word.
		if d.Sink != nil {
			d.Sink.Emit(flow.Event{TraceID: p.TraceID, ApnsID: p.ApnsID, Stage: flow.StageExtension, Name: "not-taken",
				Time: time.Now(), Attrs: map[string]string{"device": d.Profile.Name, "why": "the device was shutting down when the push arrived"}})
		}
		return
	}
	// An idle device works on the push from now, before the link
	// acknowledges it: the mock's unit for a push in flight ends with the
	// ack, so the request's simulated time never runs on while a device is
	// only about to start. Behind other pushes it enters when its turn comes:
	// waiting in the queue, it must not hold up the push being worked on.
	first := !d.working
	if first {
		d.enter(p.TraceID)
	}
	d.queue = append(d.queue, queued{Push: p, entered: first})
	d.busy++
	if !d.working {
		d.working = true
		d.wg.Add(1)
		go d.work()
	}
}

func (d *Callee) work() {
	defer d.wg.Done()
	for {
		d.qmu.Lock()
		if len(d.queue) == 0 || d.ctx.Err() != nil {
			for _, q := range d.queue { // shut down: never received
				if q.entered {
					d.leave(q.TraceID)
				}
			}
			d.queue = nil
			d.working = false
			d.qmu.Unlock()
			return
		}
		q := d.queue[0]
		d.queue = d.queue[1:]
		d.qmu.Unlock()
		if !q.entered {
			d.enter(q.TraceID)
		}
		p := q.Push
		d.receive(p)
		d.leave(p.TraceID)
		d.done()
	}
}

// queued is a push waiting for the device's worker; entered says the clock
// already counts the device as working on its request.
type queued struct {
	flow.Push
	entered bool
}

// done marks one piece of work finished.
func (d *Callee) done() {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	d.busy--
	if d.busy == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// Settle waits until the device has nothing queued or running (a call
// ringing with no timeout counts as running) or ctx ends.
func (d *Callee) Settle(ctx context.Context) error {
	d.qmu.Lock()
	if d.busy == 0 {
		d.qmu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	ch := d.idle
	d.qmu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// async runs the app side of a push beside the extension's queue.
func (d *Callee) async(p *push, f func()) {
	d.qmu.Lock()
	d.busy++
	d.qmu.Unlock()
	d.enter(p.TraceID) // before the NSE's unit leaves: no gap for the clock
	task := func() {
		defer d.done()
		defer d.leave(p.TraceID)
		f()
	}
	select {
	case d.spare <- task: // a goroutine that ran an earlier one is waiting
	default:
		d.wg.Add(1)
		go d.appWorker(task)
	}
}

// appWorker runs app sides until the device closes, waiting for the next
// after each. A new goroutine per call grew its stack from the small
// initial size to what an app side needs (launch, report, ring: a few
// emits deep) on every call, a copy of the stack each time; a goroutine
// kept for the next call has the stack already. At most as many wait as
// ran at once.
func (d *Callee) appWorker(task func()) {
	defer d.wg.Done()
	for {
		task()
		select {
		case task = <-d.spare:
		case <-d.ctx.Done():
			return
		}
	}
}

// enter and leave tell a clock that orders simulated time (flow.SimClock)
// that the device is working on a request.
func (d *Callee) enter(traceID string) {
	if pc, ok := d.Clock.(flow.Participants); ok {
		pc.Enter(traceID)
	}
}

func (d *Callee) leave(traceID string) {
	if pc, ok := d.Clock.(flow.Participants); ok {
		pc.Leave(traceID)
	}
}
