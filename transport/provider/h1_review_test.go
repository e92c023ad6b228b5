package provider

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadResponseCloseWins: an answer whose Connection header says close
// ends its connection whatever else the header lists, as net/http's client
// reads it (a later keep-alive token does not undo it): reused, the next
// push would go out on a connection the server is closing.
func TestReadResponseCloseWins(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nConnection: close, keep-alive\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.0 200 OK\r\nConnection: Close,Keep-Alive\r\nContent-Length: 2\r\n\r\n{}",
	} {
		c := &h1conn{br: bufio.NewReader(strings.NewReader(answer))}
		_, _, keep, err := c.readResponse()
		if err != nil || keep {
			t.Errorf("%q: keep %v, err %v; want the connection closed", answer, keep, err)
		}
	}
}

// TestPushFastUnaskedBytes: bytes past the answer (a server that wrote
// more than its Content-Length, or a second answer nobody asked for) end
// the connection, as net/http's client ends a connection with unsolicited
// data: kept, the next push would read them as its own answer.
func TestPushFastUnaskedBytes(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"status\":200}"
	const extra = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"status\":418}"
	url, got := rawServer(t, ok+extra, ok)
	c := NewClient(url)
	defer c.Close()
	for i := range 3 {
		res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)})
		if err != nil || res.Status != 200 {
			t.Fatalf("push %d: %v %+v (read another answer's bytes)", i, err, res)
		}
		<-got
	}
}

// TestPushFastLongHeaderField: an answer with a header field longer than
// the connection's 4 KiB buffer (a long Content-Security-Policy or cookie
// from the team's server) is read as net/http's client reads it, not
// refused as malformed.
func TestPushFastLongHeaderField(t *testing.T) {
	long := "HTTP/1.1 200 OK\r\nX-Policy: " + strings.Repeat("a", 10000) + "\r\nContent-Length: 14\r\n\r\n{\"status\":200}"
	for _, fast := range []bool{false, true} {
		url, got := rawServer(t, long, long)
		c := NewClient(url)
		if !fast {
			c.fast = nil
		}
		for i := range 2 {
			res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)})
			if err != nil || res.Status != 200 {
				t.Fatalf("fast %v, push %d: %v %+v", fast, i, err, res)
			}
			<-got
		}
		c.Close()
	}
}

// TestPushFastAsNetHTTPMore: answers where the fast path said other than
// net/http's client: trailer fields after a chunked body (net/http reads
// and drops them: the push succeeded), and a server that closes without a
// byte of answer (net/http says EOF, not unexpected EOF). The connection
// after a trailer is kept and read right.
func TestPushFastAsNetHTTPMore(t *testing.T) {
	const okc = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ne\r\n{\"status\":200}\r\n0\r\n"
	tests := []struct{ name, answer, err string }{
		{name: "trailer", answer: okc + "X-Checksum: 1\r\nX-Other: 2\r\n\r\n"},
		{name: "no trailer", answer: okc + "\r\n"},
		{name: "nothing", answer: "", err: `/v1/push": EOF`},
	}
	for _, tt := range tests {
		for _, fast := range []bool{false, true} {
			answers := []string{tt.answer}
			if tt.err == "" {
				answers = append(answers, tt.answer)
			}
			url, got := rawServer(t, answers...)
			c := NewClient(url)
			if !fast {
				c.fast = nil
			}
			for i := range 2 {
				res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)})
				switch {
				case tt.err == "" && (err != nil || res.Status != 200):
					t.Errorf("%s: fast %v, push %d: %v %+v", tt.name, fast, i, err, res)
				case tt.err != "" && (err == nil || fast && !strings.Contains(err.Error(), tt.err)):
					t.Errorf("%s: fast %v, push %d: error %v, want %q", tt.name, fast, i, err, tt.err)
				}
				<-got
				if tt.err != "" {
					break
				}
			}
			c.Close()
		}
	}
}

// TestPushFastReusesAfterDeadline: a connection idle past the last push's
// timeout (90 s: pushes sent by hand, minutes apart) is still open and is
// reused; the deadline left from that push is no verdict on the
// connection (the probe read failed on it, and every such push dialled).
func TestPushFastReusesAfterDeadline(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":200}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewClient(srv.URL)
	defer c.Close()
	for i := range 2 {
		if res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)}); err != nil || res.Status != 200 {
			t.Fatalf("push %d: %v %+v", i, err, res)
		}
		// As if the push's 90 s timeout had passed while it sat idle.
		c.fast.mu.Lock()
		ic := c.fast.idle[0]
		ic.idle = time.Now().Add(-time.Hour)
		_ = ic.nc.SetDeadline(time.Now().Add(-time.Second))
		c.fast.mu.Unlock()
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("%d connections for two pushes on an open one, want 1", conns)
	}
}
