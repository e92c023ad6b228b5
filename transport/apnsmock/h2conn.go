package apnsmock

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2conn is one provider connection. The mock speaks HTTP/2 itself, on
// x/net's Framer and HPACK, because APNs does what Go's http2.Server cannot:
// a SETTINGS raise of MAX_CONCURRENT_STREAMS once a token verifies, GOAWAY
// with JSON debug data and a chosen Last-Stream-ID, and closing connections
// that pile up errors (docs/apns-rules.md#connection-behaviour). One goroutine reads (and validates:
// the per-connection token state needs no lock), one writes.
type h2conn struct {
	s    *Server
	nc   net.Conn // the TCP connection, for resets
	tc   net.Conn // the TLS connection
	br   *bufio.Reader
	fr   *http2.Framer
	auth *connAuth
	w    *h2writer

	streams  map[uint32]*request // open streams whose body is still coming
	limit    uint32              // the MAX_CONCURRENT_STREAMS advertised
	last     uint32              // highest client stream id seen
	requests int                 // complete requests, for the per-connection faults
	errs     int                 // counted errors (not 410)

	lastID   atomic.Uint32 // c.last, for goroutines other than the read loop
	active   atomic.Int32  // streams opened and not yet answered
	activity atomic.Int64  // UnixNano of the last request
	recvd    uint32        // DATA bytes since the last connection WINDOW_UPDATE

	mu     sync.Mutex
	away   bool   // a GOAWAY went out: no new streams
	awayID uint32 // its Last-Stream-ID

	dead     chan struct{}
	killOnce sync.Once
}

// Settings as observed from APNs (docs/apns-rules.md#connection-behaviour).
const (
	headerTableSize   = 4096
	maxHeaderListSize = 8000
	maxFrameSize      = 16384
	connWindow        = 1 << 24 // the connection receive window the mock grants
)

func newH2conn(s *Server, tc, nc net.Conn) *h2conn {
	c := &h2conn{s: s, nc: nc, tc: tc, br: bufio.NewReaderSize(tc, 16<<10), streams: map[uint32]*request{},
		dead: make(chan struct{})}
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(headerTableSize, nil)
	c.fr.MaxHeaderListSize = maxHeaderListSize
	c.w = newH2writer(c)
	c.activity.Store(time.Now().UnixNano())
	return c
}

func (c *h2conn) kill() {
	c.killOnce.Do(func() {
		close(c.dead)
		c.tc.Close()
	})
}

func (c *h2conn) serve() {
	defer c.kill()
	_ = c.tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var preface [len(http2.ClientPreface)]byte
	if _, err := io.ReadFull(c.br, preface[:]); err != nil || string(preface[:]) != http2.ClientPreface {
		return // not HTTP/2 (an HTTP/1.1 request): never served
	}
	_ = c.tc.SetReadDeadline(time.Time{})
	go c.w.run()
	// Token connections get one stream until a valid provider token; a
	// certificate connection is trusted from the handshake (docs/apns-rules.md#certificate-auth).
	c.limit = 1
	if c.auth.cert != nil {
		c.limit = c.s.cfg.MaxStreams
	}
	c.w.send(wjob{kind: jSettings, settings: []http2.Setting{
		{ID: http2.SettingHeaderTableSize, Val: headerTableSize},
		{ID: http2.SettingMaxConcurrentStreams, Val: c.limit},
		{ID: http2.SettingInitialWindowSize, Val: 65535},
		{ID: http2.SettingMaxFrameSize, Val: maxFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: maxHeaderListSize},
	}})
	c.w.send(wjob{kind: jWindow, n: connWindow - 65535})
	idle := time.AfterFunc(c.s.cfg.IdleTimeout, c.idleCheck)
	defer idle.Stop()
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			var ce http2.ConnectionError
			switch {
			case errors.As(err, &se):
				c.dropStream(se.StreamID)
				c.w.send(wjob{kind: jRST, stream: se.StreamID, code: se.Code})
				continue
			case errors.As(err, &ce):
				c.goAway(c.last, http2.ErrCode(ce), "", true)
			}
			return
		}
		if !c.frame(f) {
			return
		}
	}
}

// frame handles one frame; false ends the connection.
func (c *h2conn) frame(f http2.Frame) bool {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if f.IsAck() {
			return true
		}
		if err := f.ForeachSetting(func(st http2.Setting) error { return st.Valid() }); err != nil {
			var ce http2.ConnectionError
			errors.As(err, &ce)
			c.goAway(c.last, http2.ErrCode(ce), "", true)
			return false
		}
		j := wjob{kind: jPeerSettings, n: ^uint32(0), table: ^uint32(0)}
		if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
			j.n = v
		}
		if v, ok := f.Value(http2.SettingHeaderTableSize); ok {
			j.table = v
		}
		c.w.send(j)
		c.w.send(wjob{kind: jSettingsAck})
	case *http2.PingFrame:
		if !f.IsAck() {
			c.w.send(wjob{kind: jPing, ping: f.Data})
		}
	case *http2.WindowUpdateFrame:
		c.w.send(wjob{kind: jPeerWindow, stream: f.StreamID, n: f.Increment})
	case *http2.MetaHeadersFrame:
		return c.headers(f)
	case *http2.DataFrame:
		return c.data(f)
	case *http2.RSTStreamFrame:
		c.dropStream(f.StreamID)
	case *http2.GoAwayFrame:
		// The client is leaving; it closes the connection when it is done.
	}
	// PRIORITY frames are ignored, as APNs ignores them; so are unknown types.
	return true
}

func (c *h2conn) headers(f *http2.MetaHeadersFrame) bool {
	id := f.StreamID
	if rq := c.streams[id]; rq != nil { // trailers end the body
		if !f.StreamEnded() {
			c.goAway(c.last, http2.ErrCodeProtocol, "", true)
			return false
		}
		delete(c.streams, id)
		c.finish(id, rq, true)
		return true
	}
	if id%2 == 0 || id <= c.last {
		c.goAway(c.last, http2.ErrCodeProtocol, "", true)
		return false
	}
	c.last = id
	c.lastID.Store(id)
	if c.goingAway() {
		return true // above the GOAWAY's Last-Stream-ID: left for a new connection
	}
	if f.Truncated {
		c.w.send(wjob{kind: jRST, stream: id, code: http2.ErrCodeRefusedStream})
		return true
	}
	if uint32(c.active.Load()) >= c.limit {
		// Over MAX_CONCURRENT_STREAMS (one, until a token verifies):
		// refused streams are safe to retry, and clients do.
		c.w.send(wjob{kind: jRST, stream: id, code: http2.ErrCodeRefusedStream})
		return true
	}
	c.active.Add(1)
	c.activity.Store(time.Now().UnixNano())
	rq := &request{start: time.Now(), method: f.PseudoValue("method"), path: f.PseudoValue("path"), fields: f.RegularFields()}
	if f.StreamEnded() {
		c.finish(id, rq, true)
		return true
	}
	c.streams[id] = rq
	return true
}

func (c *h2conn) data(f *http2.DataFrame) bool {
	c.recvd += f.Length
	if c.recvd >= connWindow/2 {
		c.w.send(wjob{kind: jWindow, n: c.recvd})
		c.recvd = 0
	}
	rq := c.streams[f.StreamID]
	if rq == nil {
		if f.StreamID > c.last {
			c.goAway(c.last, http2.ErrCodeProtocol, "", true)
			return false
		}
		return true // a stream already answered or reset
	}
	d := f.Data()
	rq.size += len(d)
	if room := maxVoIPPayload + 1 - len(rq.body); room > 0 {
		rq.body = append(rq.body, d[:min(room, len(d))]...)
	}
	switch {
	case f.StreamEnded():
		delete(c.streams, f.StreamID)
		c.finish(f.StreamID, rq, true)
	case rq.size > maxVoIPPayload:
		// Over every limit: answer now and ask the client to stop sending
		// (RST_STREAM NO_ERROR after the answer, RFC 9113 §8.1), instead
		// of waiting for a body that may never fit the stream window.
		delete(c.streams, f.StreamID)
		c.finish(f.StreamID, rq, false)
	}
	return true
}

// dropStream forgets a stream the client reset or that failed to parse.
func (c *h2conn) dropStream(id uint32) {
	if _, ok := c.streams[id]; ok {
		delete(c.streams, id)
		c.active.Add(-1)
	}
}

// finish handles a complete request: per-connection faults, validation, the
// SETTINGS raise after the first valid token, error counting, and the answer
// (now or after an injected delay).
func (c *h2conn) finish(id uint32, rq *request, ended bool) {
	c.requests++
	f := c.s.currentFaults()
	if f.ResetAfter > 0 && c.requests > f.ResetAfter {
		c.w.send(wjob{kind: jReset})
		return
	}
	if f.CertEnvironmentMismatch && c.auth.cert != nil {
		c.goAway(0, http2.ErrCodeNo, "BadCertificateEnvironment", true)
		return
	}
	a := c.s.handle(c.auth, rq)
	if c.auth.authed && c.limit < c.s.cfg.MaxStreams {
		c.limit = c.s.cfg.MaxStreams
		c.w.send(wjob{kind: jSettings, settings: []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: c.limit}}})
	}
	if a.status >= 400 && a.status < 500 && a.status != 410 && a.after == actNone {
		c.errs++
		if a.reason == "BadDeviceToken" {
			c.errs++ // Apple: connections are cut sooner for BadDeviceToken
		}
		if c.errs >= c.s.cfg.ErrorLimit {
			a.after = actTooMany
		}
	}
	var goAwayAfter *GoAwayFault
	if g := f.GoAway; g != nil && c.requests >= max(g.After, 1) && !c.goingAway() {
		goAwayAfter = g
	}
	respond := func() {
		c.respond(id, rq, a, ended)
		if goAwayAfter != nil {
			reason := goAwayAfter.Reason
			if reason == "" {
				reason = "Shutdown"
			}
			c.goAway(goAwayAfter.LastStreamID, goAwayAfter.Code, reason, false)
		}
	}
	if a.delay > 0 {
		time.AfterFunc(a.delay, respond)
		return
	}
	respond()
}

func (c *h2conn) respond(id uint32, rq *request, a answer, ended bool) {
	select {
	case <-c.dead:
		c.active.Add(-1)
		return
	default:
	}
	j := wjob{kind: jResponse, stream: id, status: 200, apnsID: a.apnsID, uniqueID: a.uniqueID, rst: !ended}
	if a.status != 0 {
		j.status, j.body = a.status, c.s.errorBody(a.status, a.reason)
	}
	// Hand the push to the device link before the client can read the 200:
	// whoever waits for the answer may then count on the push being queued.
	c.s.settle(rq, a)
	c.w.send(j)
	switch a.after {
	case actShutdown:
		c.goAway(id, http2.ErrCodeNo, "Shutdown", false)
	case actIdle:
		c.goAway(id, http2.ErrCodeNo, "IdleTimeout", false)
	case actTooMany:
		c.goAway(id, http2.ErrCodeNo, a.reason, false)
	}
	if c.active.Add(-1) == 0 && c.goingAway() {
		c.w.send(wjob{kind: jClose})
	}
}

func (c *h2conn) goingAway() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.away
}

// goAway sends GOAWAY with APNs' JSON debug data ({"reason": …}) when reason
// is set. The connection closes once its answered streams are out: at once
// when now is set or nothing is in flight, else after the last answer (or
// two seconds, whichever comes first).
func (c *h2conn) goAway(last uint32, code http2.ErrCode, reason string, now bool) {
	c.mu.Lock()
	if c.away {
		c.mu.Unlock()
		return
	}
	c.away, c.awayID = true, last
	c.mu.Unlock()
	var debug []byte
	if reason != "" {
		debug = []byte(`{"reason":"` + reason + `"}`)
	}
	c.w.send(wjob{kind: jGoAway, stream: last, code: code, debug: debug})
	if now || c.active.Load() <= 0 {
		c.w.send(wjob{kind: jClose})
		return
	}
	time.AfterFunc(2*time.Second, func() { c.w.send(wjob{kind: jClose}) })
}

// shutdown is the server closing: GOAWAY Shutdown to every connection.
func (c *h2conn) shutdown() {
	c.goAway(c.lastSeen(), http2.ErrCodeNo, "Shutdown", false)
	select {
	case <-c.dead:
	case <-time.After(2 * time.Second):
		c.kill()
	}
}

// lastSeen reads c.last from outside the read loop.
func (c *h2conn) lastSeen() uint32 { return c.lastID.Load() }

// idleCheck closes a connection that carried no request for IdleTimeout.
func (c *h2conn) idleCheck() {
	select {
	case <-c.dead:
		return
	default:
	}
	idle := c.s.cfg.IdleTimeout
	quiet := time.Since(time.Unix(0, c.activity.Load()))
	if quiet < idle || c.active.Load() > 0 {
		time.AfterFunc(max(idle-quiet, time.Millisecond), c.idleCheck)
		return
	}
	c.goAway(c.lastSeen(), http2.ErrCodeNo, "IdleTimeout", true)
}
