package apnsmock

import (
	"crypto/tls"
	"io"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestConnectionDeadlines: a client that stops halfway is closed, on a
// deadline or the idle timeout, instead of holding its connection (and
// what it allocated) forever.
func TestConnectionDeadlines(t *testing.T) {
	post := []string{":method", "POST", ":scheme", "https", ":path", "/3/device/ab", ":authority", "x"}
	cases := []struct {
		name string
		dial func(t testing.TB, f *fixture, _ ...tls.Certificate) *h2client
		do   func(c *h2client)
		want []string
	}{
		{"preface, then no SETTINGS", dialPrefaceOnly,
			func(*h2client) {}, []string{"closed"}},
		{"a frame begun and never finished", dialH2, func(c *h2client) {
			c.check(c.fr.WritePing(false, [8]byte{})) // the first SETTINGS is in once its PING is answered
			for {
				f, err := c.fr.ReadFrame()
				c.check(err)
				if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
					break
				}
			}
			_, err := c.conn.Write([]byte{0, 0, 8, byte(http2.FramePing), 0}) // 5 of 9 header bytes
			c.check(err)
		}, []string{"closed"}},
		{"quiet between frames: the idle timeout, not the frame deadline", dialH2, func(*h2client) {},
			[]string{"GOAWAY NO_ERROR", "closed"}},
		{"a stream left half-open counts as idle", dialH2, func(c *h2client) { c.headers(1, false, nil, post...) },
			[]string{"GOAWAY NO_ERROR", "closed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// ReadTimeout also bounds the TLS handshake: at 500 ms a loaded
			// machine (CI under -race) ran out of it mid-handshake and the
			// dial failed with EOF before the case began.
			f := newFixture(t, func(c *Config) {
				c.ReadTimeout = 2 * time.Second
				c.IdleTimeout = 4 * time.Second
			})
			c := tc.dial(t, f)
			tc.do(c)
			// The dial's 5 s deadline is too near the 4 s idle timeout on a
			// loaded machine (the handshake alone took over a second under
			// -race with load 8): wait for the server's own close far longer.
			_ = c.conn.SetDeadline(time.Now().Add(20 * time.Second))
			for _, want := range tc.want {
				if got := c.nextFrame(); got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			}
		})
	}
}

func dialPrefaceOnly(t testing.TB, f *fixture, _ ...tls.Certificate) *h2client {
	conn, err := tls.Dial("tcp", f.s.Addr().String(), &tls.Config{RootCAs: f.s.RootCAs(), NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	return &h2client{t: t, conn: conn, fr: http2.NewFramer(conn, conn), next: 1}
}

// TestMaxConnections: connections over Config.MaxConns are closed as they
// are accepted, and counted.
func TestMaxConnections(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxConns = 2 })
	for range 2 {
		c := dialH2(t, f)
		c.readUntil(func(l *frameLog) bool { return len(l.maxStreams) > 0 })
	}
	conn, err := tls.Dial("tcp", f.s.Addr().String(), &tls.Config{RootCAs: f.s.RootCAs(), NextProtos: []string{"h2"}})
	if err == nil {
		conn.Close()
		t.Fatal("a third connection was served with MaxConns 2")
	}
	if n := f.s.RefusedConns(); n != 1 {
		t.Errorf("RefusedConns %d, want 1", n)
	}
}

// TestGoAwayBeforeClose: a connection closed for piling up errors while the
// client is still sending gets its answer and GOAWAY before the close, not
// a reset that discards them.
func TestGoAwayBeforeClose(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ErrorLimit = 1 })
	c := dialH2(t, f)
	c.push("/3/device/"+testDevice, nil, body) // no token: 403, and the connection is over its limit
	junk := make([]byte, 16384)
	go func() {
		for range 64 { // frames of an unknown type, which the mock reads and ignores
			if c.fr.WriteRawFrame(0xfa, 0, 0, junk) != nil {
				return
			}
		}
	}()
	for _, want := range []string{"HEADERS 403", "DATA {\"reason\":\"MissingProviderToken\"} END", "GOAWAY NO_ERROR"} {
		if got := c.nextFrame(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}
