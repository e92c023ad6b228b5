package apnsmock

import (
	"errors"
	"net"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/callscope/callscope/flow"
)

// step is something the client does, then the frames it must see next
// (SETTINGS, PING and WINDOW_UPDATE aside), as nextFrame prints them.
type step struct {
	do   func(c *h2client)
	want []string
}

// TestStreamStates drives the mock's HTTP/2 with raw frames, as h2spec does,
// through RFC 9113's stream states, flow control, SETTINGS and request
// checks. The requests are GETs, so each complete one is answered
// 405 with a JSON body: enough to watch HEADERS and DATA go out.
func TestStreamStates(t *testing.T) {
	get := []string{":method", "GET", ":scheme", "https", ":path", "/", ":authority", "x"}
	post := []string{":method", "POST", ":scheme", "https", ":path", "/3/device/ab", ":authority", "x"}
	without := func(name string) []string {
		var out []string
		for i := 0; i < len(get); i += 2 {
			if get[i] != name {
				out = append(out, get[i], get[i+1])
			}
		}
		return out
	}
	win := func(n uint32) func(c *h2client) {
		return func(c *h2client) { c.settings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: n}) }
	}
	hdr := func(id uint32, end bool, fields ...string) func(c *h2client) {
		return func(c *h2client) { c.headers(id, end, nil, fields...) }
	}
	data := func(id uint32, end bool, s string) func(c *h2client) {
		return func(c *h2client) { c.check(c.fr.WriteData(id, end, []byte(s))) }
	}
	big := strings.Repeat("a", 3000)
	const answer = "DATA {\"reason\":\"MethodNotAllowed\"} END"
	cases := []struct {
		name  string
		steps []step
	}{
		{"DATA on an idle stream", []step{{data(1, true, "x"), []string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{"RST_STREAM on an idle stream", []step{{func(c *h2client) { c.check(c.fr.WriteRSTStream(1, http2.ErrCodeCancel)) },
			[]string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{"WINDOW_UPDATE on an idle stream", []step{{func(c *h2client) { c.check(c.fr.WriteWindowUpdate(1, 1)) },
			[]string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{"DATA on a half-closed (remote) stream", []step{{win(0), nil}, {hdr(1, true, get...), []string{"HEADERS 405"}},
			{data(1, true, "x"), []string{"RST STREAM_CLOSED"}}}},
		{"DATA after the client reset the stream", []step{{hdr(1, false, post...), nil},
			{func(c *h2client) { c.check(c.fr.WriteRSTStream(1, http2.ErrCodeCancel)) }, nil},
			{data(1, true, "x"), []string{"RST STREAM_CLOSED"}}}},
		{"DATA on a closed stream", []step{{hdr(1, true, get...), []string{"HEADERS 405", answer}},
			{data(1, true, "x"), []string{"RST STREAM_CLOSED"}}}},
		{"HEADERS depending on itself", []step{{func(c *h2client) {
			c.headers(1, true, &http2.PriorityParam{StreamDep: 1, Weight: 16}, get...)
		}, []string{"RST PROTOCOL_ERROR"}}}},
		{"PRIORITY depending on itself", []step{{func(c *h2client) {
			c.check(c.fr.WritePriority(1, http2.PriorityParam{StreamDep: 1, Weight: 16}))
		}, []string{"RST PROTOCOL_ERROR"}}}},
		{"DATA over SETTINGS_MAX_FRAME_SIZE", []step{{hdr(1, false, post...), nil},
			{func(c *h2client) { _ = c.fr.WriteData(1, true, make([]byte, 16385)) }, // the mock may hang up halfway
				[]string{"GOAWAY FRAME_SIZE_ERROR", "closed"}}}},
		{"a frame header announcing 16 MiB", []step{{hdr(1, false, post...), nil}, {func(c *h2client) {
			_, err := c.conn.Write([]byte{0xff, 0xff, 0xff, byte(http2.FrameData), 0, 0, 0, 0, 1})
			c.check(err)
		}, []string{"GOAWAY FRAME_SIZE_ERROR", "closed"}}}},
		{"a repeated SETTINGS value: the last wins", []step{{func(c *h2client) {
			c.settings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1})
		}, nil}, {hdr(1, true, get...), []string{"HEADERS 405", "DATA {"}}}},
		{"a body split to fit a small window", []step{{win(1), nil}, {hdr(1, true, get...), []string{"HEADERS 405", "DATA {"}},
			{func(c *h2client) { c.check(c.fr.WriteWindowUpdate(1, 100)) }, []string{"DATA \"reason\":\"MethodNotAllowed\"} END"}}}},
		{"INITIAL_WINDOW_SIZE raised after HEADERS", []step{{win(0), nil}, {hdr(1, true, get...), []string{"HEADERS 405"}},
			{win(1), []string{"DATA {"}}}},
		{"INITIAL_WINDOW_SIZE making a window negative", []step{{win(3), nil},
			{hdr(1, true, get...), []string{"HEADERS 405", "DATA {\"r"}},
			{win(2), nil}, // the stream's window is now -1
			{func(c *h2client) { c.check(c.fr.WriteWindowUpdate(1, 2)) }, []string{"DATA e"}}}},
		{"connection window over 2^31-1", []step{{func(c *h2client) {
			c.check(c.fr.WriteWindowUpdate(0, 1<<31-1))
			c.check(c.fr.WriteWindowUpdate(0, 1<<31-1))
		}, []string{"GOAWAY FLOW_CONTROL_ERROR", "closed"}}}},
		{"stream window over 2^31-1", []step{{hdr(1, false, post...), nil}, {func(c *h2client) {
			c.check(c.fr.WriteWindowUpdate(1, 1<<31-1))
			c.check(c.fr.WriteWindowUpdate(1, 1<<31-1))
		}, []string{"RST FLOW_CONTROL_ERROR"}}}},
		{"no :path", []step{{hdr(1, true, without(":path")...), []string{"RST PROTOCOL_ERROR"}}}},
		{"empty :path", []step{{hdr(1, true, ":method", "GET", ":scheme", "https", ":path", ""), []string{"RST PROTOCOL_ERROR"}}}},
		{"no :method", []step{{hdr(1, true, without(":method")...), []string{"RST PROTOCOL_ERROR"}}}},
		{"no :scheme", []step{{hdr(1, true, without(":scheme")...), []string{"RST PROTOCOL_ERROR"}}}},
		{"a connection-specific header", []step{{hdr(1, true, append(get, "connection", "keep-alive")...), []string{"RST PROTOCOL_ERROR"}}}},
		{"TE other than trailers", []step{{hdr(1, true, append(get, "te", "gzip")...), []string{"RST PROTOCOL_ERROR"}}}},
		{"content-length above the body", []step{{hdr(1, false, append(post, "content-length", "5")...), nil},
			{data(1, true, "ab"), []string{"RST PROTOCOL_ERROR"}}}},
		{"content-length below the body", []step{{hdr(1, false, append(post, "content-length", "1")...), nil},
			{data(1, false, "ab"), []string{"RST PROTOCOL_ERROR"}}}},
		{"PUSH_PROMISE from the client", []step{{func(c *h2client) {
			c.check(c.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: []byte{0x82}, EndHeaders: true}))
		}, []string{"GOAWAY PROTOCOL_ERROR", "closed"}}}},
		{"a header list over SETTINGS_MAX_HEADER_LIST_SIZE", []step{{hdr(1, true, append(get, "x-a", big, "x-b", big, "x-c", big)...),
			[]string{"HEADERS 431 END"}}}},
		{"streams over MAX_CONCURRENT_STREAMS", []step{{win(0), nil}, {hdr(1, true, get...), []string{"HEADERS 405"}},
			{hdr(3, true, get...), []string{"RST REFUSED_STREAM"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // a connection error lingers a second for the GOAWAY to land
			f := newFixture(t, nil)
			c := dialH2(t, f)
			for i, s := range tc.steps {
				s.do(c)
				for _, want := range s.want {
					if got := c.nextFrame(); got != want {
						t.Fatalf("step %d: got %q, want %q", i+1, got, want)
					}
				}
			}
		})
	}
}

func (c *h2client) check(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *h2client) settings(s ...http2.Setting) { c.check(c.fr.WriteSettings(s...)) }

func (c *h2client) headers(id uint32, end bool, prio *http2.PriorityParam, fields ...string) {
	c.t.Helper()
	c.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = c.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	p := http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndStream: end, EndHeaders: true}
	if prio != nil {
		p.Priority = *prio
	}
	c.check(c.fr.WriteHeaders(p))
}

// nextFrame is the next frame the mock sent that is not connection upkeep, or
// "closed" or "timeout".
func (c *h2client) nextFrame() string {
	c.t.Helper()
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return "timeout"
			}
			return "closed"
		}
		end := ""
		if f.Header().Flags.Has(http2.FlagDataEndStream) {
			end = " END"
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			return "HEADERS " + f.PseudoValue("status") + end
		case *http2.DataFrame:
			return "DATA " + string(f.Data()) + end
		case *http2.RSTStreamFrame:
			return "RST " + f.ErrCode.String()
		case *http2.GoAwayFrame:
			return "GOAWAY " + f.ErrCode.String()
		}
	}
}

// TestHeadersTooLargeIsShown: a push whose header block passes
// SETTINGS_MAX_HEADER_LIST_SIZE is answered 431, and the mock shows it as a
// rejected push rather than answering silently.
func TestHeadersTooLargeIsShown(t *testing.T) {
	f := newFixture(t, nil)
	c := dialH2(t, f)
	big := strings.Repeat("a", 3000)
	c.headers(1, true, nil, ":method", "POST", ":scheme", "https", ":path", "/3/device/ab", ":authority", "x",
		"x-a", big, "x-b", big, "x-c", big)
	if got := c.nextFrame(); got != "HEADERS 431 END" {
		t.Fatalf("answer: got %q, want HEADERS 431 END", got)
	}
	e := f.events.wait(t, "rejected 431", func(e flow.Event) bool { return e.Name == "rejected" && e.Attrs["status"] == "431" })
	if e.Diagnosis == nil || e.Diagnosis.Stage != flow.StageAPNs || !strings.Contains(e.Diagnosis.Detail, "MAX_HEADER_LIST_SIZE") {
		t.Fatalf("diagnosis: %+v", e.Diagnosis)
	}
	if e.Push == nil || e.Push.Status != 431 || e.TraceID == "" {
		t.Fatalf("push record %+v, trace %q", e.Push, e.TraceID)
	}
}
