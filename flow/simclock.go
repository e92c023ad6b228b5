package flow

import (
	"container/heap"
	"context"
	"math"
	"sync"
	"time"
)

// Forever is a simulated wait with no end of its own: only ctx ends it (a
// call ringing with no ring limit, waiting for the screen's a or d).
const Forever time.Duration = math.MaxInt64

// Participants is a clock that must know who is working on a request: a
// SimClock moves a request's simulated time on only when everyone working on
// it is waiting.
type Participants interface {
	// Enter marks one unit of simulated-device work for the trace as running.
	Enter(traceID string)
	// Leave marks it finished.
	Leave(traceID string)
}

type traceKey struct{}

// WithTrace tags ctx with the request a simulated wait belongs to.
func WithTrace(ctx context.Context, traceID string) context.Context {
	return context.WithValue(ctx, traceKey{}, traceID)
}

func traceOf(ctx context.Context) string {
	s, _ := ctx.Value(traceKey{}).(string)
	return s
}

// SimClock is a virtual clock that keeps simulated time in order within each
// request. A wait costs no wall time, but it ends only when every unit of work
// on its request (Enter … Leave) is itself waiting, and then the earliest
// deadline goes first, alone. So when an iPhone answers after 2 s and an iPad
// would ring out after 60 s, the iPhone acts first and the iPad hears about
// it, whatever the goroutine scheduler does. Requests are independent: a busy
// load run keeps its parallelism.
type SimClock struct {
	mu     sync.Mutex
	groups map[string]*simGroup
}

// NewSimClock returns a clock with no requests in flight.
func NewSimClock() *SimClock { return &SimClock{groups: map[string]*simGroup{}} }

type simGroup struct {
	now      time.Duration // simulated time since the request's first wait
	active   int
	sleepers sleeperHeap
	seq      uint64
}

type sleeper struct {
	deadline time.Duration
	seq      uint64        // ties go in the order the waits began
	woken    chan struct{} // one wake-up (buffered 1): the sleeper is reused
	index    int
}

// Virtual is true: simulated waits cost no wall time.
func (*SimClock) Virtual() bool { return true }

func (c *SimClock) group(id string) *simGroup {
	g := c.groups[id]
	if g == nil {
		g = &simGroup{}
		c.groups[id] = g
	}
	return g
}

// Enter implements Participants.
func (c *SimClock) Enter(traceID string) {
	c.mu.Lock()
	c.group(traceID).active++
	c.mu.Unlock()
}

// Leave implements Participants.
func (c *SimClock) Leave(traceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(traceID)
	g.active--
	c.advance(traceID, g)
}

// Sleep waits until d of the request's simulated time has passed. A wait on a
// ctx without a trace (WithTrace) ends at once, as VirtualClock's does.
func (c *SimClock) Sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	id := traceOf(ctx)
	if id == "" {
		if d == Forever {
			<-ctx.Done()
		}
		return 0, ctx.Err()
	}
	c.mu.Lock()
	g := c.group(id)
	deadline := Forever
	if d != Forever {
		deadline = g.now + max(d, 0)
	}
	g.seq++
	s := sleepers.Get().(*sleeper)
	s.deadline, s.seq = deadline, g.seq
	heap.Push(&g.sleepers, s)
	c.advance(id, g)
	c.mu.Unlock()
	select {
	case <-s.woken:
		sleepers.Put(s)
		return 0, nil
	case <-ctx.Done():
		c.mu.Lock()
		select {
		case <-s.woken:
			// Woken as ctx ended: the time moved; let the next one go when
			// this unit waits again or leaves.
		default:
			heap.Remove(&g.sleepers, s.index)
			c.advance(id, g)
		}
		c.mu.Unlock()
		sleepers.Put(s) // out of the heap, its wake-up taken or never sent
		return 0, ctx.Err()
	}
}

// sleepers are waits done, kept for the next: a request waits a few times
// (launch, answer, fulfil), and each wait was a sleeper and a channel. A
// sleeper is put back only once it has left the heap and its wake-up, if
// one was sent, was received: its channel is empty again.
var sleepers = sync.Pool{New: func() any { return &sleeper{woken: make(chan struct{}, 1)} }}

// advance wakes the earliest sleeper of g when nobody on the request is
// running. c.mu is held.
func (c *SimClock) advance(id string, g *simGroup) {
	if g.active <= 0 && len(g.sleepers) == 0 {
		delete(c.groups, id)
		return
	}
	if len(g.sleepers) == 0 || len(g.sleepers) < g.active {
		return
	}
	next := g.sleepers[0]
	if next.deadline == Forever {
		return // only waits for a person are left
	}
	heap.Pop(&g.sleepers)
	g.now = next.deadline
	next.woken <- struct{}{} // room for one: each wait is woken once
}

// sleeperHeap orders waits by deadline, then by when they began.
type sleeperHeap []*sleeper

func (h sleeperHeap) Len() int { return len(h) }
func (h sleeperHeap) Less(i, j int) bool {
	if h[i].deadline != h[j].deadline {
		return h[i].deadline < h[j].deadline
	}
	return h[i].seq < h[j].seq
}
func (h sleeperHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *sleeperHeap) Push(x any) {
	s := x.(*sleeper)
	s.index = len(*h)
	*h = append(*h, s)
}
func (h *sleeperHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
