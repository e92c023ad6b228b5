package h2server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// Serve reads the preface and frames until the connection ends.
func (c *Conn) Serve() {
	defer func() {
		c.kill()
		c.rd.release() // after kill: nothing reads any more
	}()
	var preface [len(http2.ClientPreface)]byte
	if _, err := io.ReadFull(c.tc, preface[:]); err != nil || string(preface[:]) != http2.ClientPreface {
		return // not HTTP/2 (an HTTP/1.1 request): never served
	}
	go c.w.run()
	c.w.send(wjob{kind: jSettings, more: &jobMore{settings: []http2.Setting{
		{ID: http2.SettingHeaderTableSize, Val: c.cfg.HeaderTableSize},
		{ID: http2.SettingMaxConcurrentStreams, Val: c.limit.Load()},
		{ID: http2.SettingInitialWindowSize, Val: streamWindow},
		{ID: http2.SettingMaxFrameSize, Val: maxFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: c.cfg.MaxHeaderList},
	}}})
	c.w.send(wjob{kind: jWindow, n: connWindow - 65535})
	c.idle = time.AfterFunc(time.Duration(1<<62), c.idleCheck) // armed below, once c.idle is set
	c.idle.Reset(c.cfg.IdleTimeout)
	defer c.idle.Stop()
	for {
		err := c.readFrame()
		if err == nil {
			continue
		}
		var se http2.StreamError
		var ce http2.ConnectionError
		switch {
		case errors.As(err, &se):
			c.streamError(se.StreamID, se.Code)
			continue
		case errors.As(err, &ce):
			c.connError(http2.ErrCode(ce))
		case errors.Is(err, http2.ErrFrameTooLarge):
			c.connError(http2.ErrCodeFrameSize)
		}
		return
	}
}

// readFrame reads and handles one frame. Between frames the read has no
// deadline (the idle timer bounds a quiet connection); once a frame has
// begun, the rest of it must arrive within ReadTimeout.
func (c *Conn) readFrame() error {
	if c.settings && c.rd.armed && c.rd.buffered() == 0 {
		_ = c.tc.SetReadDeadline(time.Time{})
		c.rd.armed = false
	}
	if err := c.rd.wait(); err != nil {
		return err
	}
	if c.settings && c.rd.buffered() < 9 {
		c.arm()
	}
	fh, err := c.fr.ReadFrameHeader()
	if err != nil {
		return err
	}
	if c.settings && (c.rd.buffered() < int(fh.Length) ||
		fh.Type == http2.FrameHeaders && !fh.Flags.Has(http2.FlagHeadersEndHeaders)) {
		c.arm()
	}
	f, err := c.fr.ReadFrameForHeader(fh)
	if err != nil {
		return err
	}
	return c.frame(f)
}

func (c *Conn) arm() {
	_ = c.tc.SetReadDeadline(time.Now().Add(c.cfg.ReadTimeout))
	c.rd.armed = true
}

// connError sends GOAWAY with code and makes sure it reaches the client:
// the writer flushes it, then the read side drops what the client sent that
// is still unread, for up to a second, so that closing does not reset the
// connection (a reset can discard the GOAWAY in the client's receive buffer).
func (c *Conn) connError(code http2.ErrCode) {
	c.mu.Lock()
	c.away, c.awayErr = true, true
	c.mu.Unlock()
	done := make(chan struct{})
	c.w.send(wjob{kind: jGoAway, stream: c.last, n: uint32(code)})
	c.w.send(wjob{kind: jFlush, more: &jobMore{done: done}})
	t := time.NewTimer(c.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-c.dead:
		return
	case <-t.C:
		return
	}
	end := time.Now().Add(time.Second)
	var buf [512]byte
	for {
		dl := end
		if soon := time.Now().Add(quiet); !unread(c.nc) && soon.Before(end) {
			dl = soon // nothing waiting: what is on its way gets a moment
		}
		_ = c.tc.SetReadDeadline(dl)
		if _, err := c.tc.Read(buf[:]); err != nil {
			return
		}
	}
}

// quiet is how long the client must have sent nothing before a connection
// that is ending closes.
const quiet = 50 * time.Millisecond

// streamError forgets a stream and resets it with code.
func (c *Conn) streamError(id uint32, code http2.ErrCode) {
	c.closeStream(id)
	c.w.send(wjob{kind: jRST, stream: id, n: uint32(code)})
}

// closeStream forgets a stream (with any answer waiting for window); false
// when it was not open.
func (c *Conn) closeStream(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.streams[id]
	if st == nil {
		return false
	}
	if st.out != nil {
		c.pending--
	}
	delete(c.streams, id)
	return true
}

// frameReader is the Framer's reader. Between bursts of frames it holds no
// buffer: an idle connection waits on a one-byte read, and takes a pooled
// 16 KiB reader only once a frame has begun.
type frameReader struct {
	tc    net.Conn
	br    *bufio.Reader
	one   [1]byte
	has   bool // one holds the next byte
	armed bool // a read deadline is set
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

func (r *frameReader) Read(p []byte) (int, error) {
	if r.has && len(p) > 0 {
		p[0], r.has = r.one[0], false
		return 1, nil
	}
	if r.br == nil {
		r.br = readers.Get().(*bufio.Reader)
		r.br.Reset(r.tc)
	}
	return r.br.Read(p)
}

// wait blocks until the next frame's first byte is in.
func (r *frameReader) wait() error {
	if r.buffered() > 0 {
		return nil
	}
	r.release()
	if _, err := io.ReadFull(r.tc, r.one[:]); err != nil {
		return err
	}
	r.has = true
	return nil
}

func (r *frameReader) buffered() int {
	n := 0
	if r.has {
		n = 1
	}
	if r.br != nil {
		n += r.br.Buffered()
	}
	return n
}

func (r *frameReader) release() {
	if r.br != nil {
		r.br.Reset(nil)
		readers.Put(r.br)
		r.br = nil
	}
}
