package main

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// Issue 10, item 1: no connection holds the mock's resources past a
// deadline by going quiet: not before it is an HTTP/2 connection, not in the
// middle of a frame, not with a stream it never finishes.

// mockHandshakeDeadline is how long the mock waits for a client to get from
// accept through the TLS handshake, the preface and its SETTINGS, and for
// the rest of a frame whose header it has read: the default of mock-apns
// --read-timeout. A test waits that long plus graceSlack for the close: a
// deadline, not a sleep.
const (
	mockHandshakeDeadline = 10 * time.Second
	graceSlack            = 5 * time.Second
)

// TestH2HandshakeDeadline: a connection that stalls before it is an HTTP/2
// connection, or in the middle of a frame, is closed by the mock within its
// handshake deadline; it is not held for --idle-timeout (an hour by default).
func TestH2HandshakeDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the mock binary and waits out its handshake deadline")
	}
	t.Parallel() // waits, mostly
	addr := startPlainMock(t).addr
	want := "want a close within the mock's " + mockHandshakeDeadline.String() + " handshake deadline"
	waitStalls(t, mockHandshakeDeadline+graceSlack, want, []stall{
		{"TCP, no TLS handshake", func() (waiter, error) {
			nc, err := net.Dial("tcp", addr)
			return tcpWaiter{nc}, err
		}},
		{"TLS, no preface", func() (waiter, error) { return dialH2(addr) }},
		{"preface, no SETTINGS", func() (waiter, error) {
			c, err := dialH2(addr)
			if err == nil {
				err = c.preface(false)
			}
			return c, err
		}},
		{"SETTINGS, then 16 bytes of a 1,000-byte HEADERS frame", func() (waiter, error) {
			c, err := idleConn(addr)
			if err == nil {
				err = c.announce(http2.FrameHeaders, 1000)
			}
			return c, err
		}},
	})
}

// TestH2HalfOpenStreamIdle: --idle-timeout closes a connection whose only
// stream stalled (HEADERS without END_STREAM, and then nothing) as it closes
// one with no stream at all; the stalled stream does not keep it open.
func TestH2HalfOpenStreamIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the mock binary")
	}
	t.Parallel() // waits, mostly
	const idle = time.Second
	mock := startMock(t, buildCallscope(t), t.TempDir(), "--idle-timeout", idle.String())
	addr := strings.TrimPrefix(mock.url, "https://")
	// The mock may answer the stalled stream and give its answers up to two
	// seconds to leave before it closes.
	within := idle + 2*time.Second + graceSlack
	waitStalls(t, within, "want it closed as idle after --idle-timeout "+idle.String(), []stall{
		{"no stream", func() (waiter, error) { return idleConn(addr) }},
		{"a stream with HEADERS and no END_STREAM", func() (waiter, error) {
			c, err := idleConn(addr)
			if err == nil {
				err = c.openStream(addr, strings.Repeat("cd", 32), mock.jwt)
			}
			return c, err
		}},
	})
}

// stall is a connection that goes quiet in some state.
type stall struct {
	name string
	open func() (waiter, error)
}

// waiter is a stalled connection a test waits on.
type waiter interface {
	waitClosed(within time.Duration) (bool, []string)
	Close() error
}

// waitStalls opens every stall at once and waits up to within for the mock
// to close each, then reports each as a subtest: all wait together, whatever
// -parallel allows.
func waitStalls(t *testing.T, within time.Duration, want string, stalls []stall) {
	t.Helper()
	type result struct {
		took   time.Duration
		closed bool
		seen   []string
		err    error
	}
	results := make([]result, len(stalls))
	var wg sync.WaitGroup
	for i, s := range stalls {
		wg.Go(func() {
			r := &results[i]
			start := time.Now()
			c, err := s.open()
			if err != nil {
				r.err = err
				return
			}
			defer c.Close()
			r.closed, r.seen = c.waitClosed(within)
			r.took = time.Since(start).Round(10 * time.Millisecond)
		})
	}
	wg.Wait()
	for i, s := range stalls {
		t.Run(s.name, func(t *testing.T) {
			switch r := results[i]; {
			case r.err != nil:
				t.Fatal(r.err)
			case !r.closed:
				t.Fatalf("still open %s after it went quiet (%s seen): %s", r.took, seenText(r.seen), want)
			default:
				t.Logf("closed after %s (%s)", r.took, seenText(r.seen))
			}
		})
	}
}

// tcpWaiter is a TCP connection that never started TLS.
type tcpWaiter struct{ nc net.Conn }

func (w tcpWaiter) Close() error { return w.nc.Close() }

func (w tcpWaiter) waitClosed(within time.Duration) (bool, []string) {
	_ = w.nc.SetReadDeadline(time.Now().Add(within))
	var b [512]byte
	for {
		if _, err := w.nc.Read(b[:]); err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout()), nil
		}
	}
}
