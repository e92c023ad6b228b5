package provider

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rawServer answers every request on a connection with the next of
// answers (raw bytes) and hands the requests it read to got.
func rawServer(t *testing.T, answers ...string) (url string, got chan *http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	got = make(chan *http.Request, 16)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for _, a := range answers {
					r, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					b, _ := io.ReadAll(r.Body)
					r.Body = io.NopCloser(bytes.NewReader(b))
					got <- r
					if _, err := io.WriteString(nc, a); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), got
}

// TestPushFastAnswersAsNetHTTP: for each answer a server may give, a push
// over the fast path returns what net/http's client returned (the result,
// and an error or none), and the server reads the same request: method,
// path, Host, Content-Type, Content-Length and body byte for byte.
func TestPushFastAnswersAsNetHTTP(t *testing.T) {
	const okBody = `{"apns_id":"A1","status":200,"payload_bytes":10,"apns_rtt_us":5}` + "\n"
	tests := []struct {
		name, answer string
		wantErr      bool
	}{
		{name: "content-length", answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 65\r\n\r\n" + okBody},
		{name: "rejected", answer: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 55\r\n\r\n" + `{"apns_id":"A1","status":400,"reason":"BadDeviceToken"}`},
		{name: "chunked", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + okBody[:16] + "\r\n31\r\n" + okBody[16:] + "\r\n0\r\n\r\n"},
		{name: "interim 100 first", answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + okBody},
		{name: "connection close", answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 65\r\n\r\n" + okBody},
		{name: "body to the end", answer: "HTTP/1.0 200 OK\r\n\r\n" + okBody},
		{name: "no body", answer: "HTTP/1.1 204 No Content\r\n\r\n", wantErr: true}, // "answered 204"
		{name: "not JSON", answer: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops\n", wantErr: true},
		{name: "short body", answer: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" + okBody, wantErr: true},
		{name: "garbage", answer: "SMTP ready\r\n\r\n", wantErr: true},
		{name: "bad length", answer: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", wantErr: true},
		{name: "nothing", answer: "", wantErr: true},
	}
	req := PushRequest{Token: tok, Envelope: []byte(`{"v":1,"ts":1700000000000,"ttl":45}`),
		TraceParent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results [2]PushResult
			var errs [2]error
			var reqs [2]*http.Request
			var hosts [2]string
			for i, fast := range []bool{false, true} {
				url, got := rawServer(t, tt.answer)
				hosts[i] = strings.TrimPrefix(url, "http://")
				c := NewClient(url)
				if c.fast == nil {
					t.Fatal("no fast path for a plain http URL")
				}
				if !fast {
					c.fast = nil
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				results[i], errs[i] = c.Push(ctx, req)
				cancel()
				c.Close()
				reqs[i] = <-got
			}
			if (errs[0] != nil) != (errs[1] != nil) || (errs[1] != nil) != tt.wantErr {
				t.Fatalf("errors: net/http %v, fast %v (want one: %v)", errs[0], errs[1], tt.wantErr)
			}
			if !reflect.DeepEqual(results[0], results[1]) {
				t.Errorf("results: net/http %+v, fast %+v", results[0], results[1])
			}
			a, b := reqs[0], reqs[1]
			ab, _ := io.ReadAll(a.Body)
			bb, _ := io.ReadAll(b.Body)
			if a.Method != b.Method || a.RequestURI != b.RequestURI || a.Host != hosts[0] || b.Host != hosts[1] || a.ContentLength != b.ContentLength ||
				a.Header.Get("Content-Type") != b.Header.Get("Content-Type") || a.Header.Get("User-Agent") != b.Header.Get("User-Agent") ||
				!bytes.Equal(ab, bb) || len(a.TransferEncoding)+len(b.TransferEncoding) != 0 {
				t.Errorf("requests differ:\nnet/http %s %s %s %d %v %q\nfast     %s %s %s %d %v %q",
					a.Method, a.RequestURI, a.Host, a.ContentLength, a.Header, ab, b.Method, b.RequestURI, b.Host, b.ContentLength, b.Header, bb)
			}
		})
	}
}

// TestPushFastKeepsConnections: pushes reuse one keep-alive connection;
// an answer that closes it makes the next push dial; Close leaves nothing
// idle, and a push after Close still works.
func TestPushFastKeepsConnections(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"status\":200}"
	const closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 14\r\n\r\n{\"status\":200}"
	url, got := rawServer(t, ok, ok, closing)
	c := NewClient(url)
	for i := range 5 {
		res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)})
		if err != nil || res.Status != 200 {
			t.Fatalf("push %d: %v %+v", i, err, res)
		}
		<-got
	}
	c.fast.mu.Lock()
	idle := len(c.fast.idle)
	c.fast.mu.Unlock()
	if idle != 1 {
		t.Errorf("%d idle connections after sequential pushes, want 1", idle)
	}
	c.Close()
	if len(c.fast.idle) != 0 {
		t.Errorf("%d idle after Close", len(c.fast.idle))
	}
	if res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)}); err != nil || res.Status != 200 {
		t.Fatalf("push after Close: %v %+v", err, res)
	}
	if len(c.fast.idle) != 0 {
		t.Errorf("a push after Close left a connection idle")
	}
}

// TestPushFastContext: a push whose context ends while the server holds
// the answer returns the context's error, and its connection is not kept.
func TestPushFastContext(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hold }))
	defer srv.Close()
	defer close(hold)
	c := NewClient(srv.URL)
	if c.fast == nil {
		t.Fatal("no fast path")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Push(ctx, PushRequest{Token: tok, Envelope: []byte(`{}`)})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "provider: POST /v1/push: Post \""+srv.URL+"/v1/push\"") {
		t.Fatalf("error %v, want the deadline, worded as net/http's", err)
	}
	if len(c.fast.idle) != 0 {
		t.Error("the timed-out connection was kept")
	}
}

// TestNewH1OnlyPlainHTTP: the fast path serves plain http://host:port base
// URLs; anything else goes through net/http.
func TestNewH1OnlyPlainHTTP(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://[::1]:80": true, "http://localhost:80/": false, // net/http would post to //v1/push
		"https://127.0.0.1:8443": false, "http://127.0.0.1:8080/api": false, "http://u:p@127.0.0.1:1": false,
		"http://127.0.0.1": false, "::bad": false,
	} {
		if got := newH1(url, time.Second) != nil; got != want {
			t.Errorf("%s: fast path %v, want %v", url, got, want)
		}
	}
}

// FuzzReadResponse: whatever answer readResponse accepts, net/http's
// ReadResponse accepts with the same status and body.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"HTTP/1.0 502 Bad Gateway\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &h1conn{br: bufio.NewReader(bytes.NewReader(b))}
		status, body, keep, err := c.readResponse()
		if err != nil {
			return
		}
		// net/http's client reads past interim (1xx) answers as readResponse does.
		br := bufio.NewReader(bytes.NewReader(b))
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost})
		for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			resp, err = http.ReadResponse(br, &http.Request{Method: http.MethodPost})
		}
		if err != nil {
			t.Fatalf("readResponse took %q (status %d), net/http: %v", b, status, err)
		}
		want, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			t.Fatalf("readResponse took %q, net/http's body: %v", b, err)
		}
		if resp.StatusCode != status || !bytes.Equal(want, body) {
			t.Fatalf("%q: readResponse %d %q, net/http %d %q", b, status, body, resp.StatusCode, want)
		}
		if keep && resp.Close {
			t.Fatalf("%q: readResponse keeps a connection net/http's client closes", b)
		}
	})
}

// TestPushFastServerClosedIdle: a server that closes idle connections (as
// gunicorn does after 2 s) never fails the next push: the fast path sees
// the close before it writes. A connection still open after a long idle is
// reused, not redialled.
func TestPushFastServerClosedIdle(t *testing.T) {
	states := make(chan http.ConnState, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":200}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew || s == http.StateClosed {
			states <- s
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewClient(srv.URL)
	defer c.Close()
	push := func(what string) {
		t.Helper()
		if res, err := c.Push(context.Background(), PushRequest{Token: tok, Envelope: []byte(`{}`)}); err != nil || res.Status != 200 {
			t.Fatalf("%s: %v %+v", what, err, res)
		}
	}
	await := func(want http.ConnState) {
		t.Helper()
		select {
		case s := <-states:
			if s != want {
				t.Fatalf("connection state %v, want %v", s, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v connection within 5s", want)
		}
	}
	push("first push")
	await(http.StateNew)

	// Idle for long, still open: reused.
	c.fast.mu.Lock()
	c.fast.idle[0].idle = time.Now().Add(-time.Hour)
	c.fast.mu.Unlock()
	push("push on a long-idle open connection")
	select {
	case s := <-states:
		t.Fatalf("a long-idle open connection was not reused: %v", s)
	default:
	}

	// The server closes it (its idle timeout): the next push dials.
	srv.Config.SetKeepAlivesEnabled(false) // closes idle connections now
	await(http.StateClosed)
	c.fast.mu.Lock()
	c.fast.idle[0].idle = time.Now().Add(-time.Second)
	c.fast.mu.Unlock()
	srv.Config.SetKeepAlivesEnabled(true)
	push("push after the server closed the idle connection")
	await(http.StateNew)
}
