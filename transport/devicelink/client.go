package devicelink

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
)

// Receiver takes the pushes that arrive over the link (a simulated iPhone).
// Deliver must not block for long: the link reads the next push after it.
type Receiver interface {
	Deliver(p flow.Push)
}

// ClientConfig is the device's side of a link.
type ClientConfig struct {
	Addr       string         // the mock's device-link address, host:port
	RootCAs    *x509.CertPool // the mock's CA
	ServerName string         // "": the host of Addr
	// What the hello says.
	Token       string
	Topics      []string
	Environment string // the device's aps-environment; "": sandbox
	Device      string
	Receiver    Receiver
	// Reconnects wait MinBackoff, doubling up to MaxBackoff. Zero: 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// OnState hears every change of the link (nil: nobody listens). It runs
	// on the link's goroutine.
	OnState func(State)
	// Now stamps a push's arrival (nil: time.Now).
	Now func() time.Time
}

// State is the link going up or down.
type State struct {
	Up            bool
	Local, Remote net.Addr
	Stored        int           // up: pushes APNs held while the device was away
	Err           error         // down: why
	Retry         time.Duration // down: the next attempt is this far off
	Final         bool          // down for good: APNs refused the device, or Close
}

// RefusedError is APNs refusing the device's hello.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "APNs refused the device link: " + e.Reason }

// Client is a device's persistent link to APNs.
type Client struct {
	cfg    ClientConfig
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	conn *tls.Conn
}

func newClient(ctx context.Context, cfg ClientConfig) (*Client, error) {
	if cfg.Receiver == nil {
		return nil, errors.New("device link: no receiver")
	}
	if !ValidToken(cfg.Token) {
		return nil, fmt.Errorf("device link: token %q is not even-length hex", short(cfg.Token))
	}
	if cfg.Environment == "" {
		cfg.Environment = "sandbox"
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(cfg.MinBackoff, 5*time.Second)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("device link: address %q: %w", cfg.Addr, err)
		}
		cfg.ServerName = host
	}
	c := &Client{cfg: cfg, done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(ctx)
	return c, nil
}

// Dial links the device and returns once APNs welcomed it; the link then
// stays up, reconnecting with backoff when it drops, until Close or ctx ends.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	c, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	welcome, err := c.connect()
	if err != nil {
		c.cancel()
		return nil, err
	}
	go c.run(&welcome)
	return c, nil
}

// Start links the device in the background: it keeps trying (with backoff)
// until APNs welcomes it, and stays linked as Dial does.
func Start(ctx context.Context, cfg ClientConfig) (*Client, error) {
	c, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	go c.run(nil)
	return c, nil
}

// Close ends the link and stops reconnecting.
func (c *Client) Close() error {
	c.cancel()
	c.mu.Lock()
	if c.conn != nil {
		c.conn.NetConn().Close()
	}
	c.mu.Unlock()
	<-c.done
	return nil
}

// LocalAddr is the device's end of the current connection, nil when down.
func (c *Client) LocalAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	return c.conn.LocalAddr()
}

// connect dials, sends the hello and reads the welcome.
func (c *Client) connect() (Frame, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second},
		Config: &tls.Config{RootCAs: c.cfg.RootCAs, ServerName: c.cfg.ServerName, MinVersion: tls.VersionTLS13,
			NextProtos: []string{Protocol}}}
	nc, err := d.DialContext(c.ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return Frame{}, err
	}
	tc := nc.(*tls.Conn)
	if tc.ConnectionState().NegotiatedProtocol != Protocol {
		tc.Close()
		return Frame{}, fmt.Errorf("%s does not speak %s", c.cfg.Addr, Protocol)
	}
	c.mu.Lock()
	if c.ctx.Err() != nil {
		c.mu.Unlock()
		tc.Close()
		return Frame{}, c.ctx.Err()
	}
	c.conn = tc
	c.mu.Unlock()
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	hello := Frame{Type: TypeHello, Version: 1, Token: c.cfg.Token, Topics: c.cfg.Topics,
		Environment: c.cfg.Environment, Device: c.cfg.Device}
	if err := Write(tc, hello); err != nil {
		c.drop()
		return Frame{}, err
	}
	f, err := Read(tc)
	switch {
	case err != nil:
	case f.Type == TypeRefused:
		err = &RefusedError{Reason: f.Reason}
	case f.Type != TypeWelcome:
		err = frameErr("APNs answered the hello with %s", f.Type)
	}
	if err != nil {
		c.drop()
		return Frame{}, err
	}
	_ = tc.SetDeadline(time.Time{})
	return f, nil
}

func (c *Client) drop() {
	c.mu.Lock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	c.mu.Unlock()
}

// run keeps the device linked: it serves each connection until it drops,
// then reconnects after a backoff that doubles while attempts fail.
func (c *Client) run(welcome *Frame) {
	defer close(c.done)
	defer c.drop()
	wait := c.cfg.MinBackoff
	for {
		if welcome == nil {
			f, err := c.connect()
			if err != nil {
				var re *RefusedError
				final := errors.As(err, &re) || c.ctx.Err() != nil
				c.state(State{Err: err, Retry: wait, Final: final})
				if final || !c.sleep(wait) {
					return
				}
				wait = min(2*wait, c.cfg.MaxBackoff)
				continue
			}
			welcome = &f
		}
		wait = c.cfg.MinBackoff
		c.mu.Lock()
		tc := c.conn
		c.mu.Unlock()
		c.state(State{Up: true, Local: tc.LocalAddr(), Remote: tc.RemoteAddr(), Stored: welcome.Stored})
		welcome = nil
		err := c.serve(tc)
		c.drop()
		if c.ctx.Err() != nil {
			c.state(State{Err: errors.New("closed"), Final: true})
			return
		}
		c.state(State{Err: err, Retry: wait})
		if !c.sleep(wait) {
			return
		}
	}
}

func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func (c *Client) state(s State) {
	if c.cfg.OnState != nil {
		c.cfg.OnState(s)
	}
}

// serve reads pushes, hands each to the device and acknowledges it.
//
// Frames are read through a buffer, and the acks of the pushes that arrived
// together leave together once no more are buffered: one write (one TLS
// record, one syscall) for a burst, the same bytes as an ack per write, and
// no ack waits for anything but frames already read in whole.
func (c *Client) serve(tc *tls.Conn) error {
	r := bufio.NewReaderSize(tc, 16<<10)
	var acks bytes.Buffer
	for {
		f, err := Read(r)
		if err != nil {
			return err
		}
		if f.Type != TypePush {
			return frameErr("APNs sent %s on a linked connection, want push", f.Type)
		}
		p := f.Push(c.cfg.Token)
		p.Received = c.cfg.Now()
		c.cfg.Receiver.Deliver(p)
		if err := appendFrame(&acks, Frame{Type: TypeAck, Seq: f.Seq}); err != nil {
			return err
		}
		if whole(r) {
			continue
		}
		if _, err := tc.Write(acks.Bytes()); err != nil {
			return err
		}
		acks.Reset()
	}
}

// whole reports whether a whole next frame is already buffered in r, so
// reading it cannot wait on the network.
func whole(r *bufio.Reader) bool {
	if r.Buffered() < 4 {
		return false
	}
	hdr, err := r.Peek(4)
	if err != nil {
		return false
	}
	return r.Buffered() >= 4+int(binary.BigEndian.Uint32(hdr))
}
