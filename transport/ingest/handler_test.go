package ingest

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

// collect is a sink that keeps what it got.
type collect struct {
	mu  sync.Mutex
	evs []flow.Event
}

func (c *collect) Emit(e flow.Event) {
	c.mu.Lock()
	c.evs = append(c.evs, e)
	c.mu.Unlock()
}

func (c *collect) got() []flow.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]flow.Event(nil), c.evs...)
}

func line(name string) string {
	return `{"trace_id":"` + tid + `","stage":"apns","name":"` + name + `"}`
}

func TestHandler(t *testing.T) {
	const token = "s3cret-token-for-tests"
	batch := line("received") + "\n" + line("accepted") + "\n"
	for _, tc := range []struct {
		name       string
		token      string // the handler's
		method     string
		path       string
		ctype      string
		auth       string
		body       string
		maxBody    int64
		status     int
		accepted   int
		rejected   int
		errLine    int    // first line error expected
		errHas     string // in the error or the first line error
		wantHeader string // a header the answer must carry
	}{
		{name: "good batch", method: "POST", body: batch, status: 200, accepted: 2},
		{name: "charset utf-8 is fine", method: "POST", ctype: "application/x-ndjson; charset=utf-8", body: batch, status: 200, accepted: 2},
		{name: "bad line skipped", method: "POST", body: line("a") + "\n" + `{"trace_id":"` + tid + `","stage":"nse","name":"b"}` + "\n" + line("c"),
			status: 200, accepted: 2, rejected: 1, errLine: 2, errHas: "stage:"},
		{name: "all lines bad", method: "POST", body: "{\n[]\n", status: 400, rejected: 2, errLine: 1, errHas: "not JSON"},
		{name: "empty body", method: "POST", body: "", status: 200},
		{name: "GET", method: "GET", status: 405, errHas: "POST", wantHeader: "Allow"},
		{name: "PUT", method: "PUT", body: batch, status: 405, errHas: "PUT"},
		{name: "wrong path", method: "POST", path: "/v2/events", body: batch, status: 404, errHas: Path},
		{name: "json is not ndjson", method: "POST", ctype: "application/json", body: batch, status: 415, errHas: "application/x-ndjson"},
		{name: "no content type", method: "POST", ctype: "-", body: batch, status: 415, errHas: "missing"},
		{name: "latin-1", method: "POST", ctype: "application/x-ndjson; charset=latin1", body: batch, status: 415, errHas: "UTF-8"},
		{name: "too large", method: "POST", body: batch + strings.Repeat(" ", 100), maxBody: 64, status: 413, errHas: "64 bytes"},
		{name: "token missing", token: token, method: "POST", body: batch, status: 401, errHas: "bearer", wantHeader: "WWW-Authenticate"},
		{name: "token wrong", token: token, method: "POST", auth: "Bearer nope", body: batch, status: 401},
		{name: "token as basic", token: token, method: "POST", auth: "Basic " + token, body: batch, status: 401},
		{name: "token prefix", token: token, method: "POST", auth: "Bearer " + token[:5], body: batch, status: 401},
		{name: "token right", token: token, method: "POST", auth: "Bearer " + token, body: batch, status: 200, accepted: 2},
		{name: "scheme is case-insensitive", token: token, method: "POST", auth: "bearer " + token, body: batch, status: 200, accepted: 2},
		{name: "token before method", token: token, method: "GET", status: 401},
		// A client without the token must not tell paths apart: 404 for one
		// and 401 for the other would map what is served.
		{name: "token before path", token: token, method: "POST", path: "/v2/events", body: batch, status: 401, wantHeader: "WWW-Authenticate"},
		{name: "token before path, root", token: token, method: "GET", path: "/", status: 401},
		{name: "path checked after the token", token: token, method: "POST", path: "/v2/events", auth: "Bearer " + token, body: batch, status: 404, errHas: Path},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &collect{}
			h := NewHandler(sink, tc.token, tc.maxBody)
			path := tc.path
			if path == "" {
				path = Path
			}
			req := httptest.NewRequest(tc.method, path, strings.NewReader(tc.body))
			switch tc.ctype {
			case "":
				req.Header.Set("Content-Type", "application/x-ndjson")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("answer Content-Type %q", ct)
			}
			if tc.wantHeader != "" && rec.Header().Get(tc.wantHeader) == "" {
				t.Errorf("no %s header", tc.wantHeader)
			}
			if got := len(sink.got()); got != tc.accepted {
				t.Errorf("sink got %d events, want %d", got, tc.accepted)
			}
			if tc.status == 200 || tc.status == 400 && tc.rejected > 0 {
				var res Result
				if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.Errors == nil {
					t.Fatalf("answer %s: %v (errors must be a list)", rec.Body, err)
				}
				if res.Accepted != tc.accepted || res.Rejected != tc.rejected {
					t.Errorf("answer %+v, want %d accepted %d rejected", res, tc.accepted, tc.rejected)
				}
				if tc.errLine != 0 && (len(res.Errors) == 0 || res.Errors[0].Line != tc.errLine || !strings.Contains(res.Errors[0].Error, tc.errHas)) {
					t.Errorf("errors %+v, want line %d with %q", res.Errors, tc.errLine, tc.errHas)
				}
				st := h.Stats()
				if st.Accepted != uint64(tc.accepted) || st.Rejected != uint64(tc.rejected) {
					t.Errorf("stats %+v", st)
				}
				return
			}
			var e struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || !strings.Contains(e.Error, tc.errHas) {
				t.Errorf("answer %s: want a JSON error with %q", rec.Body, tc.errHas)
			}
			if h.Stats().Refused != 1 {
				t.Errorf("stats %+v: want one refused", h.Stats())
			}
		})
	}
}

func TestHandlerListsAtMostMaxErrors(t *testing.T) {
	h := NewHandler(flow.Discard, "", 0)
	body := strings.Repeat("{\n", maxErrors+50) + line("ok")
	req := httptest.NewRequest("POST", Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var res Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || res.Accepted != 1 || res.Rejected != maxErrors+50 || len(res.Errors) != maxErrors {
		t.Fatalf("status %d, %d accepted, %d rejected, %d listed", rec.Code, res.Accepted, res.Rejected, len(res.Errors))
	}
}

func TestStartRefusesExposureWithoutToken(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		err         error // nil: starts
	}{
		{"", "", nil},
		{"127.0.0.1", "", nil},
		{"127.0.0.1:0", "", nil},
		{"[::1]:0", "", nil}, // skipped below where there is no IPv6 loopback
		{"localhost:0", "", nil},
		{":0", "", ErrExposedWithoutToken},
		{"0.0.0.0:0", "", ErrExposedWithoutToken},
		{"[::]:0", "", ErrExposedWithoutToken},
		{"192.0.2.1:0", "", ErrExposedWithoutToken},
		{"example.com:0", "", ErrExposedWithoutToken},
		{"127.0.0.1:0", "has space", errors.New("")},
		{"no-port-host", "", errors.New("")},
	} {
		t.Run(tc.addr+"/"+tc.token, func(t *testing.T) {
			s, err := Start(Config{Addr: tc.addr, Token: tc.token, Sink: flow.Discard})
			switch {
			case tc.err == nil && err != nil && strings.Contains(tc.addr, "::1"):
				t.Skipf("no IPv6 loopback: %v", err)
			case tc.err == nil && err != nil:
				t.Fatalf("Start: %v", err)
			case tc.err == nil:
				if !strings.HasPrefix(s.URL(), "http://") || !strings.HasSuffix(s.URL(), Path) {
					t.Errorf("URL %q", s.URL())
				}
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			case err == nil:
				s.Close()
				t.Fatalf("started on %s, want an error", s.URL())
			case errors.Is(tc.err, ErrExposedWithoutToken) && !errors.Is(err, ErrExposedWithoutToken):
				t.Fatalf("error %v, want %v", err, tc.err)
			}
		})
	}
}

// TestHandlerAnswersQueuedAndDropped: the answer says how many accepted
// events were queued for the screen and how many it dropped, for a bus (the
// screen's) with room, without room, and with no reader left, and for a
// plain sink, which takes every event.
func TestHandlerAnswersQueuedAndDropped(t *testing.T) {
	for _, tc := range []struct {
		name    string
		buffer  int // the screen's subscription; 0: no subscriber; -1: a plain sink
		lines   int
		bad     int // bad lines at the end of the batch
		queued  int
		dropped int
	}{
		{"room", 10, 5, 0, 5, 0},
		{"full", 4, 10, 0, 4, 6},
		{"full with bad lines", 3, 5, 2, 3, 2},
		{"no reader", 0, 3, 0, 0, 3},
		{"plain sink", -1, 7, 0, 7, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sink flow.Sink = &collect{}
			b := bus.New()
			defer b.Close()
			switch {
			case tc.buffer > 0:
				sub := b.Subscribe(tc.buffer)
				defer sub.Close()
				sink = b
			case tc.buffer == 0:
				sink = b
			}
			h := NewHandler(sink, "", 0)
			body := strings.Repeat(line("x")+"\n", tc.lines) + strings.Repeat("{\n", tc.bad)
			req := httptest.NewRequest("POST", Path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-ndjson")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var res map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != 200 {
				t.Fatalf("status %d answer %s: %v", rec.Code, rec.Body, err)
			}
			want := map[string]float64{"accepted": float64(tc.lines), "queued": float64(tc.queued),
				"dropped": float64(tc.dropped), "rejected": float64(tc.bad)}
			for k, v := range want {
				if res[k] != v {
					t.Errorf("answer %s: %s = %v, want %v", rec.Body, k, res[k], v)
				}
			}
			st := h.Stats()
			if st.Accepted != uint64(tc.lines) || st.Queued != uint64(tc.queued) || st.Dropped != uint64(tc.dropped) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
