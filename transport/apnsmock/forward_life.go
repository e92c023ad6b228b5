package apnsmock

import (
	"context"
	"time"

	"github.com/callscope/callscope/flow"
)

// The store-and-forward engine's bookkeeping: what Settle waits for, the
// simulated clock's participants, and shutting down.

// forwardDrop ends a push the mock held when it shut down.
func (s *Server) forwardDrop(h *held) {
	s.event(h.rq, "dropped", time.Now(), 0, map[string]string{"why": "the mock shut down while holding it"}, nil)
	s.fwd.inEngine.Add(-1)
	s.uncount(h)
}

// count marks h as held by a timer: Settle waits for it and a simulated
// clock counts the mock as working on its request. f.mu is held.
func (s *Server) count(h *held) {
	if h.counted {
		return
	}
	h.counted = true
	s.fwd.pending++
	if pc, ok := s.cfg.Clock.(flow.Participants); ok {
		pc.Enter(h.rq.traceID)
	}
}

func (s *Server) uncount(h *held) {
	f := &s.fwd
	f.mu.Lock()
	defer f.mu.Unlock()
	if !h.counted {
		return
	}
	h.counted = false
	f.leave()
	if pc, ok := s.cfg.Clock.(flow.Participants); ok {
		pc.Leave(h.rq.traceID)
	}
}

// leave ends one thing Settle waits for. f.mu is held.
func (f *forwarder) leave() {
	f.pending--
	if f.pending == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// Settle waits until the store-and-forward faults hold no push that a timer
// will release, or ctx ends. Pushes kept for an offline device wait for it.
func (s *Server) Settle(ctx context.Context) error {
	f := &s.fwd
	f.mu.Lock()
	if f.pending == 0 {
		f.mu.Unlock()
		return nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	ch := f.idle
	f.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeForward stops the engine: what it still holds is dropped, each with
// an event.
func (s *Server) closeForward() {
	f := &s.fwd
	f.mu.Lock()
	f.lazyInit()
	f.closed = true
	f.cancel()
	var drop []*held
	for _, dev := range f.devices {
		if dev.timer != nil && dev.timer.Stop() {
			f.wg.Done()
		}
		drop = append(drop, dev.group...)
		for _, h := range dev.offline {
			drop = append(drop, h)
		}
		dev.group, dev.offline, dev.timer = nil, map[string]*held{}, nil
	}
	f.mu.Unlock()
	for _, h := range drop {
		s.forwardDrop(h)
	}
	f.wg.Wait()
}
