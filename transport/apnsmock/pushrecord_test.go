package apnsmock

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestPushOnRecord: the received event carries the push as APNs saw it
// (method, path, every header, the payload as sent), with the JWT reduced
// to its header and claims; the answer's event carries the answer. A trace
// of it holds no signed JWT.
func TestPushOnRecord(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Environment = "sandbox" })
	jwt := f.jwt(t)
	sig := jwt[strings.LastIndex(jwt, ".")+1:]
	body := `{"aps":{"alert":"hi"},"e":"opaque"}`
	tests := []struct {
		name   string
		token  string
		status int
		reason string
	}{
		{"accepted", testDevice, 200, ""},
		{"rejected", testGone, 410, "Unregistered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := map[string]string{"accepted": "11111111-2222-3333-4444-555555555555", "rejected": "11111111-2222-3333-4444-666666666666"}[tt.name]
			hdr := [][2]string{{"authorization", "bearer " + jwt}, {"apns-topic", testTopic}, {"apns-push-type", "alert"},
				{"apns-id", id}, {"x-custom", "kept"}}
			r := f.do(t, f.raw(), "POST", "/3/device/"+tt.token, hdr, body)
			if r.status != tt.status {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			rcv := f.events.wait(t, "received", named(id, "received"))
			p := rcv.Push
			if p == nil || p.Method != "POST" || p.Path != "/3/device/"+tt.token || string(p.Payload) != body ||
				p.Headers["apns-topic"] != testTopic || p.Headers["x-custom"] != "kept" || p.Headers["apns-id"] != id {
				t.Fatalf("received push %+v", p)
			}
			auth := p.Headers["authorization"]
			head, _, _ := strings.Cut(jwt, ".")
			if strings.Contains(auth, sig) || !strings.HasPrefix(auth, "bearer "+head+".") || !strings.HasSuffix(auth, "."+flow.SignatureRedacted) {
				t.Fatalf("authorization on record: %q", auth)
			}
			end := "accepted"
			if tt.status != 200 {
				end = "rejected"
			}
			ans := f.events.wait(t, end, named(id, end)).Push
			if ans == nil || ans.Status != tt.status || ans.Reason != tt.reason || ans.ApnsID != id || (tt.status == 200) != (ans.UniqueID != "") {
				t.Fatalf("answer on record %+v", ans)
			}
			path := filepath.Join(t.TempDir(), "t.jsonl")
			rec, err := flowtrace.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			rec.Emit(rcv)
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			ev, err := flowtrace.Load(path, nil)
			if err != nil || len(ev) != 1 || ev[0].Push == nil || string(ev[0].Push.Payload) != body {
				t.Fatalf("loaded %+v %v", ev, err)
			}
			if b, _ := json.Marshal(ev); bytes.Contains(b, []byte(sig)) {
				t.Fatal("the JWT's signature reached the trace")
			}
		})
	}
}

// TestPushRecordSharesBody: a complete JSON body is on record as the very
// bytes received (no copy), with no room past its end, so that appending
// to the record never reaches the request's body; a cut or non-JSON body
// is still recorded as a JSON string of what came.
func TestPushRecordSharesBody(t *testing.T) {
	body := append(make([]byte, 0, 64), `{"aps":{"alert":"hi"}}`...)
	rq := &request{method: "POST", path: "/3/device/ab", body: body, size: len(body)}
	p := pushRecord(rq)
	if string(p.Payload) != string(body) || cap(p.Payload) != len(body) {
		t.Fatalf("payload %q (cap %d), want the body %q with no room past it", p.Payload, cap(p.Payload), body)
	}
	_ = append(p.Payload, '!')
	if got := body[:len(body)+1][len(body)]; got == '!' {
		t.Fatal("an append to the record wrote into the request's body")
	}
	cut := &request{method: "POST", path: "/3/device/ab", body: []byte(`{"a":`), size: 9}
	if p := pushRecord(cut); string(p.Payload) != `"{\"a\":"` {
		t.Fatalf("a cut body is recorded as %s", p.Payload)
	}
}
