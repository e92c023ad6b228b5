package provider

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// h1 is the caller app's keep-alive HTTP/1.1 connections for pushes to a
// plain-HTTP provider (the built-in one): every call posts once, and
// net/http's client spent a tenth of a call's CPU around that one request
// (a reader and a writer goroutine per connection and a hand-off to each,
// a parsed URL, a header map, a context with a deadline, a request and a
// response struct). Here the calling goroutine writes the request in one
// write and reads the answer itself. The bytes on the wire are an ordinary
// HTTP/1.1 request and the server is still net/http.
type h1 struct {
	base    string // the BaseURL it serves, "http://host:port"
	host    string // host:port to dial and send as Host
	timeout time.Duration
	dialer  net.Dialer

	mu     sync.Mutex
	idle   []*h1conn
	closed bool
}

// h1MaxIdle bounds the kept connections, as MaxIdleConnsPerHost did.
const h1MaxIdle = 256

// newH1 returns the fast path for baseURL, or nil when it is not a plain
// http://host:port (no path: BaseURL+PathPush must be the URL net/http
// would post to).
func newH1(baseURL string, timeout time.Duration) *h1 {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.Port() == "" {
		return nil
	}
	if proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || proxy != nil {
		return nil // net/http's client would go through the proxy: let it
	}
	return &h1{base: baseURL, host: u.Host, timeout: timeout,
		dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
}

type h1conn struct {
	nc   net.Conn
	br   *bufio.Reader
	wb   []byte    // the request being written, kept for the next
	idle time.Time // when it was put back
}

// h1ProbeAfter is how long a connection may sit idle before it is checked
// for a close by the server (a team's server may close idle connections
// after a few seconds: gunicorn's default is 2 s, Node's 5 s). net/http's
// client notices such closes with a reader goroutine per connection; here a
// reused connection idle this long is peeked without blocking first, so a
// push never goes out on a connection the server has closed. Under load,
// connections come back within microseconds and are never probed.
const h1ProbeAfter = 50 * time.Millisecond

func (h *h1) get(ctx context.Context) (*h1conn, error) {
	for {
		h.mu.Lock()
		n := len(h.idle)
		if n == 0 {
			h.mu.Unlock()
			break
		}
		c := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		if time.Since(c.idle) < h1ProbeAfter || c.open() {
			return c, nil
		}
		_ = c.nc.Close()
	}
	nc, err := h.dialer.DialContext(ctx, "tcp", h.host)
	if err != nil {
		return nil, err
	}
	return &h1conn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}, nil
}

func (h *h1) put(c *h1conn) {
	c.idle = time.Now()
	h.mu.Lock()
	if !h.closed && len(h.idle) < h1MaxIdle {
		h.idle = append(h.idle, c)
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	_ = c.nc.Close()
}

// close closes the idle connections; those in use close when their
// request ends, and later requests dial and close their own: Close comes
// before the server's Shutdown, which then has nothing idle to wait for.
func (h *h1) close() {
	h.mu.Lock()
	idle := h.idle
	h.idle, h.closed = nil, true
	h.mu.Unlock()
	for _, c := range idle {
		_ = c.nc.Close()
	}
}

// aLongTimeAgo is a deadline that has passed: it wakes a blocked read or
// write when the request's context ends.
var aLongTimeAgo = time.Unix(1, 0)

// post sends body to path and returns the answer's status and body (at
// most maxBody bytes). The error reads as net/http's would.
func (h *h1) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, h.urlErr(path, err)
	}
	c, err := h.get(ctx)
	if err != nil {
		return 0, nil, h.urlErr(path, err)
	}
	status, b, keep, err := h.round(ctx, c, path, body)
	if err != nil {
		_ = c.nc.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return 0, nil, h.urlErr(path, err)
	}
	// Bytes already past the answer were not asked for (net/http's client
	// ends such a connection): the next push would read them as its answer.
	if keep && c.br.Buffered() == 0 {
		h.put(c)
	} else {
		_ = c.nc.Close()
	}
	return status, b, nil
}

func (h *h1) urlErr(path string, err error) error {
	return &url.Error{Op: "Post", URL: h.base + path, Err: err}
}

// round is one request and answer on c; keep says c may carry another.
func (h *h1) round(ctx context.Context, c *h1conn, path string, body []byte) (status int, b []byte, keep bool, err error) {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
		defer func() {
			if !stop() {
				keep = false // the deadline may be poisoned: never reuse
			}
		}()
	}
	if h.timeout > 0 {
		if err := c.nc.SetDeadline(time.Now().Add(h.timeout)); err != nil {
			return 0, nil, false, err
		}
	}
	w := append(c.wb[:0], "POST "...)
	w = append(w, path...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, h.host...)
	w = append(w, "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: "...)
	w = strconv.AppendInt(w, int64(len(body)), 10)
	w = append(w, "\r\nContent-Type: application/json\r\n\r\n"...)
	w = append(w, body...)
	c.wb = w
	if _, err := c.nc.Write(w); err != nil {
		return 0, nil, false, err
	}
	return c.readResponse()
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one answer: status line, header and a body framed by
// Content-Length, chunked coding or the connection's end. Interim 1xx
// answers are skipped as net/http skips them.
func (c *h1conn) readResponse() (status int, body []byte, keep bool, err error) {
	for {
		line, err := c.line()
		if err != nil {
			if err == io.EOF && status != 0 {
				err = io.ErrUnexpectedEOF // after an interim answer
			}
			return 0, nil, false, err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
			(len(line) > 12 && line[12] != ' ') || line[9] == '0' {
			return 0, nil, false, fmt.Errorf("%w: %q", errMalformed, line)
		}
		minor := line[7]
		status = 0
		for _, d := range line[9:12] {
			if d < '0' || d > '9' {
				return 0, nil, false, fmt.Errorf("%w: %q", errMalformed, line)
			}
			status = status*10 + int(d-'0')
		}
		keep = minor == '1'
		length, chunked, err := c.header(&keep)
		if err != nil {
			return 0, nil, false, err
		}
		if chunked && minor == '0' {
			// net/http ignores transfer codings in HTTP/1.0: no guess here.
			return 0, nil, false, fmt.Errorf("%w: HTTP/1.0 with Transfer-Encoding", errMalformed)
		}
		if status >= 100 && status < 200 && status != 101 {
			continue
		}
		if status == 101 {
			return 0, nil, false, fmt.Errorf("%w: unexpected 101 Switching Protocols", errMalformed)
		}
		switch {
		case status == 204 || status == 304:
			return status, nil, keep, nil
		case chunked:
			b, err := io.ReadAll(io.LimitReader(httputil.NewChunkedReader(c.br), maxBody))
			if err != nil || len(b) == maxBody {
				return status, b, false, err // the rest unread: the connection ends here
			}
			// Trailer fields, if any, up to the final empty line: net/http's
			// client reads them and the caller never looks at them.
			if err := c.trailer(); err != nil {
				return 0, nil, false, err
			}
			return status, b, keep, nil
		case length >= 0:
			n := min(length, maxBody)
			b := make([]byte, n)
			if _, err := io.ReadFull(c.br, b); err != nil {
				return 0, nil, false, err
			}
			return status, b, keep && n == length, nil
		default:
			b, err := io.ReadAll(io.LimitReader(c.br, maxBody))
			return status, b, false, err
		}
	}
}

// h1MaxLine bounds one header line: a line longer than the 4 KiB buffer
// (a long policy or cookie a team's server sends) is read as net/http's
// client reads it, whose bound is the whole header's 10 MB.
const h1MaxLine = 1 << 20

// line reads one header line without its CRLF.
func (c *h1conn) line() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...) // ReadSlice's bytes last until the next read
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= h1MaxLine {
			line, err = c.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: header line too long", errMalformed)
		}
		if err == io.EOF && len(line) > 0 {
			// Closed without a byte of answer, net/http says EOF; in the
			// middle of one, unexpected EOF.
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// trailer reads the fields after a chunked body up to the empty line.
func (c *h1conn) trailer() error {
	// net/http's chunked body wants two bytes here, the usual CRLF or a field.
	if end, err := c.br.Peek(2); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	} else if string(end) == "\r\n" {
		_, _ = c.br.Discard(2)
		return nil
	}
	for n := 0; ; n++ {
		line, err := c.line()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil || len(line) == 0 {
			return err
		}
		if colon := bytes.IndexByte(line, ':'); n > 100 || colon <= 0 || !token(line[:colon]) || !fieldValue(line[colon+1:]) {
			return fmt.Errorf("%w: trailer line %q", errMalformed, line)
		}
	}
}

// header reads the header fields up to the empty line; length is -1 when
// there is no Content-Length.
func (c *h1conn) header(keep *bool) (length int64, chunked bool, err error) {
	length = -1
	closing := false // a close token wins over keep-alive, as in net/http
	for n := 0; ; n++ {
		line, err := c.line()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			return length, chunked, nil
		}
		if n > 100 {
			return 0, false, fmt.Errorf("%w: too many header fields", errMalformed)
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !token(line[:colon]) || !fieldValue(line[colon+1:]) {
			return 0, false, fmt.Errorf("%w: header line %q", errMalformed, line)
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := digits(value)
			if !ok || (length >= 0 && v != length) {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			length = v
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) {
				return 0, false, fmt.Errorf("%w: Transfer-Encoding %q", errMalformed, value)
			}
			chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			for _, tok := range bytes.Split(value, []byte(",")) {
				tok = bytes.TrimSpace(tok)
				switch {
				case bytes.EqualFold(tok, []byte("close")):
					*keep, closing = false, true
				case bytes.EqualFold(tok, []byte("keep-alive")):
					*keep = !closing
				}
			}
		}
	}
}

// token reports whether b is a header field name (RFC 9110's token), as
// net/http requires.
func token(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// fieldValue reports whether b holds no control character but tab.
func fieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// digits parses a Content-Length: decimal digits only, no sign.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
