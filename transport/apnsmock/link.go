package apnsmock

import (
	"strings"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/devicelink"
)

// Link is a device's persistent connection to APNs. Deliver must not block.
// A device linked over the network (Config.DeviceLinkAddr) is a socketLink;
// Connect attaches one in process (tests, the standalone mock's stand-in).
type Link interface {
	Deliver(p flow.Push)
}

// linkTable holds connected devices and, for offline ones, the one stored
// push per bundle id that APNs keeps.
type linkTable struct {
	mu      sync.Mutex
	links   map[string]Link
	stored  map[string]map[string]storedPush // token → bundle id → push
	offline map[string]bool                  // disconnected: NewDevice does not bring them back
	// downWhy says why a device whose link dropped is offline, for what
	// APNs stores for it meanwhile.
	downWhy map[string]string
	// known are the tokens of devices that linked: APNs knows them, for the
	// bundle ids their hello declared (none declared: any).
	known map[string][]string
	gone  goneList // the offline devices, so the longest gone can be forgotten (linkgone.go)
	// standIns are the tokens whose device is a stand-in, so the least
	// recently pushed to can be forgotten (linkgone.go).
	standIns goneList
}

func (t *linkTable) init() {
	t.links = map[string]Link{}
	t.stored = map[string]map[string]storedPush{}
	t.offline = map[string]bool{}
	t.downWhy = map[string]string{}
	t.known = map[string][]string{}
}

// Connect attaches a device; a push stored while it was offline is
// delivered now unless it expired. The returned func disconnects it.
func (s *Server) Connect(token string, l Link) (disconnect func()) {
	token = strings.ToLower(token)
	t := &s.links
	t.mu.Lock()
	t.links[token] = l
	delete(t.offline, token)
	delete(t.downWhy, token)
	t.back(token)
	pending := t.stored[token]
	delete(t.stored, token)
	t.mu.Unlock()
	for _, sp := range pending {
		p := sp.p
		rq := &request{apnsID: p.ApnsID, traceID: p.TraceID}
		if !p.Expiration.IsZero() && s.now().After(p.Expiration) {
			s.event(rq, "dropped", time.Now(), 0, map[string]string{"why": "expired while the device was offline"}, nil)
			continue
		}
		var stored string
		p.Forward, stored = s.storedFor(sp)
		s.hand(l, p, map[string]string{"after": "device reconnected", "stored": stored})
	}
	s.forwardReconnected(token) // forward.go: pushes held while it was offline
	return func() { s.disconnect(token, l) }
}

func (s *Server) disconnect(token string, l Link) {
	t := &s.links
	t.mu.Lock()
	if t.links[token] == l {
		delete(t.links, token)
		t.offline[token] = true
		s.left(token)
	}
	t.mu.Unlock()
}

// deliver hands an accepted push to its device, or stores it as APNs does:
// only the latest per bundle id, and nothing for apns-expiration 0.
func (s *Server) deliver(rq *request) {
	p := flow.Push{ApnsID: rq.apnsID, Token: strings.ToLower(rq.token), Topic: rq.topic, PushType: rq.pushType,
		Priority: rq.priority, Expiration: rq.expiration, CollapseID: rq.collapseID, Payload: rq.body,
		Accepted: time.Now(), TraceID: rq.traceID}
	if s.forwardHold(rq, &p) { // forward.go: the store-and-forward faults
		return
	}
	t := &s.links
	t.mu.Lock()
	l := t.links[p.Token]
	created := false
	if l == nil && s.cfg.NewDevice != nil && !t.offline[p.Token] {
		// A simulated device comes online the first time a push is sent to it.
		l = s.cfg.NewDevice(p.Token)
		t.links[p.Token] = l
		created = true
	}
	why := "device offline"
	if w := t.downWhy[p.Token]; w != "" {
		why += ": " + w
	}
	note := s.standInPushed(p.Token, created) // linkgone.go: the stand-ins are bounded
	t.mu.Unlock()
	if l == nil {
		s.store(p, why)
		return
	}
	s.hand(l, p, note)
}

// hand gives p to a connected device. Over a socket, "delivered" is emitted
// when the frame is written (linkWritten); a link that closed meanwhile
// leaves the push to the store.
func (s *Server) hand(l Link, p flow.Push, attrs map[string]string) {
	if sl, ok := l.(*socketLink); ok {
		s.enterClock(p.TraceID) // left when the device acks, or the link gives the push back
		if err := sl.c.Send(p); err != nil {
			s.leaveClock(p.TraceID)
			s.store(p, "the device link closed as the push was handed to it")
		}
		return
	}
	s.event(&request{apnsID: p.ApnsID, traceID: p.TraceID}, "delivered", time.Now(), 0, attrs, nil)
	l.Deliver(p)
}

// store keeps p for an offline device: one per bundle id, replacing the
// previous; apns-expiration 0 means now or never.
func (s *Server) store(p flow.Push, why string) {
	rq := &request{apnsID: p.ApnsID, traceID: p.TraceID}
	if !p.Expiration.IsZero() && p.Expiration.Unix() == 0 {
		s.event(rq, "dropped", time.Now(), 0, map[string]string{"why": why + " and apns-expiration 0: delivered once or not at all"}, nil)
		return
	}
	t := &s.links
	t.mu.Lock()
	if t.stored[p.Token] == nil {
		t.stored[p.Token] = map[string]storedPush{}
	}
	bundle := strings.TrimSuffix(p.Topic, pushTypes[p.PushType])
	old, replaced := t.stored[p.Token][bundle]
	t.stored[p.Token][bundle] = storedPush{p: p, at: s.now(), wall: time.Now()}
	t.mu.Unlock()
	if replaced {
		s.event(&request{apnsID: old.p.ApnsID, traceID: old.p.TraceID}, "replaced", time.Now(), 0,
			map[string]string{"by": p.ApnsID, "why": "APNs keeps one stored push per bundle id for an offline device"}, nil)
	}
	s.event(rq, "stored", time.Now(), 0, map[string]string{"why": why}, nil)
}

// storedPush is a push APNs keeps for an offline device, and when it
// stored it: by the mock's clock, and by the wall clock.
type storedPush struct {
	p        flow.Push
	at, wall time.Time
}

// storedFor is what the store did to a push delivered on reconnect: it adds
// the time stored to what the store-and-forward faults did before, so the
// device's clock and its diagnoses see where the time went. A mock clock
// that is not the wall clock (Config.Now) makes the time simulated: the
// part the wall clock did not see is Unseen, which the device adds. label
// says how long it was stored.
func (s *Server) storedFor(sp storedPush) (fw *flow.Forwarding, label string) {
	fw = &flow.Forwarding{}
	if sp.p.Forward != nil {
		*fw = *sp.p.Forward
	}
	held, wall := s.now().Sub(sp.at), time.Since(sp.wall)
	if fw.Fault == "" {
		fw.Fault = flow.FaultStoredOffline
	} else {
		fw.Fault += ", " + flow.FaultStoredOffline
	}
	fw.Held += held
	simulated := s.cfg.Now != nil
	if simulated {
		fw.Simulated = true
		fw.Unseen += max(held-wall, 0)
	}
	return fw, heldLabel(flow.Forwarding{Held: held, Simulated: simulated})
}

// deviceKind says whether APNs knows a token: listed in the configuration,
// or linked by a device since (a real token is known once its device has
// registered with APNs). topics are the bundle ids a linked token is for
// (nil: any, as for a listed token).
func (s *Server) deviceKind(tok string) (kind tokenKind, topics []string, known bool) {
	if k, ok := s.devices[tok]; ok {
		return k, nil, true
	}
	s.links.mu.Lock()
	defer s.links.mu.Unlock()
	if topics, ok := s.links.known[tok]; ok {
		return kindAny, topics, true
	}
	return 0, nil, false
}

// socketLink is a device linked over the network.
type socketLink struct{ c *devicelink.Conn }

// Deliver is never called: hand sends on the socket itself, and stores the
// push when the link has closed. It panics so that a path that forgets this
// fails loudly instead of losing the push.
func (l *socketLink) Deliver(flow.Push) {
	panic("apnsmock: socketLink.Deliver: use Server.hand")
}
