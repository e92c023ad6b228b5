package h2server

import (
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Respond answers r: HEADERS with :status and fields, then body (none:
// END_STREAM on the HEADERS). Any goroutine may call it, once per request.
func (c *Conn) Respond(r *Request, status int, fields []hpack.HeaderField, body []byte) {
	c.activity.Store(time.Now().UnixNano())
	c.inflight.Add(-1)
	c.w.send(wjob{kind: jResponse, stream: r.Stream, n: uint32(status), fields: fields, body: body, rst: !r.Ended})
}

// MaxStreams is the MAX_CONCURRENT_STREAMS advertised.
func (c *Conn) MaxStreams() uint32 { return c.limit.Load() }

// SetMaxStreams advertises a new MAX_CONCURRENT_STREAMS (APNs raises it
// once a provider token verifies). Streams over it are refused from now on.
func (c *Conn) SetMaxStreams(n uint32) {
	c.limit.Store(n)
	c.w.send(wjob{kind: jSettings, more: &jobMore{settings: []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: n}}}})
}

// GoAway sends GOAWAY with last as its Last-Stream-ID, code and debug data,
// once per connection (later calls do nothing). The connection closes as
// soon as the GOAWAY is out when now is set; otherwise once every open
// stream is answered and out, or after two seconds, whichever comes first.
// Either way the close waits (up to a second) for the client's unread
// bytes to be read, so that it does not reset the connection.
func (c *Conn) GoAway(last uint32, code http2.ErrCode, debug []byte, now bool) {
	c.mu.Lock()
	if c.away {
		c.mu.Unlock()
		return
	}
	c.away = true
	c.mu.Unlock()
	c.w.send(wjob{kind: jGoAway, stream: last, n: uint32(code), body: debug})
	if now {
		c.w.send(wjob{kind: jClose})
		return
	}
	time.AfterFunc(2*time.Second, func() { c.w.send(wjob{kind: jClose}) })
}

// GoingAway says whether a GOAWAY was sent.
func (c *Conn) GoingAway() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.away
}

// Reset closes the TCP connection with RST, after what is queued.
func (c *Conn) Reset() { c.w.send(wjob{kind: jReset}) }

// Close closes the connection at once.
func (c *Conn) Close() { c.kill() }
