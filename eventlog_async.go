package main

import (
	"bufio"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
)

// logMode is mock-apns's --log: how much of each push its headless log
// prints.
type logMode int

const (
	logPush  logMode = iota // one line per push: its answer (the default)
	logEvent                // one line per event: the device's and store-and-forward's too
	logNone                 // no line per push or event
)

// logUsage is --log's help.
const logUsage = "headless log: push (one line per push: its answer, with its topic, push type and token), " +
	"event (one line per event: the device's and store-and-forward's too) or none; lines are buffered and " +
	"never hold up a push: a log that falls behind drops lines and says how many"

func parseLogMode(s string) (logMode, error) {
	switch s {
	case "push":
		return logPush, nil
	case "event":
		return logEvent, nil
	case "none":
		return logNone, nil
	}
	return 0, fmt.Errorf("--log %q: want push, event or none", s)
}

const (
	// logQueue is how many events and lines wait for the writer before
	// Emit drops one (and counts it): 0.3 s of a mock at full speed.
	logQueue = 8192
	// logFlushAfter is how long a line may sit in the buffer: a person
	// watching sees it at once; a mock at full speed writes in big chunks.
	logFlushAfter = 50 * time.Millisecond
	// logPending bounds the receipts waiting for their answer (--log push).
	logPending = 4096
)

// asyncLog is mock-apns's headless log off the request path: Emit queues
// the event in a bounded queue and returns; one goroutine formats the lines
// into a buffer it writes out when full or logFlushAfter after its first
// line. When the queue is full the event is dropped and counted: the count
// is written in the log where it happened and at exit (Close).
type asyncLog struct {
	l    *eventLog
	mode logMode

	qmu    sync.RWMutex // guards q against Emit after Close
	q      chan logItem
	done   chan struct{}
	closed bool

	dropped atomic.Uint64 // in all
	marked  uint64        // of dropped, written as a marker line (writer's)

	// the writer goroutine's
	w       *bufio.Writer
	line    []byte
	pending map[string]map[string]string // --log push: apns-id → its receipt's attributes
	err     error                        // the first write error
	lost    uint64                       // lines not written because a write failed
}

// logItem is an event, or a line that is no event (a device link).
type logItem struct {
	e    flow.Event
	line string
}

func newAsyncLog(l *eventLog, mode logMode) *asyncLog {
	a := &asyncLog{l: l, mode: mode, q: make(chan logItem, logQueue), done: make(chan struct{}),
		w: bufio.NewWriterSize(l.w, 64<<10)}
	if mode == logPush {
		a.pending = make(map[string]map[string]string)
	}
	go a.run()
	return a
}

// Emit queues e if the mode logs it; asyncLog is a flow.Sink. It never
// blocks.
func (a *asyncLog) Emit(e flow.Event) {
	switch a.mode {
	case logNone:
		return
	case logPush:
		if e.Stage != flow.StageAPNs || (e.Name != "received" && e.Name != "accepted" && e.Name != "rejected") {
			return
		}
	}
	a.queue(logItem{e: e})
}

// Line queues a line that is no event (a device link, the shutdown); it is
// printed in every mode. Such lines are few and off the request path, so
// Line waits for room rather than drop one.
func (a *asyncLog) Line(s string) {
	a.qmu.RLock()
	defer a.qmu.RUnlock()
	if a.closed {
		a.dropped.Add(1)
		return
	}
	a.q <- logItem{line: s}
}

func (a *asyncLog) queue(it logItem) {
	// RLock is shared: Emits from many connections do not wait for each
	// other, only Close waits for them.
	a.qmu.RLock()
	defer a.qmu.RUnlock()
	if a.closed {
		a.dropped.Add(1)
		return
	}
	select {
	case a.q <- it:
	default:
		a.dropped.Add(1)
	}
}

// Dropped is how many events and lines were not logged because the queue
// was full.
func (a *asyncLog) Dropped() uint64 { return a.dropped.Load() }

func (a *asyncLog) run() {
	defer close(a.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	var tick <-chan time.Time // armed while lines wait in the buffer
	for {
		select {
		case it, ok := <-a.q:
			if !ok {
				a.markDrops()
				a.flush()
				return
			}
			a.write(it)
			if tick == nil && a.w.Buffered() > 0 {
				t.Reset(logFlushAfter)
				tick = t.C
			}
		case <-tick:
			tick = nil
			a.flush()
		}
	}
}

func (a *asyncLog) write(it logItem) {
	a.markDrops()
	switch {
	case it.line != "":
		a.put(append(append(a.line[:0], it.line...), '\n'))
	case a.mode == logPush && it.e.Name == "received":
		if len(a.pending) >= logPending {
			// Answers that never came (a stalled connection): forget
			// one; its line lacks the topic, it is not lost.
			for k := range a.pending {
				delete(a.pending, k)
				break
			}
		}
		a.pending[it.e.ApnsID] = it.e.Attrs
	case a.mode == logPush:
		more := a.pending[it.e.ApnsID]
		delete(a.pending, it.e.ApnsID)
		a.put(a.l.appendLine(a.line[:0], it.e, more))
	default:
		a.put(a.l.appendLine(a.line[:0], it.e, nil))
	}
}

// markDrops writes, where they happened, how many were dropped since the
// last marker.
func (a *asyncLog) markDrops() {
	if d := a.dropped.Load(); d > a.marked {
		a.put(fmt.Appendf(a.line[:0], "… %s not logged here: the log fell behind (pushes were not held up)\n", flow.FormatCount(d-a.marked)))
		a.marked = d
	}
}

func (a *asyncLog) put(b []byte) {
	a.line = b[:0]
	if a.err != nil {
		a.lost++
		return
	}
	if _, err := a.w.Write(b); err != nil {
		a.err, a.lost = err, a.lost+1
	}
}

func (a *asyncLog) flush() {
	if a.err == nil {
		if err := a.w.Flush(); err != nil {
			a.err = err
		}
	}
}

// Close writes what is queued and stops. The line is for the exit: how many
// were dropped (none: ""). The error is a failed write: the log stopped.
func (a *asyncLog) Close() (line string, err error) {
	a.qmu.Lock()
	if !a.closed {
		a.closed = true
		close(a.q)
	}
	a.qmu.Unlock()
	<-a.done
	if d := a.dropped.Load(); d > 0 {
		line = fmt.Sprintf("⚠ log: %s events not logged: the log fell behind (the pushes were answered; --log none or --log push logs less)", flow.FormatCount(d))
	}
	if a.err != nil {
		err = fmt.Errorf("log: writing failed, %s lines lost: %w", flow.FormatCount(a.lost), a.err)
	}
	return line, err
}
