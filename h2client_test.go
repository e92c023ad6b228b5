package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2client is a hand-made HTTP/2 client connection: the acceptance tests
// send what no well-behaved client library would (a 16 MiB frame header, a
// preface and then silence), so they write frames themselves.
type h2client struct {
	tc *tls.Conn
	fr *http2.Framer
}

// dialH2 connects with TLS and ALPN h2. The tests check the server, not its
// certificate: the mock's and the baseline's are both made on the fly.
func dialH2(addr string) (*h2client, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	tc, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{NextProtos: []string{"h2"}, InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		tc.Close()
		return nil, fmt.Errorf("ALPN %q, want h2", p)
	}
	return &h2client{tc: tc, fr: http2.NewFramer(tc, tc)}, nil
}

func (c *h2client) Close() error { return c.tc.Close() }

// preface writes the connection preface's magic, and with settings the
// SETTINGS frame that completes it.
func (c *h2client) preface(settings bool) error {
	if _, err := c.tc.Write([]byte(http2.ClientPreface)); err != nil {
		return err
	}
	if !settings {
		return nil
	}
	return c.fr.WriteSettings()
}

// handshake completes the SETTINGS exchange after preface(true): it
// acknowledges the server's SETTINGS and waits for the acknowledgement of its
// own, so the server has read everything sent so far.
func (c *h2client) handshake() error {
	_ = c.tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.tc.SetReadDeadline(time.Time{})
	var theirs, ours bool
	for !theirs || !ours {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return fmt.Errorf("SETTINGS exchange: %w", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				ours = true
			} else {
				theirs = true
				if err := c.fr.WriteSettingsAck(); err != nil {
					return err
				}
			}
		case *http2.GoAwayFrame:
			return fmt.Errorf("SETTINGS exchange: GOAWAY %v %q", f.ErrCode, f.DebugData())
		}
	}
	return nil
}

// announce writes a frame header for a length-byte frame of type typ on
// stream 1 and then only a few bytes of its payload.
func (c *h2client) announce(typ http2.FrameType, length uint32) error {
	hdr := []byte{byte(length >> 16), byte(length >> 8), byte(length), byte(typ), 0, 0, 0, 0, 1}
	if typ == http2.FrameHeaders {
		hdr[4] = 0x4 // END_HEADERS: one block, 16 MiB of it
	}
	_, err := c.tc.Write(append(hdr, bytes.Repeat([]byte{0x55}, 16)...))
	return err
}

// openStream writes HEADERS for a push to token on stream 1, without
// END_STREAM: the body is promised and never sent.
func (c *h2client) openStream(authority, token, jwt string) error {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "https"}, {":authority", authority}, {":path", "/3/device/" + token},
		{"authorization", "bearer " + jwt}, {"apns-topic", "org.example.app"}, {"apns-push-type", "alert"},
		{"content-type", "application/json"},
	} {
		if err := enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}); err != nil {
			return err
		}
	}
	return c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: buf.Bytes(), EndHeaders: true})
}

// ping sends a PING and waits for its acknowledgement.
func (c *h2client) ping() error {
	data := [8]byte{'c', 'a', 'l', 'l', 's', 'c', 'o', 'p'}
	if err := c.fr.WritePing(false, data); err != nil {
		return err
	}
	_ = c.tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.tc.SetReadDeadline(time.Time{})
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return err
		}
		switch f := f.(type) {
		case *http2.PingFrame:
			if f.IsAck() && f.Data == data {
				return nil
			}
		case *http2.GoAwayFrame:
			return fmt.Errorf("GOAWAY %v %q", f.ErrCode, f.DebugData())
		}
	}
}

// waitClosed reads (and answers PINGs) until the server closes the
// connection or within passes. It reports whether it closed, and the
// frames seen on the way, for the failure message.
func (c *h2client) waitClosed(within time.Duration) (closed bool, seen []string) {
	_ = c.tc.SetReadDeadline(time.Now().Add(within))
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
				return false, seen
			}
			return true, seen
		}
		switch f := f.(type) {
		case *http2.GoAwayFrame:
			seen = append(seen, fmt.Sprintf("GOAWAY %v %s", f.ErrCode, f.DebugData()))
		case *http2.RSTStreamFrame:
			seen = append(seen, fmt.Sprintf("RST_STREAM %v", f.ErrCode))
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = c.fr.WritePing(true, f.Data)
			}
		default:
			seen = append(seen, f.Header().Type.String())
		}
	}
}

func seenText(seen []string) string {
	if len(seen) == 0 {
		return "no frames"
	}
	return strings.Join(seen, ", ")
}
