package h2server

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

type jobKind uint8

const (
	jResponse    jobKind = iota
	jSettings            // our SETTINGS
	jSettingsAck         // ACK of the client's
	jPing                // PING ACK
	jWindow              // WINDOW_UPDATE we grant
	jRST                 // RST_STREAM
	jGoAway              // GOAWAY
	jKick                // the client granted window: send what waits for it
	jFlush               // flush, then close done
	jClose               // flush and close
	jReset               // close with a TCP RST
)

// wjob is one thing for the writer to do. It is kept small: the queue's
// buffer is part of every idle connection's memory.
type wjob struct {
	kind   jobKind
	rst    bool   // RST_STREAM NO_ERROR after the answer: the client had not finished
	stream uint32 // also GOAWAY's Last-Stream-ID
	n      uint32 // :status, window increment or error code
	fields []hpack.HeaderField
	body   []byte // also GOAWAY's debug data, PING's data
	more   *jobMore
}

// jobMore is what the rare jobs carry.
type jobMore struct {
	settings             []http2.Setting
	done                 chan struct{}
	win, table, frameMax int64 // the client's SETTINGS, for jSettingsAck (-1: not sent)
}

// outBody is an answer's body still to send.
type outBody struct {
	id   uint32
	data []byte
	rst  bool
}

// writer owns every write on a connection: the HPACK encoder and the
// buffered writer. Writes are flushed when its queue runs dry, so that
// concurrent answers share syscalls; between flushes it holds no buffer.
type writer struct {
	c        *Conn
	ch       chan wjob
	lw       lazyWriter
	fr       *http2.Framer
	hbuf     bytes.Buffer
	enc      *hpack.Encoder
	waiting  []*outBody // bodies waiting for window, oldest first
	awaySent bool       // the GOAWAY is written: close once every stream is done
}

func newWriter(c *Conn) *writer {
	w := &writer{c: c, ch: make(chan wjob, 64)}
	w.lw.nc = c.tc
	w.fr = http2.NewFramer(&w.lw, nil)
	w.enc = hpack.NewEncoder(&w.hbuf)
	return w
}

// send queues a job; after the connection died it is dropped.
func (w *writer) send(j wjob) {
	select {
	case w.ch <- j:
	case <-w.c.dead:
	}
}

func (w *writer) run() {
	defer func() {
		w.c.kill()
		w.lw.release()
	}()
	for {
		var j wjob
		select {
		case j = <-w.ch:
		case <-w.c.dead:
			return
		}
		switch j.kind {
		case jReset:
			if tc, ok := w.c.nc.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close sends RST instead of FIN
			}
			w.c.nc.Close()
			return
		case jClose:
			w.lingerClose()
			return
		case jFlush:
			err := w.flush()
			close(j.more.done)
			if err != nil {
				return
			}
			continue
		}
		if err := w.do(j); err != nil {
			return
		}
		if w.awaySent && w.c.drained() {
			w.lingerClose()
			return
		}
		if len(w.ch) == 0 && w.flush() != nil {
			return
		}
	}
}

// lingerClose flushes, then leaves the connection open until the client has
// been quiet for a moment with nothing unread (the read loop takes what it
// sends), at most a second: closing with unread data resets the
// connection, and a reset can discard the GOAWAY and answers in the
// client's receive buffer.
func (w *writer) lingerClose() {
	if w.flush() != nil {
		return
	}
	c := w.c
	_ = c.tc.SetReadDeadline(time.Now().Add(time.Second)) // a blocked read wakes by then
	t := time.NewTimer(time.Second)
	defer t.Stop()
	tick := time.NewTicker(quiet / 2)
	defer tick.Stop()
	for still := 0; still < 2; { // quiet for two ticks in a row
		if unread(c.nc) {
			still = 0
		} else {
			still++
		}
		select {
		case <-c.dead:
			return
		case <-t.C:
			return
		case <-tick.C:
		}
	}
}

func (w *writer) flush() error {
	return w.lw.flush(w.c.cfg.WriteTimeout)
}

func (w *writer) do(j wjob) error {
	switch j.kind {
	case jResponse:
		return w.response(j)
	case jSettings:
		return w.fr.WriteSettings(j.more.settings...)
	case jSettingsAck:
		return w.peerSettings(j.more)
	case jPing:
		var d [8]byte
		copy(d[:], j.body)
		return w.fr.WritePing(true, d)
	case jWindow:
		return w.fr.WriteWindowUpdate(j.stream, j.n)
	case jRST:
		return w.fr.WriteRSTStream(j.stream, http2.ErrCode(j.n))
	case jGoAway:
		w.c.mu.Lock()
		w.awaySent = !w.c.awayErr // after an error the read loop closes
		w.c.mu.Unlock()
		return w.fr.WriteGoAway(j.stream, http2.ErrCode(j.n), j.body)
	case jKick:
		return w.retry()
	}
	return nil
}

// peerSettings applies the client's SETTINGS and acknowledges them. A new
// INITIAL_WINDOW_SIZE moves every open stream's window, and may make it
// negative (RFC 9113 §6.9.2); past 2^31-1 it is a connection error.
func (w *writer) peerSettings(j *jobMore) error {
	c := w.c
	c.mu.Lock()
	if j.win >= 0 {
		delta := j.win - c.peerInit
		for _, st := range c.streams {
			if st.send+delta > maxWindow {
				c.awayErr, c.away = true, true
				c.mu.Unlock()
				if err := w.fr.WriteGoAway(c.LastStream(), http2.ErrCodeFlowControl, nil); err != nil {
					return err
				}
				_ = w.flush()
				return errFlowControl
			}
		}
		for _, st := range c.streams {
			st.send += delta
		}
		c.peerInit = j.win
	}
	if j.frameMax >= 0 {
		c.peerMax = int(j.frameMax)
	}
	c.mu.Unlock()
	if j.table >= 0 {
		w.enc.SetMaxDynamicTableSizeLimit(uint32(j.table))
	}
	if err := w.fr.WriteSettingsAck(); err != nil {
		return err
	}
	return w.retry()
}

var errFlowControl = errors.New("h2server: SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window")

// response writes HEADERS, then the body as the client's windows and frame
// size allow: split over as many DATA frames as it takes, the rest waiting
// for WINDOW_UPDATE.
func (w *writer) response(j wjob) error {
	c := w.c
	c.mu.Lock()
	_, open := c.streams[j.stream]
	if open && len(j.body) == 0 {
		delete(c.streams, j.stream) // closed before the client can see END_STREAM
	}
	frameMax := c.peerMax
	c.mu.Unlock()
	if !open {
		return nil // reset by the client, or a stream error: nobody to answer
	}
	w.hbuf.Reset()
	_ = w.enc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(int(j.n))})
	for _, f := range j.fields {
		_ = w.enc.WriteField(f)
	}
	block := w.hbuf.Bytes()
	first := block[:min(len(block), frameMax)]
	block = block[len(first):]
	err := w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: j.stream, BlockFragment: first,
		EndStream: len(j.body) == 0, EndHeaders: len(block) == 0})
	for err == nil && len(block) > 0 {
		frag := block[:min(len(block), frameMax)]
		block = block[len(frag):]
		err = w.fr.WriteContinuation(j.stream, len(block) == 0, frag)
	}
	if err != nil {
		return err
	}
	if len(j.body) == 0 {
		if j.rst {
			return w.fr.WriteRSTStream(j.stream, http2.ErrCodeNo)
		}
		return nil
	}
	ob := &outBody{id: j.stream, data: j.body, rst: j.rst}
	done, err := w.data(ob)
	if err == nil && !done {
		w.waiting = append(w.waiting, ob)
	}
	return err
}

// data sends as much of ob as the windows allow; true when it is all out
// (or its stream is gone).
func (w *writer) data(ob *outBody) (bool, error) {
	c := w.c
	for {
		c.mu.Lock()
		st := c.streams[ob.id]
		if st == nil {
			c.mu.Unlock()
			return true, nil
		}
		n := min(int64(len(ob.data)), c.sendConn, st.send, int64(c.peerMax))
		if n <= 0 {
			if st.out == nil {
				st.out = ob
				c.pending++
			}
			c.mu.Unlock()
			return false, nil
		}
		c.sendConn -= n
		st.send -= n
		end := n == int64(len(ob.data))
		if end {
			if st.out != nil {
				c.pending--
			}
			delete(c.streams, ob.id)
		}
		c.mu.Unlock()
		chunk := ob.data[:n]
		ob.data = ob.data[n:]
		if err := w.fr.WriteData(ob.id, end, chunk); err != nil {
			return true, err
		}
		if end {
			if ob.rst {
				return true, w.fr.WriteRSTStream(ob.id, http2.ErrCodeNo)
			}
			return true, nil
		}
	}
}

// retry sends what waits for window, oldest first.
func (w *writer) retry() error {
	kept := w.waiting[:0]
	for _, ob := range w.waiting {
		done, err := w.data(ob)
		if err != nil {
			return err
		}
		if !done {
			kept = append(kept, ob)
		}
	}
	clear(w.waiting[len(kept):])
	w.waiting = kept
	return nil
}

// drained says whether, after a GOAWAY, every stream is done.
func (c *Conn) drained() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams) == 0 && c.inflight.Load() == 0
}

// lazyWriter buffers writes in a pooled bufio.Writer, taken at the first
// write and given back at each flush.
type lazyWriter struct {
	nc net.Conn
	bw *bufio.Writer
}

var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if l.bw == nil {
		l.bw = writers.Get().(*bufio.Writer)
		l.bw.Reset(l.nc)
	}
	return l.bw.Write(p)
}

func (l *lazyWriter) flush(timeout time.Duration) error {
	if l.bw == nil {
		return nil
	}
	var err error
	if l.bw.Buffered() > 0 {
		_ = l.nc.SetWriteDeadline(time.Now().Add(timeout))
		err = l.bw.Flush()
	}
	if err == nil {
		l.release()
	}
	return err
}

func (l *lazyWriter) release() {
	if l.bw != nil {
		l.bw.Reset(nil)
		writers.Put(l.bw)
		l.bw = nil
	}
}
