package main

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
