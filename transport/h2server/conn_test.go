package h2server

import (
	"bytes"
	"io"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestConn drives one connection with raw frames: the parts of the state
// machine a Handler sees (early answers, trailers, GOAWAY with streams
// open) and the checks of the frame sequence itself.
func TestConn(t *testing.T) {
	post := func(extra ...string) []string { return append(append([]string{}, post...), extra...) }
	data := func(id uint32, end bool, s string) func(c *client) {
		return func(c *client) {
			if err := c.fr.WriteData(id, end, []byte(s)); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	hdr := func(id uint32, end bool, fields ...string) func(c *client) {
		return func(c *client) { c.headers(id, end, fields...) }
	}
	answerHeld := func(c *client) {
		c.a.mu.Lock()
		r := c.a.got[0]
		c.a.mu.Unlock()
		c.a.c.Respond(r, 200, nil, nil)
	}
	type step struct {
		do   func(c *client)
		want []string
	}
	cases := []struct {
		name    string
		cfg     Config
		hold    bool
		noHello bool // skip the handshake
		steps   []step
		body    string // the body the Handler must have got
	}{
		{name: "a body over MaxBody: answered at once, then RST_STREAM NO_ERROR", cfg: Config{MaxBody: 4},
			steps: []step{{hdr(1, false, post()...), nil}, {data(1, false, "hello"), []string{"HEADERS 200", "DATA ok END", "RST NO_ERROR"}}},
			body:  "hello"},
		{name: "trailers end the body", steps: []step{{hdr(1, false, post()...), nil}, {data(1, false, "ab"), nil},
			{hdr(1, true, "x-trailer", "1"), []string{"HEADERS 200", "DATA ok END"}}}, body: "ab"},
		{name: "trailers without END_STREAM", steps: []step{{hdr(1, false, post()...), nil},
			{hdr(1, false, "x-trailer", "1"), []string{"RST PROTOCOL_ERROR"}}}},
		{name: "HEADERS on a half-closed (remote) stream", hold: true, steps: []step{{hdr(1, true, post()...), nil},
			{hdr(1, true, "x-trailer", "1"), []string{"RST STREAM_CLOSED"}}}},
		{name: "a stream id going down", steps: []step{{hdr(3, true, post()...), []string{"HEADERS 200", "DATA ok END"}},
			{hdr(1, true, post()...), []string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{name: "GOAWAY waits for the streams in flight", hold: true, steps: []step{{hdr(1, true, post()...), nil},
			{func(c *client) {
				c.ping() // its answer shows the HEADERS were read
				c.a.c.GoAway(1, http2.ErrCodeNo, nil, false)
			}, []string{"GOAWAY NO_ERROR"}},
			{hdr(3, true, post()...), nil}, // after the GOAWAY: ignored
			{answerHeld, []string{"HEADERS 200 END", "closed"}}}},
		{name: "the first frame is not SETTINGS", noHello: true, steps: []step{{func(c *client) {
			_, _ = io.WriteString(c.conn, http2.ClientPreface)
			_ = c.fr.WritePing(false, [8]byte{})
		}, []string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{name: "a CONTINUATION flood", steps: []step{{func(c *client) {
			c.hbuf.Reset()
			for i := 0; i < 4; i++ {
				_ = c.enc.WriteField(hpack.HeaderField{Name: ":method", Value: "POST"})
			}
			_ = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.hbuf.Bytes()})
			junk := bytes.Repeat([]byte{0x40, 0x01, 'a', 0x01, 'b'}, 3000)
			for i := 0; i < 100; i++ {
				if c.fr.WriteContinuation(1, false, junk) != nil {
					break // the server hung up
				}
			}
		}, []string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &answerer{status: 200, body: []byte("ok"), hold: tc.hold}
			c := serve(t, tc.cfg, a)
			if !tc.noHello {
				c.handshake()
			}
			for i, s := range tc.steps {
				s.do(c)
				for _, want := range s.want {
					if got := c.next(); got != want {
						t.Fatalf("step %d: got %q, want %q", i+1, got, want)
					}
				}
			}
			if tc.body != "" {
				a.mu.Lock()
				defer a.mu.Unlock()
				if len(a.got) != 1 || string(a.got[0].Body) != tc.body {
					t.Errorf("the Handler got %d requests, body %q; want 1, %q", len(a.got), firstBody(a.got), tc.body)
				}
			}
		})
	}
}

func firstBody(rs []*Request) string {
	if len(rs) == 0 {
		return ""
	}
	return string(rs[0].Body)
}

// ping sends a PING and waits for its answer: everything sent before it
// has been read.
func (c *client) ping() {
	c.t.Helper()
	if err := c.fr.WritePing(false, [8]byte{1}); err != nil {
		c.t.Fatal(err)
	}
	for {
		if p, ok := c.read().(*http2.PingFrame); ok && p.IsAck() {
			return
		}
	}
}

// TestIdle: a connection whose only stream the client left half-open is
// idle; one with a request in the Handler's hands is not.
func TestIdle(t *testing.T) {
	for _, held := range []bool{false, true} {
		a := &answerer{status: 200, hold: held}
		c := serve(t, Config{IdleTimeout: 50 * time.Millisecond}, a)
		c.handshake()
		c.headers(1, held, post...) // held: complete, in the Handler's hands; else half-open
		if held {
			c.ping()
			// Answered well after the idle timeout: the idle count starts there.
			time.AfterFunc(200*time.Millisecond, func() {
				c.a.mu.Lock()
				r := c.a.got[0]
				c.a.mu.Unlock()
				c.a.c.Respond(r, 200, nil, nil)
			})
			if got := c.next(); got != "HEADERS 200 END" {
				t.Fatalf("held request: got %q before the answer", got)
			}
		}
		if got := c.next(); got != "GOAWAY NO_ERROR" {
			t.Fatalf("held %v: got %q, want GOAWAY", held, got)
		}
		a.mu.Lock()
		if a.idle != 1 {
			t.Errorf("held %v: Idle called %d times", held, a.idle)
		}
		a.mu.Unlock()
	}
}
