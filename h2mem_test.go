package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// Issue 10, item 1: the mock's HTTP/2 is bounded by construction. These tests
// run `callscope mock-apns --headless` as users do and attack it from
// outside, as the reporter did.

// floodLimit is how far above its idle size the mock's RSS may go while
// announced-but-unsent frames pile up (the acceptance line).
const floodLimit = 100_000_000

// TestH2FrameFloodMemory: 200 connections that each announce a 16 MiB frame
// and send a few bytes of it do not make the mock allocate 16 MiB apiece: its
// resident set (peak included) stays within 100 MB of its idle size, and a
// normal push still gets 200 while they are open. The 200 connections come
// twice: the first wave's buffers are fresh pages the kernel has not yet
// handed out, so only the second, which reuses and zeroes them, shows in RSS.
// It stops early (and kills the mock) once the limit is crossed, so a mock
// that does allocate does not take the machine with it.
func TestH2FrameFloodMemory(t *testing.T) {
	needProcRSS(t)
	if testing.Short() {
		t.Skip("runs the mock binary with 400 connections")
	}
	mock := startMock(t, buildCallscope(t), t.TempDir())
	addr := strings.TrimPrefix(mock.url, "https://")
	pid := mock.cmd.Process.Pid
	token := strings.Repeat("ab", 32)
	push := func(when string) {
		t.Helper()
		if status, _ := pushHTTP2(t, mock.url+"/3/device/"+token, mock.ca, mock.jwt, `{"aps":{"alert":"hi"}}`); status != 200 {
			t.Fatalf("push %s: status %d, want 200", when, status)
		}
	}
	push("before the flood") // so that idle includes what one push leaves behind
	idle := rssBytes(t, pid)

	const waves, perWave = 2, 200
	var over atomic.Bool // the limit is crossed: open no more
	for wave := 1; wave <= waves; wave++ {
		var mu sync.Mutex
		var conns []*h2client
		var opened, refused atomic.Int32
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range perWave {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if over.Load() {
					return
				}
				c, err := floodConn(addr, i)
				if c != nil {
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
				}
				if err != nil {
					// A mock may close a connection that announces too large
					// a frame as soon as it reads the header: that is fine.
					refused.Add(1)
					return
				}
				opened.Add(1)
				if rssBytes(t, pid)-idle > floodLimit {
					over.Store(true)
				}
			})
		}
		wg.Wait()
		rss, peak := rssBytes(t, pid), vmHWM(t, pid)
		t.Logf("wave %d: %d connections announced 16 MiB frames (%d more cut off during the handshake); mock RSS %s, peak %s, idle %s",
			wave, opened.Load(), refused.Load(), mb(rss), mb(peak), mb(idle))
		if over.Load() || peak-idle > floodLimit {
			_ = mock.cmd.Process.Kill() // give the memory back before anything else
			t.Fatalf("after %d connections of wave %d that each announce a 16 MiB frame the mock's RSS is %s (peak %s), %s above its idle %s; want under %s above idle",
				opened.Load(), wave, mb(rss), mb(peak), mb(max(rss, peak)-idle), mb(idle), mb(floodLimit))
		}
		push(fmt.Sprintf("with wave %d's connections open", wave))
		for _, c := range conns {
			c.Close()
		}
	}
}

// floodConn is one flooding connection: the preface, SETTINGS, then the
// header of a 16 MiB frame (the 24-bit maximum) and 16 bytes of it. DATA and
// HEADERS alternate.
func floodConn(addr string, i int) (*h2client, error) {
	c, err := dialH2(addr)
	if err != nil {
		return nil, err
	}
	typ := http2.FrameData
	if i%2 == 1 {
		typ = http2.FrameHeaders
	}
	if err = c.preface(true); err == nil {
		if err = c.handshake(); err == nil {
			err = c.announce(typ, 1<<24-1)
		}
	}
	return c, err
}

// mockHandshakeDeadline is how long the mock waits for a client to get from
// accept through the TLS handshake, the preface and its SETTINGS, and for
// the rest of a frame whose header it has read. A test waits that long plus
// graceSlack for the close: a deadline, not a sleep.
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
	mock := startPlainMock(t)
	tests := []struct {
		name  string
		stall func(addr string) (waiter, error)
	}{
		{"TCP, no TLS handshake", func(addr string) (waiter, error) {
			nc, err := net.Dial("tcp", addr)
			return tcpWaiter{nc}, err
		}},
		{"TLS, no preface", func(addr string) (waiter, error) { return dialH2(addr) }},
		{"preface, no SETTINGS", func(addr string) (waiter, error) {
			c, err := dialH2(addr)
			if err == nil {
				err = c.preface(false)
			}
			return c, err
		}},
		{"SETTINGS, then 16 bytes of a 1,000-byte HEADERS frame", func(addr string) (waiter, error) {
			c, err := dialH2(addr)
			if err == nil {
				if err = c.preface(true); err == nil {
					if err = c.handshake(); err == nil {
						err = c.announce(http2.FrameHeaders, 1000)
					}
				}
			}
			return c, err
		}},
	}
	// All stall at once and are waited on together: the wait is the
	// deadline, whatever -parallel allows.
	type result struct {
		start, end time.Time
		closed     bool
		seen       []string
		err        error
	}
	results := make([]result, len(tests))
	var wg sync.WaitGroup
	for i, tt := range tests {
		wg.Go(func() {
			r := &results[i]
			r.start = time.Now()
			c, err := tt.stall(mock.addr)
			if err != nil {
				r.err = err
				return
			}
			defer c.Close()
			r.closed, r.seen = c.waitClosed(mockHandshakeDeadline + graceSlack)
			r.end = time.Now()
		})
	}
	wg.Wait()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := results[i]
			took := r.end.Sub(r.start).Round(10 * time.Millisecond)
			switch {
			case r.err != nil:
				t.Fatal(r.err)
			case !r.closed:
				t.Fatalf("still open %s after connecting (%s seen): the mock has no deadline here (want a close within its %s handshake deadline)",
					took, seenText(r.seen), mockHandshakeDeadline)
			}
			t.Logf("closed after %s (%s)", took, seenText(r.seen))
		})
	}
}

// TestH2HalfOpenStreamIdle: --idle-timeout closes a connection whose only
// stream stalled (HEADERS without END_STREAM, and then nothing) as it closes
// one with no stream at all; the stalled stream does not keep it open.
func TestH2HalfOpenStreamIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the mock binary")
	}
	const idle = time.Second
	mock := startMock(t, buildCallscope(t), t.TempDir(), "--idle-timeout", idle.String())
	addr := strings.TrimPrefix(mock.url, "https://")
	token := strings.Repeat("cd", 32)
	tests := []struct {
		name   string
		stream bool
	}{
		{"no stream", false},
		{"a stream with HEADERS and no END_STREAM", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := dialH2(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.preface(true); err != nil {
				t.Fatal(err)
			}
			if err := c.handshake(); err != nil {
				t.Fatal(err)
			}
			if tt.stream {
				if err := c.openStream(addr, token, mock.jwt); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			// The mock may answer the stalled stream and grant its answers
			// up to two seconds to leave before it closes.
			within := idle + 2*time.Second + graceSlack
			closed, seen := c.waitClosed(within)
			if !closed {
				t.Fatalf("still open %s after it went quiet with --idle-timeout %s (%s seen): want it closed as idle",
					time.Since(start).Round(time.Second), idle, seenText(seen))
			}
			t.Logf("closed after %s (%s)", time.Since(start).Round(10*time.Millisecond), seenText(seen))
		})
	}
}

// waiter is a stalled connection a test waits on.
type waiter interface {
	waitClosed(within time.Duration) (bool, []string)
	Close() error
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

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
