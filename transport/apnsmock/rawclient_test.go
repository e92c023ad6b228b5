package apnsmock

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2client speaks HTTP/2 frame by frame, to watch what the mock sends at
// connection level (SETTINGS, GOAWAY, RST_STREAM), which http clients hide.
type h2client struct {
	t    testing.TB
	conn net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
	next uint32
}

func dialH2(t testing.TB, f *fixture, certs ...tls.Certificate) *h2client {
	t.Helper()
	conn, err := tls.Dial("tcp", f.s.Addr().String(), &tls.Config{RootCAs: f.s.RootCAs(), NextProtos: []string{"h2"}, Certificates: certs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	c := &h2client{t: t, conn: conn, next: 1}
	c.fr = http2.NewFramer(conn, conn)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := c.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return c
}

// push opens a stream with the given headers and body; it returns the id.
func (c *h2client) push(path string, hdr [][2]string, body string) uint32 {
	c.t.Helper()
	id := c.next
	c.next += 2
	c.hbuf.Reset()
	for _, h := range append([][2]string{{":method", "POST"}, {":scheme", "https"}, {":authority", "127.0.0.1"}, {":path", path}}, hdr...) {
		_ = c.enc.WriteField(hpack.HeaderField{Name: h[0], Value: h[1]})
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndHeaders: true, EndStream: body == ""}); err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		if err := c.fr.WriteData(id, true, []byte(body)); err != nil {
			c.t.Fatal(err)
		}
	}
	return id
}

// frameLog is what the client read until a condition held.
type frameLog struct {
	maxStreams []uint32          // MAX_CONCURRENT_STREAMS values, in order
	status     map[uint32]string // stream → :status
	rst        map[uint32]http2.ErrCode
	goAway     *http2.GoAwayFrame
	goAwayData string
	closed     bool
}

// readUntil reads frames until done says so, the connection closes, or 5 s.
func (c *h2client) readUntil(done func(*frameLog) bool) *frameLog {
	c.t.Helper()
	l := &frameLog{status: map[uint32]string{}, rst: map[uint32]http2.ErrCode{}}
	for !done(l) {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatalf("timed out reading frames: %+v", l)
			}
			l.closed = true
			return l
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if v, ok := f.Value(http2.SettingMaxConcurrentStreams); ok {
				l.maxStreams = append(l.maxStreams, v)
			}
			if !f.IsAck() {
				_ = c.fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			l.status[f.StreamID] = f.PseudoValue("status")
		case *http2.RSTStreamFrame:
			l.rst[f.StreamID] = f.ErrCode
		case *http2.GoAwayFrame:
			l.goAway = f
			l.goAwayData = string(f.DebugData())
		}
	}
	return l
}
