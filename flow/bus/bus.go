// Package bus fans events out from the stages to their readers: the screen,
// the recorder, exporters, the headless reporter.
//
// Publishing never blocks. Each subscription has its own bounded buffer; when
// a reader falls behind, new events for that reader are dropped and counted,
// and the other readers are unaffected. A stage's latency must not depend on
// how fast the screen draws.
package bus

import (
	"sync"
	"sync/atomic"

	"github.com/callscope/callscope/flow"
)

// Bus is a fan-out of events. The zero value is not usable; call New.
type Bus struct {
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	seq    atomic.Uint64
	closed bool
}

// New returns an empty bus.
func New() *Bus {
	return &Bus{subs: map[*Subscription]struct{}{}}
}

// Subscription is one reader's view of the bus.
type Subscription struct {
	bus     *Bus
	ch      chan flow.Event
	dropped atomic.Uint64
	once    sync.Once
}

// Subscribe returns a subscription whose buffer holds up to buffer events.
func (b *Bus) Subscribe(buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	s := &Subscription{bus: b, ch: make(chan flow.Event, buffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.ch)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Events is the subscription's channel. It is closed when the subscription
// or the bus is closed.
func (s *Subscription) Events() <-chan flow.Event { return s.ch }

// Dropped is how many events this subscription lost because its buffer was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes its channel.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if _, ok := s.bus.subs[s]; ok {
		delete(s.bus.subs, s)
		s.once.Do(func() { close(s.ch) })
	}
}

// Emit publishes e; Bus is a flow.Sink. Events are redacted and numbered here,
// so every reader sees the same sequence numbers.
func (b *Bus) Emit(e flow.Event) { b.Queue(e) }

// Queue publishes e as Emit does and reports whether every reader got it in
// its buffer: false when a reader's buffer was full (that reader counts the
// drop), or when there is no reader at all (none subscribed yet, or the bus
// closed). The ingest endpoint answers a client with it: an event no reader
// queued will never be shown.
func (b *Bus) Queue(e flow.Event) bool { return b.publish(flow.Redact(e)) }

// EmitRedacted publishes an event its sink already passed through
// flow.Redact, as the pipeline does before its tracker sees the event:
// redacting twice was a tenth of the pipeline's event cost.
func (b *Bus) EmitRedacted(e flow.Event) { b.publish(e) }

func (b *Bus) publish(e flow.Event) bool {
	e.Seq = b.seq.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	queued := len(b.subs) > 0
	for s := range b.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
			queued = false
		}
	}
	return queued
}

// Published is how many events have been published so far.
func (b *Bus) Published() uint64 { return b.seq.Load() }

// Close closes every subscription; later Emits are dropped.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		s.once.Do(func() { close(s.ch) })
		delete(b.subs, s)
	}
}
