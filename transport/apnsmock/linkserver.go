package apnsmock

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/devicelink"
)

// LinkState is a device linking to the mock or leaving it, for logs.
type LinkState struct {
	Token, Device, Remote string
	Topics                []string
	Up                    bool
	Why                   string // down: why the link ended; refused: the reason
	Refused               bool
}

// listenDevices opens the device-link listener: simulated iPhones (the
// embedded pipeline's, or callscope device processes) keep one TLS
// connection here and receive their pushes over it.
func (s *Server) listenDevices(cert tls.Certificate) error {
	dl, err := devicelink.Listen(s.cfg.DeviceLinkAddr, devicelink.ServerConfig{
		Certificates: []tls.Certificate{cert},
		Accept:       s.linkAccept,
		Linked:       s.linkUp,
		Written:      s.linkWritten,
		Acked:        func(_ *devicelink.Conn, p flow.Push) { s.leaveClock(p.TraceID) },
		Closed:       s.linkDown,
	})
	if err != nil {
		return fmt.Errorf("device link: listen %s: %w", s.cfg.DeviceLinkAddr, err)
	}
	s.dl = dl
	return nil
}

// DeviceLinkAddr is where devices link, nil when the mock has no listener.
func (s *Server) DeviceLinkAddr() net.Addr {
	if s.dl == nil {
		return nil
	}
	return s.dl.Addr()
}

// DeviceLinks is how many devices are linked over the network now.
func (s *Server) DeviceLinks() int {
	if s.dl == nil {
		return 0
	}
	return s.dl.Links()
}

// WaitDelivered waits until every push written to a device link was
// acknowledged by its device (or went back to the store), or ctx ends. A
// 200 only means accepted: this is how a run knows delivery is over.
func (s *Server) WaitDelivered(ctx context.Context) error {
	if s.dl == nil {
		return nil
	}
	return s.dl.Idle(ctx)
}

// linkAccept refuses a device of the other environment: it holds the other
// APNs's token and links there.
func (s *Server) linkAccept(h devicelink.Frame, remote net.Addr) error {
	if h.Environment != "" && h.Environment != s.cfg.Environment {
		err := fmt.Errorf("the device's aps-environment is %s; this APNs is %s", h.Environment, s.cfg.Environment)
		s.logLink(LinkState{Token: h.Token, Device: h.Device, Remote: remote.String(), Refused: true, Why: err.Error()})
		return err
	}
	return nil
}

func (s *Server) linkUp(c *devicelink.Conn) {
	h := c.Hello()
	tok := strings.ToLower(h.Token)
	s.links.mu.Lock()
	s.links.known[tok] = append([]string{}, h.Topics...)
	s.links.mu.Unlock()
	// Logged before Connect: what the link brings (stored and held pushes)
	// follows it in the log.
	s.logLink(LinkState{Token: tok, Device: h.Device, Remote: c.RemoteAddr().String(), Topics: h.Topics, Up: true})
	s.Connect(tok, &socketLink{c: c})
}

// linkWritten is the mock's "delivered": the push is on the wire to its
// device. The device's push-received is when it read it.
func (s *Server) linkWritten(c *devicelink.Conn, p flow.Push, at time.Time) {
	s.event(&request{apnsID: p.ApnsID, traceID: p.TraceID}, "delivered", at, 0,
		map[string]string{"link": "tls " + c.Remote()}, nil)
}

// linkDown takes the device offline and stores what it never acknowledged,
// as APNs keeps a push it could not deliver.
func (s *Server) linkDown(c *devicelink.Conn, unacked []flow.Push, err error) {
	tok := strings.ToLower(c.Hello().Token)
	why := "closed"
	if err != nil {
		why = err.Error()
	}
	t := &s.links
	t.mu.Lock()
	if sl, ok := t.links[tok].(*socketLink); ok && sl.c == c {
		delete(t.links, tok)
		t.offline[tok] = true
		t.downWhy[tok] = "its connection to APNs (tls " + c.RemoteAddr().String() + ") dropped at " +
			time.Now().Format("15:04:05.000") + " (" + why + ")"
		s.left(tok)
	}
	t.mu.Unlock()
	for _, p := range unacked {
		s.leaveClock(p.TraceID)
		s.store(p, "the device link closed before the device acknowledged the push")
	}
	s.logLink(LinkState{Token: tok, Device: c.Hello().Device, Remote: c.RemoteAddr().String(), Why: why})
}

// enterClock and leaveClock tell a clock that orders simulated time
// (flow.SimClock, shared with the embedded pipeline's devices) that a push is
// on its way over a device link, from queued until the device has taken it.
// Without them a second device could run its simulated waits alone while the
// first device's push is still on the wire, and ring out before the first
// device answers.
func (s *Server) enterClock(traceID string) {
	if pc, ok := s.cfg.Clock.(flow.Participants); ok {
		pc.Enter(traceID)
	}
}

func (s *Server) leaveClock(traceID string) {
	if pc, ok := s.cfg.Clock.(flow.Participants); ok {
		pc.Leave(traceID)
	}
}

func (s *Server) logLink(st LinkState) {
	if s.cfg.OnLink != nil {
		s.cfg.OnLink(st)
	}
}
