package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Issue 10, item 1: memory per idle connection is comparable to Go's own
// HTTP/2 server. Both servers run as processes; the same client opens the
// same number of idle connections to each (TLS, preface, the SETTINGS
// exchange, then nothing) and the growth of each process's RSS is divided by
// the count. The bound is a ratio to Go's server on the same machine in the
// same run, never an absolute number. The numbers are logged (go test -v -run
// TestH2IdleConnMemory .) for the closing note.

// idleConnsEnv overrides how many idle connections each server gets.
const idleConnsEnv = "CALLSCOPE_H2_IDLE_CONNS"

// idleRatioLimit: the mock may spend at most this many times what Go's
// server spends per idle connection. Measured before issue 10: about 95 KB
// against Go's 45 KB (2.1 to 2.3×); "comparable" is read as within half
// again of Go's.
const idleRatioLimit = 1.5

func TestH2IdleConnMemory(t *testing.T) {
	needProcRSS(t)
	if testing.Short() {
		t.Skip("opens thousands of connections to two server processes")
	}
	mockPer, goPer := idleConnMemory(t, idleConns(t))
	if ratio := mockPer / goPer; ratio > idleRatioLimit {
		t.Errorf("an idle HTTP/2 connection costs the mock %.1f KB, %.2f× the %.1f KB it costs Go's net/http server; want at most %.1f×",
			mockPer/1e3, ratio, goPer/1e3, idleRatioLimit)
	}
}

func idleConns(tb testing.TB) int {
	tb.Helper()
	v := os.Getenv(idleConnsEnv)
	if v == "" {
		return 1000 // the ratio is the same at 2,000, in twice the time
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 {
		tb.Fatalf("%s=%q: want a number of connections, at least 100", idleConnsEnv, v)
	}
	return n
}

// idleConnMemory measures both servers, one after the other so that neither
// competes with the other's handshakes, and returns bytes of RSS per idle
// connection for each.
func idleConnMemory(t *testing.T, n int) (mockPer, goPer float64) {
	t.Helper()
	mock := startPlainMock(t)
	mockPer = perIdleConn(t, mock, n)
	goSrv := startGoServer(t)
	goPer = perIdleConn(t, goSrv, n)
	t.Logf("%d idle HTTP/2 connections: mock-apns %.1f KB each, Go's net/http %.1f KB each (mock/go %.2f)",
		n, mockPer/1e3, goPer/1e3, mockPer/goPer)
	return mockPer, goPer
}

// perIdleConn opens n idle connections to s and returns its RSS growth per
// connection. One connection is opened first, so that what the first one
// sets up once (TLS session state, the first goroutines) is not counted.
// Every connection must still answer a PING after the measurement: a server
// that dropped some would look cheaper than it is.
func perIdleConn(t *testing.T, s h2server, n int) float64 {
	t.Helper()
	first, err := idleConn(s.addr)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	defer first.Close()
	before := rssBytes(t, s.pid())

	conns := make([]*h2client, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := idleConn(s.addr)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	opened := time.Since(start)
	after := rssBytes(t, s.pid())
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("%s: %d of %d idle connections failed; the first: %v", s.name, len(errs)+1, n, err)
	}
	for i, c := range conns {
		if err := c.ping(); err != nil {
			t.Fatalf("%s: idle connection %d of %d is gone after the measurement (%v): its memory was not all counted", s.name, i+1, n, err)
		}
	}
	t.Logf("%s: %d connections opened in %s; RSS %s before, %s after",
		s.name, n, opened.Round(time.Millisecond), mb(before), mb(after))
	return float64(after-before) / float64(n)
}

// idleConn is a connection that finished the SETTINGS exchange and then
// sends nothing.
func idleConn(addr string) (*h2client, error) {
	c, err := dialH2(addr)
	if err != nil {
		return nil, err
	}
	if err = c.preface(true); err == nil {
		err = c.handshake()
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("idle connection: %w", err)
	}
	return c, nil
}
