package otlp

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

// Bounds of a live export: what it holds while calls are open and while
// the destination catches up.
const (
	// MaxOpenCalls is how many unfinished calls are held at once; the
	// oldest is exported unfinished when another one opens.
	MaxOpenCalls = 4096
	// MaxEventsPerCall is how many events one call's trace keeps; later
	// ones are counted and left out.
	MaxEventsPerCall = 2048
	// QueueCalls is how many finished calls wait for the destination; a
	// call that finds the queue full is dropped and counted.
	QueueCalls = 1024
	// recentCalls is how many exported trace ids are remembered, so events
	// that come after their call ended hang under its root span.
	recentCalls = 4096
	// Grace is how long a call is held after the event that ends it: the
	// stages publish concurrently, and an APNs "delivered" or the sender's
	// "posted" can reach the bus just after the outcome.
	Grace = 2 * time.Second
)

// LiveStats are a live export's counts.
type LiveStats struct {
	Calls      uint64 // calls (and late parts) handed to the destination
	Unfinished uint64 // of them, exported before they ended (run stopped, too many open)
	Dropped    uint64 // calls dropped because the destination fell behind
	Events     uint64 // events left out of over-long calls
	Failed     uint64 // calls whose export failed
	Skipped    uint64 // events without a valid trace id
}

// Live exports each call when it ends: it follows a bus subscription,
// gathers each call's events, and hands a call to the destination when an
// event with its outcome arrives. It never blocks the bus: its subscription
// counts what it could not take, its own queue counts what the destination
// could not.
type Live struct {
	dst   Exporter
	sub   *bus.Subscription
	q     chan pending
	done  chan struct{}
	wdone chan struct{}

	grace  time.Duration
	open   map[string]*list.Element
	order  *list.List // of *group still open, oldest first
	ending *list.List // of *group ended, held for the grace, oldest first
	recent map[string]int
	ring   []string
	ringAt int

	calls, unfinished, dropped, events, failed, skipped atomic.Uint64
	errMu                                               sync.Mutex
	firstErr                                            error
}

type group struct {
	id     string
	events []flow.Event
	part   int
	ended  time.Time // zero while open
}

type pending struct {
	events []flow.Event
	part   int
}

// Follow starts exporting sub's calls to dst until Close.
func Follow(sub *bus.Subscription, dst Exporter) *Live { return follow(sub, dst, Grace) }

func follow(sub *bus.Subscription, dst Exporter, grace time.Duration) *Live {
	l := newLive(sub, dst, grace)
	go l.gather()
	go l.work()
	return l
}

func newLive(sub *bus.Subscription, dst Exporter, grace time.Duration) *Live {
	return &Live{dst: dst, sub: sub, q: make(chan pending, QueueCalls), done: make(chan struct{}),
		wdone: make(chan struct{}), grace: grace, open: map[string]*list.Element{}, order: list.New(),
		ending: list.New(), recent: map[string]int{}, ring: make([]string, recentCalls)}
}

func (l *Live) gather() {
	defer close(l.done)
	tick := time.NewTicker(max(l.grace/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case e, ok := <-l.sub.Events():
			if !ok {
				l.drain()
				return
			}
			l.add(e)
		case now := <-tick.C:
			for el := l.ending.Front(); el != nil && now.Sub(el.Value.(*group).ended) >= l.grace; el = l.ending.Front() {
				l.finish(el)
			}
		}
	}
}

// drain: the run is over. Ended calls go out, then what is still open, as
// it is, unfinished; both wait for room rather than being dropped at the
// last moment.
func (l *Live) drain() {
	for _, ls := range []*list.List{l.ending, l.order} {
		for el := ls.Front(); el != nil; el = el.Next() {
			g := el.Value.(*group)
			if g.part == 0 && g.ended.IsZero() {
				l.unfinished.Add(1)
			}
			l.q <- pending{g.events, g.part}
		}
	}
	close(l.q)
}

func (l *Live) add(e flow.Event) {
	if _, ok := ParseTraceID(e.TraceID); !ok {
		l.skipped.Add(1)
		return
	}
	el, ok := l.open[e.TraceID]
	if !ok {
		if len(l.open) >= MaxOpenCalls {
			// Ended calls go first; else the oldest open one, unfinished.
			oldest := l.ending.Front()
			if oldest == nil {
				oldest = l.order.Front()
				if oldest.Value.(*group).part == 0 {
					l.unfinished.Add(1)
				}
			}
			l.finish(oldest)
		}
		g := &group{id: e.TraceID}
		if n, seen := l.recent[e.TraceID]; seen {
			g.part = n + 1
		}
		el = l.order.PushBack(g)
		l.open[e.TraceID] = el
	}
	g := el.Value.(*group)
	if len(g.events) >= MaxEventsPerCall {
		l.events.Add(1)
	} else {
		g.events = append(g.events, e)
	}
	if e.Outcome != "" && g.ended.IsZero() {
		g.ended = time.Now()
		l.order.Remove(el)
		l.open[g.id] = l.ending.PushBack(g)
	}
}

// finish hands a call to the worker without waiting: a full queue drops it.
func (l *Live) finish(el *list.Element) {
	g := el.Value.(*group)
	if g.ended.IsZero() {
		l.order.Remove(el)
	} else {
		l.ending.Remove(el)
	}
	delete(l.open, g.id)
	l.remember(g.id, g.part)
	select {
	case l.q <- pending{g.events, g.part}:
	default:
		l.dropped.Add(1)
	}
}

func (l *Live) remember(id string, part int) {
	if _, ok := l.recent[id]; !ok {
		if old := l.ring[l.ringAt]; old != "" {
			delete(l.recent, old)
		}
		l.ring[l.ringAt] = id
		l.ringAt = (l.ringAt + 1) % len(l.ring)
	}
	l.recent[id] = part
}

func (l *Live) work() {
	defer close(l.wdone)
	ctx := context.Background()
	for p := range l.q {
		t, ok := BuildCall(p.events, p.part)
		if !ok {
			continue
		}
		l.calls.Add(1)
		if err := l.dst.Export(ctx, []Trace{t}); err != nil {
			l.failed.Add(1)
			l.errMu.Lock()
			if l.firstErr == nil {
				l.firstErr = err
			}
			l.errMu.Unlock()
		}
	}
}

// Close waits until the subscription has ended and every call is handed
// on, then closes the destination. The error says what did not get out.
func (l *Live) Close(ctx context.Context) (LiveStats, error) {
	// A screen quits with calls in flight: what the bus has not published
	// yet is not waited for, and what is open goes out unfinished.
	l.sub.Close()
	select {
	case <-l.done:
	case <-ctx.Done():
		return l.Stats(), fmt.Errorf("otlp %s: %w", l.dst.Target(), ctx.Err())
	}
	select {
	case <-l.wdone:
	case <-ctx.Done():
		return l.Stats(), fmt.Errorf("otlp %s: %w", l.dst.Target(), ctx.Err())
	}
	err := l.dst.Close(ctx)
	st := l.Stats()
	var errs []error
	if st.Dropped > 0 {
		errs = append(errs, fmt.Errorf("%s dropped: %s fell behind (queue of %d calls)",
			Calls(st.Dropped), l.dst.Target(), QueueCalls))
	}
	if n := l.sub.Dropped(); n > 0 {
		errs = append(errs, fmt.Errorf("%s events dropped before the exporter read them", flow.FormatCount(n)))
	}
	if st.Failed > 0 {
		l.errMu.Lock()
		errs = append(errs, fmt.Errorf("%s failed to export: %w", Calls(st.Failed), l.firstErr))
		l.errMu.Unlock()
	}
	if err != nil {
		errs = append(errs, err)
	}
	return st, errors.Join(errs...)
}

// Stats returns the counts so far.
func (l *Live) Stats() LiveStats {
	return LiveStats{Calls: l.calls.Load(), Unfinished: l.unfinished.Load(), Dropped: l.dropped.Load(),
		Events: l.events.Load(), Failed: l.failed.Load(), Skipped: l.skipped.Load()}
}

// Summary is the exit line of a live export.
func (s LiveStats) Summary(target string, busDropped uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "otlp %s: %s exported", target, Calls(s.Calls))
	if s.Unfinished > 0 {
		fmt.Fprintf(&b, " (%s unfinished)", flow.FormatCount(s.Unfinished))
	}
	var warn []string
	if s.Dropped > 0 {
		warn = append(warn, Calls(s.Dropped)+" dropped (the destination fell behind)")
	}
	if busDropped > 0 {
		warn = append(warn, flow.FormatCount(busDropped)+" events dropped (the exporter fell behind the run)")
	}
	if s.Events > 0 {
		warn = append(warn, fmt.Sprintf("%s events left out of calls over %d events", flow.FormatCount(s.Events), MaxEventsPerCall))
	}
	if s.Failed > 0 {
		warn = append(warn, Calls(s.Failed)+" failed to export")
	}
	if s.Skipped > 0 {
		warn = append(warn, flow.FormatCount(s.Skipped)+" events without a trace id")
	}
	if len(warn) > 0 {
		b.WriteString("; ⚠ " + strings.Join(warn, ", "))
	}
	return b.String()
}

// Calls is n calls, counted for a message: "1 call", "4,096 calls".
func Calls(n uint64) string {
	if n == 1 {
		return "1 call"
	}
	return flow.FormatCount(n) + " calls"
}
