package h2server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// answerer answers every request with a fixed status and body.
type answerer struct {
	c      *Conn
	status int
	body   []byte
	hold   bool // keep requests unanswered
	mu     sync.Mutex
	got    []*Request
	idle   int
}

func (a *answerer) Request(r *Request) {
	a.mu.Lock()
	a.got = append(a.got, r)
	a.mu.Unlock()
	if !a.hold {
		a.c.Respond(r, a.status, []hpack.HeaderField{{Name: "x-test", Value: "1"}}, a.body)
	}
}

func (a *answerer) Idle() {
	a.mu.Lock()
	a.idle++
	a.mu.Unlock()
	a.c.GoAway(a.c.LastStream(), http2.ErrCodeNo, []byte("idle"), true)
}

// client is a raw HTTP/2 client over loopback TCP (no TLS: the server
// speaks HTTP/2 on any net.Conn).
type client struct {
	t    testing.TB
	conn net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
	a    *answerer
	done chan struct{}
}

func serve(t testing.TB, cfg Config, a *answerer) *client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	a.c = New(sc, sc, cfg, a)
	cl := &client{t: t, conn: conn, a: a, done: make(chan struct{})}
	go func() { a.c.Serve(); close(cl.done) }()
	t.Cleanup(func() {
		conn.Close()
		a.c.Close()
		<-cl.done
	})
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	cl.fr = http2.NewFramer(conn, conn)
	cl.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	cl.enc = hpack.NewEncoder(&cl.hbuf)
	return cl
}

// handshake sends the preface and SETTINGS, and reads the server's
// SETTINGS, WINDOW_UPDATE and ACK.
func (c *client) handshake(settings ...http2.Setting) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, http2.ClientPreface); err != nil {
		c.t.Fatal(err)
	}
	if err := c.fr.WriteSettings(settings...); err != nil {
		c.t.Fatal(err)
	}
	acked, theirs := false, false
	for !acked || !theirs {
		f := c.read()
		if sf, ok := f.(*http2.SettingsFrame); ok {
			if sf.IsAck() {
				acked = true
			} else {
				theirs = true
				_ = c.fr.WriteSettingsAck()
			}
		}
	}
}

func (c *client) read() http2.Frame {
	c.t.Helper()
	f, err := c.fr.ReadFrame()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

func (c *client) headers(id uint32, end bool, fields ...string) {
	c.t.Helper()
	c.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = c.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndStream: end, EndHeaders: true}); err != nil {
		c.t.Fatal(err)
	}
}

var post = []string{":method", "POST", ":scheme", "https", ":path", "/", ":authority", "x"}

// event is what the client saw next, ignoring SETTINGS, PING, WINDOW_UPDATE.
func (c *client) next() string {
	c.t.Helper()
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "timeout"
			}
			return "closed"
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			return "HEADERS " + f.PseudoValue("status") + endFlag(f.StreamEnded())
		case *http2.DataFrame:
			return "DATA " + string(f.Data()) + endFlag(f.StreamEnded())
		case *http2.RSTStreamFrame:
			return "RST " + f.ErrCode.String()
		case *http2.GoAwayFrame:
			return "GOAWAY " + f.ErrCode.String()
		}
	}
}

func endFlag(end bool) string {
	if end {
		return " END"
	}
	return ""
}
