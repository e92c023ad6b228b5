package devicelink

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
)

// ErrClosed is Send on a link that has closed: the push was not taken, and
// the caller keeps it (APNs stores it for the offline device).
var ErrClosed = errors.New("device link closed")

// ServerConfig is what the mock plugs into the listener.
type ServerConfig struct {
	// Certificates serve TLS (the mock's certificate, signed by its CA).
	Certificates []tls.Certificate
	// Accept decides a hello: a non-nil error refuses the device with its
	// text as the reason.
	Accept func(hello Frame, remote net.Addr) error
	// Linked runs once the welcome is queued; pushes sent from here on
	// follow it, in order (stored pushes first).
	Linked func(c *Conn)
	// Written runs after a push frame was written to the socket: for the
	// mock, the push is delivered.
	Written func(c *Conn, p flow.Push, at time.Time)
	// Acked runs when the device acknowledged a push: it has taken it.
	Acked func(c *Conn, p flow.Push)
	// Closed runs once when a linked device's connection ends, with the
	// pushes the device never acknowledged (queued or written), in order.
	Closed func(c *Conn, unacked []flow.Push, err error)
	// HandshakeTimeout bounds TLS and the hello. Zero: 10 s.
	HandshakeTimeout time.Duration
}

// Server accepts device links.
type Server struct {
	cfg ServerConfig
	ln  net.Listener
	tls *tls.Config

	mu      sync.Mutex
	conns   map[*Conn]bool
	raw     map[net.Conn]bool // every accepted socket, linked or still in its handshake
	closed  bool
	pending int             // pushes sent and not yet acknowledged or given back
	idle    []chan struct{} // closed when pending drops to zero
	wg      sync.WaitGroup
}

// Listen starts accepting device links on addr (TLS 1.3, ALPN Protocol).
func Listen(addr string, cfg ServerConfig) (*Server, error) {
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ln: ln, conns: map[*Conn]bool{}, raw: map[net.Conn]bool{}, tls: &tls.Config{
		Certificates: cfg.Certificates,
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{Protocol},
	}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.raw[nc] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.raw, nc)
				s.mu.Unlock()
			}()
			s.serve(nc)
		}()
	}
}

// serve runs one link: handshake, hello, then a writer and this reader.
func (s *Server) serve(nc net.Conn) {
	tc := tls.Server(nc, s.tls)
	_ = tc.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	if err := tc.Handshake(); err != nil || tc.ConnectionState().NegotiatedProtocol != Protocol {
		nc.Close()
		return
	}
	hello, err := Read(tc)
	if err == nil && hello.Type != TypeHello {
		err = frameErr("first frame is %s, want hello", hello.Type)
	}
	if err != nil {
		var fe *FrameError
		if errors.As(err, &fe) {
			_ = Write(tc, Frame{Type: TypeRefused, Reason: fe.Msg})
		}
		nc.Close()
		return
	}
	if s.cfg.Accept != nil {
		if err := s.cfg.Accept(hello, nc.RemoteAddr()); err != nil {
			_ = Write(tc, Frame{Type: TypeRefused, Reason: err.Error()})
			nc.Close()
			return
		}
	}
	_ = tc.SetDeadline(time.Time{})
	c := &Conn{s: s, tc: tc, hello: hello, remote: tc.RemoteAddr().String(), wake: make(chan struct{}, 1), done: make(chan struct{}), sent: map[uint64]flow.Push{}}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[c] = true
	s.mu.Unlock()
	c.queue = append(c.queue, item{frame: Frame{Type: TypeWelcome}})
	if s.cfg.Linked != nil {
		s.cfg.Linked(c)
	}
	c.mu.Lock()
	c.queue[0].frame.Stored = len(c.queue) - 1
	c.mu.Unlock()
	go c.writeLoop()
	err = c.readLoop()
	c.close(err)
}

// Idle waits until every push sent on any link was acknowledged by its
// device or given back on close, or ctx ends.
func (s *Server) Idle(ctx context.Context) error {
	s.mu.Lock()
	if s.pending == 0 {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.idle = append(s.idle, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) addPending(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending += n
	if s.pending == 0 {
		for _, ch := range s.idle {
			close(ch)
		}
		s.idle = nil
	}
}

// Links is how many devices are linked now.
func (s *Server) Links() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops listening and ends every link; each gives back its
// unacknowledged pushes through Closed.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	raw := make([]net.Conn, 0, len(s.raw))
	for nc := range s.raw {
		raw = append(raw, nc)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	for _, nc := range raw {
		nc.Close() // a linked device's reader then gives its pushes back
	}
	s.wg.Wait()
	return err
}

// Conn is one linked device, as the server sees it.
type Conn struct {
	s     *Server
	tc    *tls.Conn
	hello Frame
	// remote is RemoteAddr's text, formatted once: the mock names the
	// link on every push it delivers.
	remote string

	mu     sync.Mutex
	queue  []item               // frames not yet written
	sent   map[uint64]flow.Push // written, not yet acknowledged
	seq    uint64
	closed bool
	wake   chan struct{}
	done   chan struct{} // closed when the link has ended
}

type item struct {
	frame Frame
	push  flow.Push
}

// Hello is what the device said when it linked.
func (c *Conn) Hello() Frame { return c.hello }

// RemoteAddr is the device's end of the link.
func (c *Conn) RemoteAddr() net.Addr { return c.tc.RemoteAddr() }

// Remote is RemoteAddr().String(), without formatting it again.
func (c *Conn) Remote() string { return c.remote }

// Send queues p for the device and returns at once; frames go out in the
// order sent. On a closed link it returns ErrClosed and keeps nothing.
func (c *Conn) Send(p flow.Push) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.seq++
	// Counted before the writer can see it: an ack may otherwise come back
	// first and Idle report the link idle with this push still queued.
	c.s.addPending(1)
	c.queue = append(c.queue, item{frame: PushFrame(c.seq, p), push: p})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close ends the link from the server's side.
func (c *Conn) Close() { c.tc.NetConn().Close() }

func (c *Conn) writeLoop() {
	var buf bytes.Buffer
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		for _, it := range batch {
			if it.frame.Type == TypePush {
				c.sent[it.frame.Seq] = it.push
			}
		}
		c.mu.Unlock()
		if len(batch) > 0 {
			// The whole batch in one write: one TLS record and one
			// syscall for what queued while the last write ran, the same
			// bytes on the wire as a write per frame.
			buf.Reset()
			for i := range batch {
				it := &batch[i]
				if it.frame.Type == TypePush {
					it.frame.Sent = time.Now()
				}
				if err := appendFrame(&buf, it.frame); err != nil {
					c.tc.NetConn().Close() // the reader ends and gives the pushes back
					return
				}
			}
			if _, err := c.tc.Write(buf.Bytes()); err != nil {
				c.tc.NetConn().Close()
				return
			}
			if buf.Cap() > 1<<20 {
				buf = bytes.Buffer{} // a burst's buffer is not kept for good
			}
			for i := range batch {
				if it := &batch[i]; it.frame.Type == TypePush && c.s.cfg.Written != nil {
					c.s.cfg.Written(c, it.push, it.frame.Sent)
				}
			}
			continue
		}
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
	}
}

// readLoop takes acks until the link ends.
func (c *Conn) readLoop() error {
	for {
		f, err := Read(c.tc)
		if err != nil {
			return err
		}
		if f.Type != TypeAck {
			return frameErr("device sent %s, want ack", f.Type)
		}
		c.mu.Lock()
		p, ok := c.sent[f.Seq]
		delete(c.sent, f.Seq)
		c.mu.Unlock()
		if ok {
			if c.s.cfg.Acked != nil {
				c.s.cfg.Acked(c, p)
			}
			c.s.addPending(-1)
		}
	}
}

// close ends the link once and gives back what the device never acknowledged.
func (c *Conn) close(err error) {
	c.mu.Lock()
	c.closed = true
	seqs := make([]uint64, 0, len(c.sent))
	for q := range c.sent {
		seqs = append(seqs, q)
	}
	unacked := make([]flow.Push, 0, len(c.sent)+len(c.queue))
	slices.Sort(seqs)
	for _, q := range seqs {
		unacked = append(unacked, c.sent[q])
	}
	for _, it := range c.queue {
		if it.frame.Type == TypePush {
			unacked = append(unacked, it.push)
		}
	}
	c.sent, c.queue = nil, nil
	c.mu.Unlock()
	close(c.done)
	c.tc.NetConn().Close()
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
	if c.s.cfg.Closed != nil {
		c.s.cfg.Closed(c, unacked, err)
	}
	if len(unacked) > 0 {
		c.s.addPending(-len(unacked))
	}
}
