package h2server

import (
	"time"

	"golang.org/x/net/http2"
)

// stream is an open stream: open or half-closed (remote) in RFC 9113 §5.1's
// terms. A stream not in the table is idle when its id is above the highest
// seen, closed otherwise.
type stream struct {
	// Read loop only.
	req     *Request
	remote  bool  // half-closed (remote): the client sent END_STREAM
	handed  bool  // the Handler has the request
	declLen int64 // content-length, or -1
	recv    int64 // receive window left

	// Under Conn.mu.
	send int64    // send window
	out  *outBody // answer body waiting for window
}

// frame handles one frame; an error is a StreamError or ConnectionError.
func (c *Conn) frame(f http2.Frame) error {
	if !c.settings {
		// The preface must be followed by SETTINGS (RFC 9113 §3.4).
		if sf, ok := f.(*http2.SettingsFrame); !ok || sf.IsAck() {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
	}
	switch f := f.(type) {
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.RSTStreamFrame:
		if !c.closeStream(f.StreamID) && f.StreamID > c.last {
			return http2.ConnectionError(http2.ErrCodeProtocol) // RST_STREAM on an idle stream
		}
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeProtocol}
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			c.w.send(wjob{kind: jPing, body: append([]byte(nil), f.Data[:]...)})
		}
	case *http2.PushPromiseFrame:
		return http2.ConnectionError(http2.ErrCodeProtocol) // clients cannot push
	}
	// GOAWAY from the client: it closes the connection when it is done.
	// PRIORITY is otherwise ignored, and so are unknown frame types.
	return nil
}

func (c *Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	// In order: a repeated setting's last value wins (RFC 9113 §6.5.3).
	initWin, table, frameMax := int64(-1), int64(-1), int64(-1)
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case http2.SettingInitialWindowSize:
			initWin = int64(s.Val)
		case http2.SettingHeaderTableSize:
			table = int64(s.Val)
		case http2.SettingMaxFrameSize:
			frameMax = int64(s.Val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The writer applies them when it writes the ACK, so that nothing
	// sent before the ACK already counts on them.
	c.w.send(wjob{kind: jSettingsAck, more: &jobMore{win: initWin, table: table, frameMax: frameMax}})
	if !c.settings {
		c.settings = true
		_ = c.tc.SetReadDeadline(time.Time{}) // the handshake is over
		c.rd.armed = false
	}
	return nil
}

func (c *Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	inc := int64(f.Increment)
	c.mu.Lock()
	kick := false
	if f.StreamID == 0 {
		if c.sendConn+inc > maxWindow {
			c.mu.Unlock()
			return http2.ConnectionError(http2.ErrCodeFlowControl)
		}
		c.sendConn += inc
		kick = c.pending > 0
	} else if st := c.streams[f.StreamID]; st != nil {
		if st.send+inc > maxWindow {
			c.mu.Unlock()
			return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeFlowControl}
		}
		st.send += inc
		kick = st.out != nil
	} else if f.StreamID > c.last {
		c.mu.Unlock()
		return http2.ConnectionError(http2.ErrCodeProtocol) // WINDOW_UPDATE on an idle stream
	}
	c.mu.Unlock()
	if kick {
		c.w.send(wjob{kind: jKick})
	}
	return nil
}

func (c *Conn) onHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	if id%2 == 0 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.mu.Lock()
	st, open := c.streams[id]
	n := uint32(len(c.streams))
	away := c.away
	c.mu.Unlock()
	if open { // trailers end the body
		switch {
		case st.remote:
			return http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
		case !f.StreamEnded() || len(f.PseudoFields()) > 0:
			return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol}
		}
		return c.endStream(id, st)
	}
	if id <= c.last {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.last = id
	c.lastID.Store(id)
	if away {
		return nil // above the GOAWAY's Last-Stream-ID: left for a new connection
	}
	if f.HasPriority() && f.Priority.StreamDep == id {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol}
	}
	if n >= c.limit.Load() {
		// Over MAX_CONCURRENT_STREAMS: refused streams are safe to retry,
		// and clients do (RFC 9113 §8.7).
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeRefusedStream}
	}
	now := time.Now()
	c.activity.Store(now.UnixNano())
	if f.Truncated {
		// Over SETTINGS_MAX_HEADER_LIST_SIZE: 431, as Go's server answers,
		// not REFUSED_STREAM, which would ask the client to retry as is.
		// The Handler answers it, so that it can show what it refused.
		st := &stream{req: &Request{Stream: id, Start: now, Truncated: true}, remote: f.StreamEnded(), recv: streamWindow, declLen: -1}
		c.open(id, st)
		c.hand(st, f.StreamEnded())
		return nil
	}
	rq, declLen, err := request(f)
	if err != nil {
		return err
	}
	rq.Start = now
	st = &stream{req: rq, declLen: declLen, recv: streamWindow}
	c.open(id, st)
	if f.StreamEnded() {
		return c.endStream(id, st)
	}
	return nil
}

func (c *Conn) open(id uint32, st *stream) {
	c.mu.Lock()
	st.send = c.peerInit
	c.streams[id] = st
	c.mu.Unlock()
}

// endStream is the client's END_STREAM: the request is complete.
func (c *Conn) endStream(id uint32, st *stream) error {
	st.remote = true
	if st.declLen >= 0 && st.declLen != int64(st.req.Size) {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol} // content-length does not match the body
	}
	if !st.handed {
		c.hand(st, true)
	}
	return nil
}

func (c *Conn) hand(st *stream, ended bool) {
	st.handed = true
	st.req.Ended = ended
	c.inflight.Add(1)
	c.h.Request(st.req)
}

func (c *Conn) onData(f *http2.DataFrame) error {
	id, n := f.StreamID, int64(f.Length)
	c.mu.Lock()
	st := c.streams[id]
	c.mu.Unlock()
	if st == nil && id > c.last {
		return http2.ConnectionError(http2.ErrCodeProtocol) // DATA on an idle stream
	}
	if n > c.recvConn {
		return http2.ConnectionError(http2.ErrCodeFlowControl)
	}
	c.recvConn -= n
	c.recvd += f.Length
	if c.recvd >= connWindow/2 {
		c.w.send(wjob{kind: jWindow, n: c.recvd})
		c.recvConn += int64(c.recvd)
		c.recvd = 0
	}
	switch {
	case st == nil || st.remote:
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
	case n > st.recv:
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeFlowControl}
	}
	st.recv -= n
	d := f.Data()
	rq := st.req
	rq.Size += len(d)
	if st.declLen >= 0 && int64(rq.Size) > st.declLen {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol} // more than content-length
	}
	if !st.handed {
		if room := c.cfg.MaxBody + 1 - len(rq.Body); room > 0 {
			rq.Body = append(rq.Body, d[:min(room, len(d))]...)
		}
	}
	if f.StreamEnded() {
		return c.endStream(id, st)
	}
	if !st.handed && rq.Size > c.cfg.MaxBody {
		// Over the limit: answer now, and ask the client to stop sending
		// (RST_STREAM NO_ERROR after the answer) instead of waiting for a
		// body that may never fit the stream window.
		c.hand(st, false)
	}
	if st.recv < streamWindow/2 {
		c.w.send(wjob{kind: jWindow, stream: id, n: uint32(streamWindow - st.recv)})
		st.recv = streamWindow
	}
	return nil
}
