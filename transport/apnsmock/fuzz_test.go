package apnsmock

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
)

// FuzzValidate feeds arbitrary methods, paths, header lists, JWTs and bodies
// through validation on one connection's auth state: every outcome must be
// 200 or one of Apple's statuses with one of Apple's reasons.
func FuzzValidate(f *testing.F) {
	fx := newFixture(f, nil)
	good := fx.jwt(f)
	f.Add("POST", "/3/device/"+testDevice, "bearer "+good, testTopic, "alert", "10", "", "", []byte(body))
	f.Add("POST", "/3/device/", "bearer x.y.z", "", "voip", "5", "0", "c", []byte{})
	f.Add("GET", "//3/device/%2F", "Bearer "+good+"x", testTopic+".voip", "bogus", "1", "-1", strings.Repeat("é", 40), []byte("{"))
	f.Add("POST", "/3/device/"+testGone, "bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IktFWUlEMDAwMDEifQ.e30.AA", testTopic, "background", "10", "99", "", []byte(`{"aps":{}}`))
	c := newTokenAuth()
	f.Fuzz(func(t *testing.T, method, path, auth, topic, pushType, prio, exp, collapse string, b []byte) {
		rq := &request{start: time.Now(), method: method, path: path, body: b, size: len(b), fields: []hpack.HeaderField{
			{Name: "authorization", Value: auth}, {Name: "apns-topic", Value: topic}, {Name: "apns-push-type", Value: pushType},
			{Name: "apns-priority", Value: prio}, {Name: "apns-expiration", Value: exp}, {Name: "apns-collapse-id", Value: collapse}}}
		if exp == "" {
			rq.fields = rq.fields[:4]
		}
		a := fx.s.handle(c, rq)
		if a.status == 0 {
			return
		}
		if !knownReason[a.reason] || !statusOf(a.status, a.reason) {
			t.Fatalf("answer %d %q is not Apple's", a.status, a.reason)
		}
		var jb struct {
			Reason    string
			Timestamp *int64
		}
		if err := json.Unmarshal(fx.s.errorBody(a.status, a.reason), &jb); err != nil || jb.Reason != a.reason || (a.status == 410) != (jb.Timestamp != nil) {
			t.Fatalf("body for %d %s: %+v %v", a.status, a.reason, jb, err)
		}
	})
}

// FuzzConn writes arbitrary bytes after the HTTP/2 preface to a live mock:
// it must not panic, and must still serve a valid push on a new connection.
func FuzzConn(f *testing.F) {
	fx := newFixture(f, nil)
	f.Add([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0})                         // empty SETTINGS
	f.Add([]byte{0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}) // PING
	f.Add([]byte{0, 0, 5, 1, 5, 0, 0, 0, 1, 0x82, 0x84, 0x87, 0x41, 0})
	f.Add([]byte{0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0}) // WINDOW_UPDATE 0
	f.Cleanup(func() {                                   // still serving after the garbage
		if res, err := fx.client(f).Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
			f.Errorf("after fuzzing: %+v %v", res, err)
		}
	})
	f.Fuzz(func(t *testing.T, in []byte) {
		conn, err := tls.Dial("tcp", fx.s.Addr().String(), &tls.Config{RootCAs: fx.s.RootCAs(), NextProtos: []string{"h2"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, _ = io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
		_, _ = conn.Write(in)
		_ = conn.CloseWrite()
		_, _ = io.Copy(io.Discard, conn)
	})
}

func statusOf(status int, reason string) bool {
	for _, tc := range reasonCases {
		if tc.reason == reason {
			return tc.status == status
		}
	}
	return false
}

var knownReason = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range appleReasons {
		m[r] = true
	}
	return m
}()
