package apnsmock

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
)

// forwarder is the store-and-forward engine between "accepted" and a
// device's link: per device token, pushes held while the device is offline
// (--hold-while-offline), a delay queue (--delay) and a reorder group
// (--reorder), in that order. A push leaves through deliver, which hands it
// to the link as it would have at once. Its zero value is ready.
type forwarder struct {
	mu      sync.Mutex
	seq     uint64
	devices map[string]*fwdDevice
	passing map[*request]*held // released pushes on their way through deliver
	// inEngine counts pushes held or on their way out, so that deliver's
	// hook can skip the lock when there is nothing to do.
	inEngine atomic.Int64
	pending  int           // pushes a timer will release (delay, reorder), and running delay workers
	idle     chan struct{} // closed when pending drops to zero
	closed   bool
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// held is one push in the engine.
type held struct {
	rq                      *request
	token, pushType, bundle string
	expZero                 bool
	seq                     uint64
	accepted                time.Time
	stageAt                 time.Time // when it entered its current hold
	step                    fwdStep
	delay                   time.Duration
	fw                      flow.Forwarding
	counted                 bool // in pending, and a participant of the trace on a simulated clock
}

type fwdStep uint8

const (
	stepOffline fwdStep = iota
	stepDelay
	stepReorder
	stepOut
)

// fwdDevice is one device token's queues.
type fwdDevice struct {
	token    string
	delayQ   []*held
	delaying bool
	group    []*held
	groupN   int
	groupGen uint64
	timer    *time.Timer
	offline  map[string]*held // bundle id → the push kept while the device is offline
}

func (f *forwarder) lazyInit() {
	if f.devices == nil {
		f.devices = map[string]*fwdDevice{}
		f.passing = map[*request]*held{}
		f.ctx, f.cancel = context.WithCancel(context.Background())
	}
}

func (f *forwarder) device(token string) *fwdDevice {
	d := f.devices[token]
	if d == nil {
		d = &fwdDevice{token: token, offline: map[string]*held{}}
		f.devices[token] = d
	}
	return d
}

// prune forgets a device that holds nothing: a long-running mock sees
// endless tokens, and an idle one has no state worth keeping (a later push
// starts it afresh). A worker or window timer still running on d finds
// nothing left to do. f.mu is held.
func (f *forwarder) prune(d *fwdDevice) {
	if len(d.delayQ) == 0 && !d.delaying && len(d.group) == 0 && d.timer == nil && len(d.offline) == 0 &&
		f.devices[d.token] == d {
		delete(f.devices, d.token)
	}
}

// forwardHold is deliver's one hook: it reports whether the store-and-forward
// faults hold the push. A released push comes back through deliver, and then
// p gets its acceptance time and what was done to it.
func (s *Server) forwardHold(rq *request, p *flow.Push) bool {
	f := &s.fwd
	if f.inEngine.Load() == 0 && s.currentFaults().Forward.Empty() {
		return false // no faults, nothing held: the common case takes no lock
	}
	f.mu.Lock()
	f.lazyInit()
	h := f.passing[rq]
	delete(f.passing, rq)
	if h == nil {
		f.seq++
	}
	seq := f.seq
	f.mu.Unlock()
	if h != nil {
		p.Accepted = h.accepted
		if h.fw.Fault != "" {
			fw := h.fw
			p.Forward = &fw
		}
		return false
	}
	if s.currentFaults().Forward.Empty() {
		return false
	}
	h = &held{rq: rq, token: p.Token, pushType: p.PushType, bundle: strings.TrimSuffix(p.Topic, pushTypes[p.PushType]),
		expZero: !p.Expiration.IsZero() && p.Expiration.Unix() == 0, seq: seq, accepted: p.Accepted}
	f.inEngine.Add(1)
	if !s.forwardFrom(h) {
		f.inEngine.Add(-1)
		return false
	}
	return true
}

// forwardFrom walks h through the holds from its step on. It reports whether
// one took it; false means it goes out now (the caller delivers it).
func (s *Server) forwardFrom(h *held) bool {
	fw := s.currentFaults().Forward
	f := &s.fwd
	for ; h.step < stepOut; h.step++ {
		switch h.step {
		case stepOffline:
			if h.expZero && fw.holdsOffline(h.token, h.pushType) && s.holdOffline(h) {
				return true
			}
		case stepDelay:
			if d := fw.delayFor(h.token, h.pushType); d > 0 {
				h.delay = d
				f.mu.Lock()
				if f.closed {
					f.mu.Unlock()
					return false
				}
				s.count(h)
				dev := f.device(h.token)
				h.stageAt = time.Now()
				dev.delayQ = append(dev.delayQ, h)
				start := !dev.delaying
				if start {
					dev.delaying = true
					f.wg.Add(1)
					f.pending++ // Settle also waits for the worker to forget the device
				}
				f.mu.Unlock()
				s.event(h.rq, "held", h.stageAt, 0, map[string]string{"fault": "delay " + d.String(),
					"why": "injected store-and-forward delay: APNs holds this push " + d.String() + " before delivering it"}, nil)
				if start {
					go s.delayWorker(dev)
				}
				return true
			}
		case stepReorder:
			if n := fw.reorderFor(h.token, h.pushType); n >= 2 {
				s.joinGroup(h, n, fw.window())
				return true
			}
		}
	}
	return false
}

// holdOffline keeps an apns-expiration 0 push for an offline device. The
// device's state is read under the link table's lock so that a Connect in
// between cannot miss it.
func (s *Server) holdOffline(h *held) bool {
	t := &s.links
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.links[h.token] != nil || !t.offline[h.token] && s.cfg.NewDevice != nil {
		return false // online, or a simulated device comes up for it
	}
	f := &s.fwd
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return false
	}
	dev := f.device(h.token)
	old := dev.offline[h.bundle]
	h.stageAt = time.Now()
	dev.offline[h.bundle] = h
	f.mu.Unlock()
	if old != nil {
		f.inEngine.Add(-1) // it never leaves
		s.event(old.rq, "replaced", time.Now(), 0, map[string]string{"by": h.rq.apnsID,
			"why": "APNs keeps one stored push per bundle id for an offline device"}, nil)
	}
	s.event(h.rq, "held", h.stageAt, 0, map[string]string{"fault": "hold-while-offline",
		"why": "device offline and apns-expiration 0, which asks APNs not to store it; APNs was seen to keep such pushes and deliver them after the device came back"}, nil)
	return true
}

// forwardReconnected is Connect's hook: what was held for the offline device
// goes on its way, oldest first.
func (s *Server) forwardReconnected(token string) {
	f := &s.fwd
	f.mu.Lock()
	dev := f.devices[token]
	var hs []*held
	if dev != nil {
		for _, h := range dev.offline {
			hs = append(hs, h)
		}
		clear(dev.offline)
		f.prune(dev)
	}
	f.mu.Unlock()
	sort.Slice(hs, func(i, j int) bool { return hs[i].seq < hs[j].seq })
	for _, h := range hs {
		s.released(h, "hold-while-offline", time.Since(h.stageAt), 0, false, map[string]string{"after": "device reconnected"})
		h.step = stepDelay
		if !s.forwardFrom(h) {
			s.release(h)
		}
	}
}

// delayWorker releases one device's delayed pushes in the order they came.
func (s *Server) delayWorker(dev *fwdDevice) {
	f := &s.fwd
	defer f.wg.Done()
	for {
		f.mu.Lock()
		if len(dev.delayQ) == 0 || f.closed {
			rest := dev.delayQ
			dev.delayQ, dev.delaying = nil, false
			f.prune(dev)
			f.leave()
			f.mu.Unlock()
			for _, h := range rest {
				s.forwardDrop(h)
			}
			return
		}
		h := dev.delayQ[0]
		dev.delayQ = dev.delayQ[1:]
		f.mu.Unlock()
		held, waited, simulated, err := s.wait(h)
		if err != nil {
			s.forwardDrop(h)
			continue
		}
		s.released(h, "delay "+h.delay.String(), held, waited, simulated, nil)
		h.step = stepReorder
		if !s.forwardFrom(h) {
			s.release(h)
		}
	}
}

// wait holds h for its delay: on the configured clock (simulated time, in
// the request's own order), or else on the wall clock (measured), counting
// the time it already spent queued.
func (s *Server) wait(h *held) (held, waited time.Duration, simulated bool, err error) {
	ctx := s.fwd.ctx
	if c := s.cfg.Clock; c != nil {
		waited, err = c.Sleep(flow.WithTrace(ctx, h.rq.traceID), h.delay)
		return h.delay, waited, true, err
	}
	t := time.NewTimer(h.delay - time.Since(h.stageAt))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return 0, 0, false, ctx.Err()
	}
	return time.Since(h.stageAt), 0, false, nil
}

// joinGroup adds h to its device's reorder group; a full group goes out
// newest first, and so does a partial one when its window ends.
func (s *Server) joinGroup(h *held, n int, window time.Duration) {
	f := &s.fwd
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		s.release(h)
		return
	}
	s.count(h)
	dev := f.device(h.token)
	h.stageAt = time.Now()
	dev.group = append(dev.group, h)
	if len(dev.group) == 1 {
		dev.groupN = n
		dev.groupGen++
		gen := dev.groupGen
		f.wg.Add(1)
		dev.timer = time.AfterFunc(window, func() {
			defer f.wg.Done()
			s.flushGroup(dev, gen)
		})
	}
	full := len(dev.group) >= dev.groupN
	have, want := len(dev.group), dev.groupN
	f.mu.Unlock()
	s.event(h.rq, "held", h.stageAt, 0, map[string]string{"fault": "reorder " + strconv.Itoa(n),
		"why": "injected reorder: push " + strconv.Itoa(have) + " of a group of " + strconv.Itoa(want) + " to this device, delivered newest first"}, nil)
	if full {
		s.flushGroup(dev, 0)
	}
}

// flushGroup sends a device's reorder group newest first. gen is the
// window timer's group (0: whatever group is there, now full).
func (s *Server) flushGroup(dev *fwdDevice, gen uint64) {
	f := &s.fwd
	f.mu.Lock()
	if gen != 0 && gen != dev.groupGen || len(dev.group) == 0 {
		f.mu.Unlock()
		return
	}
	group := dev.group
	dev.group = nil
	if gen == 0 && dev.timer != nil && dev.timer.Stop() {
		f.wg.Done() // its func will not run
	}
	dev.timer = nil
	fault := "reorder " + strconv.Itoa(dev.groupN)
	f.prune(dev)
	f.mu.Unlock()
	sort.Slice(group, func(i, j int) bool { return group[i].seq > group[j].seq })
	for i, h := range group {
		if i > 0 {
			h.fw.Overtaken, h.fw.OvertakenBy = i, group[0].rq.apnsID
			s.event(h.rq, "reordered", time.Now(), 0, map[string]string{"fault": fault,
				"delivered": strconv.Itoa(i+1) + " of " + strconv.Itoa(len(group)), "after": group[0].rq.apnsID,
				"why": "APNs delivers this group to the device newest first: " + strconv.Itoa(i) + " newer push(es) go before this one"}, nil)
		}
		s.released(h, fault, time.Since(h.stageAt), 0, false, nil)
	}
	for _, h := range group {
		h.step = stepOut
		s.release(h)
	}
}

// released records a hold's end on the push and in an event.
func (s *Server) released(h *held, fault string, d, waited time.Duration, simulated bool, attrs map[string]string) {
	fw := &h.fw
	if fw.Fault == "" {
		fw.Fault = fault
	} else if !strings.Contains(fw.Fault, fault) {
		fw.Fault += ", " + fault
	}
	fw.Held += d
	if simulated {
		fw.Simulated = true
		fw.Unseen += max(d-waited, 0)
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["fault"] = fault
	attrs["held"] = heldLabel(flow.Forwarding{Held: d, Simulated: simulated})
	s.sink.Emit(flow.Event{TraceID: h.rq.traceID, ApnsID: h.rq.apnsID, Stage: flow.StageAPNs, Name: "released",
		Time: h.stageAt, Duration: d, Simulated: simulated, Waited: waited, Attrs: attrs})
}

// release hands h to deliver, which gives it to the device's link (or stores
// it, if the device went offline meanwhile).
func (s *Server) release(h *held) {
	f := &s.fwd
	f.mu.Lock()
	f.passing[h.rq] = h
	f.mu.Unlock()
	s.deliver(h.rq)
	f.inEngine.Add(-1) // before uncount: Settle returns on uncount
	s.uncount(h)
}
