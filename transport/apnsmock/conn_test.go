package apnsmock

import (
	"crypto/tls"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sideshow/apns2"
	"golang.org/x/net/http2"

	"github.com/callscope/callscope/internal/uuidtext"
)

func pushHeaders(jwt string) [][2]string {
	return [][2]string{{"authorization", "bearer " + jwt}, {"apns-topic", testTopic}, {"apns-push-type", "alert"}}
}

// TestStreamLimitUntilValidToken: one stream until a valid provider token,
// then a SETTINGS raise (Apple, "Sending notification requests").
func TestStreamLimitUntilValidToken(t *testing.T) {
	tests := []struct {
		name       string
		jwt        func(*fixture) string
		wantStatus string
		wantRaise  bool
	}{
		{"valid token raises the limit", func(f *fixture) string { return f.jwt(t) }, "200", true},
		{"invalid token keeps one stream", func(*fixture) string { return "not.a.jwt" }, "403", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			c := dialH2(t, f)
			l := c.readUntil(func(l *frameLog) bool { return len(l.maxStreams) > 0 })
			if l.maxStreams[0] != 1 {
				t.Fatalf("first SETTINGS MAX_CONCURRENT_STREAMS %d, want 1", l.maxStreams[0])
			}
			c.push("/3/device/"+testDevice, pushHeaders(tc.jwt(f)), body)
			l = c.readUntil(func(l *frameLog) bool { return l.status[1] != "" })
			if l.status[1] != tc.wantStatus {
				t.Fatalf("stream 1: %q, want %s", l.status[1], tc.wantStatus)
			}
			if raised := len(l.maxStreams) > 0 && l.maxStreams[0] == 1000; raised != tc.wantRaise {
				t.Errorf("SETTINGS after the first push %v: raised %v, want %v", l.maxStreams, raised, tc.wantRaise)
			}
		})
	}
}

// TestRefusedOverLimit: a second stream while the first is open, before any
// valid token, is refused (REFUSED_STREAM is safe to retry).
func TestRefusedOverLimit(t *testing.T) {
	f := newFixture(t, nil)
	c := dialH2(t, f)
	c.readUntil(func(l *frameLog) bool { return len(l.maxStreams) > 0 })
	jwt := f.jwt(t) // one token: a new one per push would draw TooManyProviderTokenUpdates
	c.hbuf.Reset()
	// Stream 1: headers only, body to come.
	_ = c.enc.WriteField(hpackField(":method", "POST"))
	for _, h := range append([][2]string{{":scheme", "https"}, {":authority", "x"}, {":path", "/3/device/" + testDevice}}, pushHeaders(jwt)...) {
		_ = c.enc.WriteField(hpackField(h[0], h[1]))
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.hbuf.Bytes(), EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	c.next = 3
	c.push("/3/device/"+testDevice, pushHeaders(jwt), body)
	l := c.readUntil(func(l *frameLog) bool { _, ok := l.rst[3]; return ok })
	if l.rst[3] != http2.ErrCodeRefusedStream {
		t.Fatalf("stream 3: RST %v, want REFUSED_STREAM", l.rst[3])
	}
	if err := c.fr.WriteData(1, true, []byte(body)); err != nil {
		t.Fatal(err)
	}
	l = c.readUntil(func(l *frameLog) bool { return l.status[1] != "" && len(l.maxStreams) > 0 })
	if l.status[1] != "200" || l.maxStreams[0] != 1000 {
		t.Fatalf("stream 1 %q, SETTINGS %v; want 200 and a raise to 1000", l.status[1], l.maxStreams)
	}
	// Now two streams at once are fine.
	c.push("/3/device/"+testDevice, pushHeaders(jwt), body)
	c.push("/3/device/"+testDevice, pushHeaders(jwt), body)
	l = c.readUntil(func(l *frameLog) bool { return l.status[5] != "" && l.status[7] != "" })
	if l.status[5] != "200" || l.status[7] != "200" || len(l.rst) != 0 {
		t.Fatalf("after the raise: %+v", l)
	}
}

// TestTokenState: the connection is bound to its first token's key and team;
// a changed token within 20 minutes, of the same key or another team key, is
// refused on that connection only.
func TestTokenState(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	tests := []struct {
		name       string
		second     func(*testing.T, *fixture) *apns2Token
		advance    time.Duration
		wantShared string // reason on the same connection ("" = 200)
	}{
		{"same token", func(t *testing.T, f *fixture) *apns2Token { return nil }, 0, ""},
		{"other team key of the team: a token update", func(t *testing.T, f *fixture) *apns2Token {
			return bearer(t, f.key2, testKeyID2, testTeam, now())
		}, 0, "TooManyProviderTokenUpdates"},
		{"new token within 20 min", func(t *testing.T, f *fixture) *apns2Token {
			return bearer(t, f.key, testKeyID, testTeam, now().Add(time.Second))
		}, time.Minute, "TooManyProviderTokenUpdates"},
		{"new token after 20 min", func(t *testing.T, f *fixture) *apns2Token {
			return bearer(t, f.key, testKeyID, testTeam, now().Add(21*time.Minute))
		}, 21 * time.Minute, ""},
	}
	for _, tc := range tests {
		for _, shared := range []bool{true, false} {
			name := tc.name + "/fresh"
			if shared {
				name = tc.name + "/shared"
			}
			t.Run(name, func(t *testing.T) {
				clock.Store(time.Now().UnixNano())
				f := newFixture(t, func(c *Config) { c.Now = now })
				c := f.client(t)
				c.Token = bearer(t, f.key, testKeyID, testTeam, now())
				if res, err := c.Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
					t.Fatalf("first push: %+v %v", res, err)
				}
				clock.Add(int64(tc.advance))
				if !shared {
					c = f.client(t)
				}
				if tok := tc.second(t, f); tok != nil {
					c.Token = tok
				}
				res, err := c.Push(alertPush(testDevice))
				if err != nil {
					t.Fatal(err)
				}
				want := tc.wantShared
				if !shared {
					want = ""
				}
				if res.Reason != want {
					t.Errorf("second push: %d %q, want %q", res.StatusCode, res.Reason, want)
				}
			})
		}
	}
}

// TestJWTVerifiedOncePerConnection: ES256 runs once per token per
// connection, not per push.
func TestJWTVerifiedOncePerConnection(t *testing.T) {
	f := newFixture(t, nil)
	for conn := 1; conn <= 2; conn++ {
		c := f.client(t)
		for i := 0; i < 20; i++ {
			if res, err := c.Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
				t.Fatalf("push: %+v %v", res, err)
			}
		}
		if got := f.s.verifies.Load(); got != int64(conn) {
			t.Errorf("after %d connections of 20 pushes: %d verifications, want %d", conn, got, conn)
		}
	}
}

// TestErrorsCloseConnection: a connection that piles up errors gets GOAWAY;
// 410s are not counted.
func TestErrorsCloseConnection(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		n         int
		wantClose bool
	}{
		{"BadDeviceToken counts double", strings.Repeat("ab", 10), 2, true},
		{"BadPriority", testDevice, 4, true},
		{"410 is not counted", testGone, 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.ErrorLimit = 4 })
			c := dialH2(t, f)
			jwt := f.jwt(t)
			hdr := append(pushHeaders(jwt), [2]string{"apns-priority", "10"})
			if tc.token == testDevice {
				hdr[len(hdr)-1][1] = "7"
			}
			var last uint32
			var goAway string // the debug data of a GOAWAY seen while pushing
			for i := 0; i < tc.n; i++ {
				last = c.push("/3/device/"+tc.token, hdr, body)
				l := c.readUntil(func(l *frameLog) bool { return l.status[last] != "" || l.goAway != nil })
				if l.goAway != nil {
					goAway = l.goAwayData
				}
			}
			if tc.wantClose {
				if goAway == "" {
					l := c.readUntil(func(l *frameLog) bool { return l.goAway != nil || l.closed })
					goAway = l.goAwayData
				}
				if !strings.Contains(goAway, `"reason"`) {
					t.Fatalf("no GOAWAY with a JSON reason after %d errors", tc.n)
				}
				return
			}
			id := c.push("/3/device/"+testDevice, pushHeaders(jwt), body)
			l := c.readUntil(func(l *frameLog) bool { return l.status[id] != "" || l.goAway != nil })
			if l.goAway != nil || l.status[id] != "200" {
				t.Fatalf("connection closed after %d 410s: %+v", tc.n, l)
			}
		})
	}
}

// TestHTTP1NeverServed: ALPN h2 only.
func TestHTTP1NeverServed(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		protos []string
	}{{"http/1.1 offered", []string{"http/1.1"}}, {"no ALPN", nil}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: f.s.RootCAs(), NextProtos: tc.protos}, ForceAttemptHTTP2: false,
				TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
			resp, err := c.Post(f.s.URL()+"/3/device/"+testDevice, "application/json", strings.NewReader(body))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("an HTTP/1.1 client was answered %s", resp.Status)
			}
		})
	}
}

// TestResponseHeaders: apns-id echoed or fresh lowercase, apns-unique-id in
// the sandbox only, 200 with headers only.
func TestResponseHeaders(t *testing.T) {
	upper := strings.ToUpper(uuid.NewString())
	tests := []struct {
		env, sentID string
		wantUnique  bool
	}{
		{"sandbox", "", true}, {"sandbox", upper, true}, {"production", "", false}, {"production", uuid.NewString(), false},
	}
	for _, tc := range tests {
		t.Run(tc.env+"/"+tc.sentID, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Environment = tc.env })
			hdr := [][2]string{{"authorization", "bearer " + f.jwt(t)}, {"apns-topic", testTopic}}
			if tc.sentID != "" {
				hdr = append(hdr, [2]string{"apns-id", tc.sentID})
			}
			r := f.do(t, f.raw(), "POST", "/3/device/"+testDevice, hdr, body)
			if r.status != 200 || r.body != "" {
				t.Fatalf("got %d %q, want 200 with no body", r.status, r.body)
			}
			id := r.header.Get("apns-id")
			if tc.sentID != "" && id != tc.sentID || tc.sentID == "" && (id != strings.ToLower(id) || !uuidtext.Valid(id)) {
				t.Errorf("apns-id %q (sent %q)", id, tc.sentID)
			}
			if got := r.header.Get("apns-unique-id") != ""; got != tc.wantUnique {
				t.Errorf("apns-unique-id present %v, want %v", got, tc.wantUnique)
			}
			// errors carry apns-id too, and no apns-unique-id
			r = f.do(t, f.raw(), "POST", "/3/device/zz", hdr, body)
			if r.status != 400 || r.header.Get("apns-id") == "" || r.header.Get("apns-unique-id") != "" {
				t.Errorf("error answer headers %v", r.header)
			}
		})
	}
}

var _ = apns2.PushTypeAlert

// TestTraceIDs: a push is traced under its payload's traceparent, or, from a
// server that sends none, under its apns-id.
func TestTraceIDs(t *testing.T) {
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		name, payload, sentID, want string
	}{
		{"traceparent", `{"aps":{"alert":{"title":"New message"},"mutable-content":1},"traceparent":"00-` + trace + `-00f067aa0ba902b7-01"}`,
			"", trace},
		{"none: the apns-id", `{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`,
			"7A1B2C3D-0000-4000-8000-00000000AB12", "7a1b2c3d00004000800000000000ab12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			hdr := [][2]string{{"authorization", "bearer " + f.jwt(t)}, {"apns-topic", testTopic}}
			if tc.sentID != "" {
				hdr = append(hdr, [2]string{"apns-id", tc.sentID})
			}
			r := f.do(t, f.raw(), "POST", "/3/device/"+testDevice, hdr, tc.payload)
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			e := f.events.wait(t, "accepted", named(r.header.Get("apns-id"), "accepted"))
			if e.TraceID != tc.want {
				t.Fatalf("trace id %q, want %q", e.TraceID, tc.want)
			}
		})
	}
}
