// Package h2server is a small HTTP/2 server connection on x/net's Framer and
// HPACK: framing, stream states (RFC 9113 §5.1), flow control both ways,
// request header checks, SETTINGS, GOAWAY and closing. It knows nothing of
// what the requests mean: a Handler gets each complete request and answers
// it, and may raise MAX_CONCURRENT_STREAMS, send GOAWAY with its own debug
// data and Last-Stream-ID, or reset the TCP connection, which Go's
// http2.Server cannot do. Every buffer it holds is bounded by what it
// advertises.
package h2server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Config sets up connections. Zero fields take the defaults in parentheses.
type Config struct {
	MaxStreams      uint32 // MAX_CONCURRENT_STREAMS advertised at first (100)
	HeaderTableSize uint32 // SETTINGS_HEADER_TABLE_SIZE (4096)
	MaxHeaderList   uint32 // SETTINGS_MAX_HEADER_LIST_SIZE (8000)
	// MaxBody is how many body bytes a request keeps; a body longer than
	// that goes to the Handler at once, with Request.Ended false, and the
	// rest is read and dropped (1 MiB).
	MaxBody int
	// IdleTimeout calls Handler.Idle when no request has been in the
	// Handler's hands for this long, however many streams are open and
	// stalled (one hour).
	IdleTimeout time.Duration
	// ReadTimeout bounds the client preface and first SETTINGS (from
	// New), and each frame once its header has arrived (10 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds each flush to the client (10 s).
	WriteTimeout time.Duration
	// PrefaceBy, when set, is when the preface and first SETTINGS must be
	// in (e.g. ReadTimeout after accept, the TLS handshake included);
	// zero: ReadTimeout after New.
	PrefaceBy time.Time
}

// The sizes the server advertises and enforces.
const (
	maxFrameSize = 16384   // SETTINGS_MAX_FRAME_SIZE: the Framer reads no larger frame
	streamWindow = 65535   // SETTINGS_INITIAL_WINDOW_SIZE granted per stream
	connWindow   = 1 << 24 // the connection receive window granted
	maxWindow    = 1<<31 - 1
)

func (c *Config) fill() {
	if c.MaxStreams == 0 {
		c.MaxStreams = 100
	}
	if c.HeaderTableSize == 0 {
		c.HeaderTableSize = 4096
	}
	if c.MaxHeaderList == 0 {
		c.MaxHeaderList = 8000
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = time.Hour
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
}

// Handler is the application on a connection.
type Handler interface {
	// Request gets each complete request (or one whose body passed
	// Config.MaxBody) on the connection's read loop, so per-connection
	// state needs no lock. It must answer with Conn.Respond exactly once,
	// now or later from any goroutine, unless it ends the connection.
	Request(r *Request)
	// Idle is called when the connection has been idle for
	// Config.IdleTimeout; it usually calls Conn.GoAway.
	Idle()
}

// Request is one request as the client sent it.
type Request struct {
	Stream    uint32
	Start     time.Time // when its HEADERS arrived
	Method    string
	Path      string
	Authority string
	Fields    []hpack.HeaderField // regular fields, in order
	Body      []byte              // at most Config.MaxBody+1 bytes
	Size      int                 // body bytes received (may exceed len(Body))
	// Ended is false when the request went to the Handler before the
	// client finished it (its body passed MaxBody): after the answer the
	// stream is reset with NO_ERROR, asking the client to stop (RFC 9113 §8.1).
	Ended bool
	// Truncated is set when the header block passed
	// SETTINGS_MAX_HEADER_LIST_SIZE: only Stream and Start are known, and
	// the answer is usually 431, as Go's server gives.
	Truncated bool
}

// Conn is one server connection.
type Conn struct {
	cfg Config
	h   Handler
	nc  net.Conn // the TCP connection, for resets
	tc  net.Conn // the (TLS) connection frames travel on
	rd  frameReader
	fr  *http2.Framer
	w   *writer

	// Read loop only.
	last     uint32 // highest client stream id seen
	settings bool   // the client's first SETTINGS arrived
	recvConn int64  // connection receive window left
	recvd    uint32 // DATA bytes since the last connection WINDOW_UPDATE

	limit    atomic.Uint32 // MAX_CONCURRENT_STREAMS advertised
	lastID   atomic.Uint32 // last, for other goroutines
	inflight atomic.Int32  // requests the Handler has not answered
	activity atomic.Int64  // UnixNano of the last request in or answer out

	// mu guards the stream table and the send windows, shared by the read
	// loop (which opens streams and takes WINDOW_UPDATE and SETTINGS) and
	// the writer (which spends window and closes streams).
	mu       sync.Mutex
	streams  map[uint32]*stream
	sendConn int64 // connection send window
	peerInit int64 // the client's SETTINGS_INITIAL_WINDOW_SIZE
	peerMax  int   // the client's SETTINGS_MAX_FRAME_SIZE
	pending  int   // streams with an answer waiting for window
	away     bool  // a GOAWAY was queued: no new streams
	awayErr  bool  // …for a connection error: the read loop closes

	dead     chan struct{}
	killOnce sync.Once
	idle     *time.Timer
}

// New makes a connection on tc (nc is the TCP connection under it, for
// Reset). The ReadTimeout for the preface starts now.
func New(tc, nc net.Conn, cfg Config, h Handler) *Conn {
	cfg.fill()
	if cfg.PrefaceBy.IsZero() {
		cfg.PrefaceBy = time.Now().Add(cfg.ReadTimeout)
	}
	c := &Conn{cfg: cfg, h: h, nc: nc, tc: tc, streams: map[uint32]*stream{}, sendConn: 65535, peerInit: 65535,
		peerMax: 16384, recvConn: connWindow, dead: make(chan struct{})}
	_ = tc.SetReadDeadline(cfg.PrefaceBy)
	c.rd.tc, c.rd.armed = tc, true
	c.fr = http2.NewFramer(nil, &c.rd)
	c.fr.SetMaxReadFrameSize(maxFrameSize)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(cfg.HeaderTableSize, nil)
	c.fr.MaxHeaderListSize = cfg.MaxHeaderList
	c.w = newWriter(c)
	c.limit.Store(cfg.MaxStreams)
	c.activity.Store(time.Now().UnixNano())
	return c
}

// Done is closed when the connection is gone.
func (c *Conn) Done() <-chan struct{} { return c.dead }

// Alive says whether the connection is still up.
func (c *Conn) Alive() bool {
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

// LastStream is the highest stream id the client opened.
func (c *Conn) LastStream() uint32 { return c.lastID.Load() }

// Streams is how many streams are open (for tests and stats).
func (c *Conn) Streams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams)
}

func (c *Conn) kill() {
	c.killOnce.Do(func() {
		close(c.dead)
		c.tc.Close()
	})
}

// idleCheck calls Handler.Idle once nothing has been in the Handler's hands
// for IdleTimeout. Streams the client left half-open do not count: a stalled
// upload is idle, and must not hold the connection forever.
func (c *Conn) idleCheck() {
	if !c.Alive() {
		return
	}
	idle := c.cfg.IdleTimeout
	quiet := time.Since(time.Unix(0, c.activity.Load()))
	if c.inflight.Load() > 0 {
		c.idle.Reset(idle) // an answer, when it goes out, restarts the count
		return
	}
	if quiet < idle {
		c.idle.Reset(max(idle-quiet, time.Millisecond))
		return
	}
	c.h.Idle()
}
