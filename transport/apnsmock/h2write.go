package apnsmock

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

type jobKind uint8

const (
	jResponse     jobKind = iota
	jSettings             // our SETTINGS
	jSettingsAck          // ACK of the client's
	jPing                 // PING ACK
	jWindow               // connection WINDOW_UPDATE we grant
	jRST                  // RST_STREAM
	jGoAway               // GOAWAY
	jPeerWindow           // the client granted send window
	jPeerSettings         // the client's INITIAL_WINDOW_SIZE / HEADER_TABLE_SIZE
	jClose                // flush and close
	jReset                // close with a TCP RST
)

// wjob is one thing for the writer to do.
type wjob struct {
	kind     jobKind
	stream   uint32
	status   int
	apnsID   string
	uniqueID string
	body     []byte
	rst      bool // RST_STREAM NO_ERROR after the answer: the client had not finished
	code     http2.ErrCode
	debug    []byte
	n, table uint32
	settings []http2.Setting
	ping     [8]byte
}

// h2writer owns every write on a connection: the HPACK encoder, the send
// windows and the buffered writer. Writes are flushed when its queue runs
// dry, so concurrent answers share syscalls.
type h2writer struct {
	c        *h2conn
	ch       chan wjob
	bw       *bufio.Writer
	fr       *http2.Framer
	hbuf     bytes.Buffer
	enc      *hpack.Encoder
	connWin  int64
	peerInit int64
	extra    map[uint32]int64 // per-stream window granted beyond peerInit
	pending  []wjob           // error bodies waiting for window
}

func newH2writer(c *h2conn) *h2writer {
	w := &h2writer{c: c, ch: make(chan wjob, 256), connWin: 65535, peerInit: 65535, extra: map[uint32]int64{}}
	w.bw = bufio.NewWriterSize(c.tc, 16<<10)
	w.fr = http2.NewFramer(w.bw, nil)
	w.enc = hpack.NewEncoder(&w.hbuf)
	return w
}

// send queues a job; after the connection died it is dropped.
func (w *h2writer) send(j wjob) {
	select {
	case w.ch <- j:
	case <-w.c.dead:
	}
}

func (w *h2writer) run() {
	defer w.c.kill()
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
			_ = w.flush()
			return
		}
		if err := w.do(j); err != nil {
			return
		}
		if len(w.ch) == 0 && w.flush() != nil {
			return
		}
	}
}

func (w *h2writer) flush() error {
	if w.bw.Buffered() == 0 {
		return nil
	}
	_ = w.c.tc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return w.bw.Flush()
}

func (w *h2writer) do(j wjob) error {
	switch j.kind {
	case jResponse:
		return w.response(j)
	case jSettings:
		return w.fr.WriteSettings(j.settings...)
	case jSettingsAck:
		return w.fr.WriteSettingsAck()
	case jPing:
		return w.fr.WritePing(true, j.ping)
	case jWindow:
		return w.fr.WriteWindowUpdate(0, j.n)
	case jRST:
		return w.fr.WriteRSTStream(j.stream, j.code)
	case jGoAway:
		return w.fr.WriteGoAway(j.stream, j.code, j.debug)
	case jPeerWindow:
		if j.stream == 0 {
			w.connWin += int64(j.n)
		} else if len(w.extra) < 4096 {
			w.extra[j.stream] += int64(j.n)
		}
		return w.retry()
	case jPeerSettings:
		if j.n != ^uint32(0) {
			w.peerInit = int64(j.n)
		}
		if j.table != ^uint32(0) {
			w.enc.SetMaxDynamicTableSizeLimit(j.table)
		}
		return w.retry()
	}
	return nil
}

// response writes HEADERS (END_STREAM on a 200: headers only, as APNs) and,
// for an error, the JSON body once the client's windows allow it.
func (w *h2writer) response(j wjob) error {
	w.hbuf.Reset()
	_ = w.enc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(j.status)})
	if j.body != nil {
		_ = w.enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/json"})
	}
	// Unique per push: never indexed, so they don't churn the client's table.
	_ = w.enc.WriteField(hpack.HeaderField{Name: "apns-id", Value: j.apnsID, Sensitive: true})
	if j.uniqueID != "" {
		_ = w.enc.WriteField(hpack.HeaderField{Name: "apns-unique-id", Value: j.uniqueID, Sensitive: true})
	}
	err := w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: j.stream, BlockFragment: w.hbuf.Bytes(),
		EndStream: j.body == nil, EndHeaders: true})
	if err != nil {
		return err
	}
	if j.body == nil {
		if j.rst {
			return w.fr.WriteRSTStream(j.stream, http2.ErrCodeNo)
		}
		return nil
	}
	sent, err := w.data(j)
	if err == nil && !sent {
		w.pending = append(w.pending, j)
	}
	return err
}

func (w *h2writer) data(j wjob) (bool, error) {
	n := int64(len(j.body))
	if n > w.connWin || n > w.peerInit+w.extra[j.stream] {
		return false, nil
	}
	w.connWin -= n
	delete(w.extra, j.stream)
	if err := w.fr.WriteData(j.stream, true, j.body); err != nil {
		return true, err
	}
	if j.rst {
		return true, w.fr.WriteRSTStream(j.stream, http2.ErrCodeNo)
	}
	return true, nil
}

// retry writes the bodies that were waiting for window.
func (w *h2writer) retry() error {
	kept := w.pending[:0]
	for _, j := range w.pending {
		sent, err := w.data(j)
		if err != nil {
			return err
		}
		if !sent {
			kept = append(kept, j)
		}
	}
	w.pending = kept
	return nil
}
