package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/flow"
)

// apnsFunc stands in for APNs (Apple's side) in handler tests.
type apnsFunc func(n *apns2.Notification) (*apns2.Response, error)

func (f apnsFunc) PushWithContext(_ apns2.Context, n *apns2.Notification) (*apns2.Response, error) {
	return f(n)
}

type events struct {
	mu sync.Mutex
	ev []flow.Event
}

func (e *events) Emit(ev flow.Event) { e.mu.Lock(); e.ev = append(e.ev, ev); e.mu.Unlock() }

const tok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

func testDevice() Device {
	return Device{User: "bob@example.org", Token: tok, Topic: "org.example.app", Environment: "sandbox",
		Scheme: "hpke-x25519-sha256-chacha20poly1305", KID: "AAAAAAAAAAA", PublicKey: "AAAA"}
}

func do(t *testing.T, s *Server, method, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: content-type %q, want JSON on every answer", method, path, ct)
	}
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w, m
}

func TestPushBuildsAppleE2EEAlert(t *testing.T) {
	var got *apns2.Notification
	ev := &events{}
	s := NewServer(apnsFunc(func(n *apns2.Notification) (*apns2.Response, error) {
		got = n
		return &apns2.Response{StatusCode: 200, ApnsID: n.ApnsID}, nil
	}), ev)
	if err := s.Register(testDevice()); err != nil {
		t.Fatal(err)
	}
	ts := time.Now().UnixMilli()
	env := `{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","ts":` + itoa(ts) + `,"ttl":45,"ct":"opaque"}`
	tp, trace := NewTraceParent()
	w, m := do(t, s, "POST", PathPush, `{"token":"`+tok+`","envelope":`+env+`,"traceparent":"`+tp+`"}`)
	if w.Code != 200 || m["status"] != float64(200) {
		t.Fatalf("answer %d %v", w.Code, m)
	}
	if got.PushType != apns2.PushTypeAlert || got.Priority != 10 || got.Topic != "org.example.app" || got.DeviceToken != tok {
		t.Fatalf("notification %+v", got)
	}
	if want := time.UnixMilli(ts).Add(45 * time.Second).Unix(); got.Expiration.Unix() != want {
		t.Fatalf("expiration %d, want ts+ttl %d", got.Expiration.Unix(), want)
	}
	var p struct {
		APS struct {
			Alert          map[string]string `json:"alert"`
			MutableContent int               `json:"mutable-content"`
		} `json:"aps"`
		VPE         json.RawMessage `json:"vpe"`
		TraceParent string          `json:"traceparent"`
	}
	if err := json.Unmarshal(got.Payload.([]byte), &p); err != nil {
		t.Fatal(err)
	}
	if p.APS.MutableContent != 1 || p.APS.Alert["title"] != AlertTitle || p.APS.Alert["body"] == "" {
		t.Fatalf("aps %+v", p.APS)
	}
	if string(p.VPE) != env || p.TraceParent != tp {
		t.Fatalf("envelope or traceparent changed: %s %s", p.VPE, p.TraceParent)
	}
	for _, e := range ev.ev {
		if e.TraceID != trace || e.Stage != flow.StageServer {
			t.Fatalf("event %+v not correlated", e)
		}
	}
	if len(ev.ev) != 3 || ev.ev[2].Name != "apns-accepted" {
		t.Fatalf("events %+v", ev.ev)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestPushErrors(t *testing.T) {
	goodEnv := `{"ts":1732460123456,"ttl":45,"ct":"x"}`
	tests := []struct {
		name    string
		apns    apnsFunc
		body    string
		status  int
		reason  string
		errPart string
		code    flow.Code
		stage   flow.Stage
	}{
		{name: "APNs rejects: status and reason come back",
			apns: func(n *apns2.Notification) (*apns2.Response, error) {
				return &apns2.Response{StatusCode: 400, Reason: "BadDeviceToken", ApnsID: n.ApnsID}, nil
			},
			body: `{"token":"` + tok + `","envelope":` + goodEnv + `}`, status: 502, reason: "BadDeviceToken",
			code: flow.CodeAPNsRejected, stage: flow.StageAPNs},
		{name: "APNs unreachable",
			apns: func(*apns2.Notification) (*apns2.Response, error) { return nil, errors.New("dial tcp: refused") },
			body: `{"token":"` + tok + `","envelope":` + goodEnv + `}`, status: 502, errPart: "push to APNs failed",
			code: flow.CodeServerFailed, stage: flow.StageServer},
		{name: "unknown device", body: `{"token":"00ff","envelope":` + goodEnv + `}`, status: 404,
			errPart: "no device registered", code: flow.CodeServerRejected, stage: flow.StageServer},
		{name: "envelope without ttl", body: `{"token":"` + tok + `","envelope":{"ts":1}}`, status: 400,
			errPart: "ttl", code: flow.CodeServerRejected, stage: flow.StageServer},
		{name: "unknown field named", body: `{"token":"x","envelop":{}}`, status: 400, errPart: `unknown field "envelop"`},
		{name: "not JSON", body: `{`, status: 400, errPart: "request body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			s := NewServer(tt.apns, ev)
			if err := s.Register(testDevice()); err != nil {
				t.Fatal(err)
			}
			w, m := do(t, s, "POST", PathPush, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%v)", w.Code, tt.status, m)
			}
			if tt.reason != "" && m["reason"] != tt.reason {
				t.Fatalf("reason %v, want %s", m["reason"], tt.reason)
			}
			if tt.errPart != "" && !strings.Contains(m["error"].(string), tt.errPart) {
				t.Fatalf("error %q does not say %q", m["error"], tt.errPart)
			}
			if tt.code == "" {
				return
			}
			last := ev.ev[len(ev.ev)-1]
			if last.Diagnosis == nil || last.Diagnosis.Code != tt.code || last.Diagnosis.Stage != tt.stage {
				t.Fatalf("last event %+v", last)
			}
		})
	}
}

func TestRoutesAndRegistration(t *testing.T) {
	s := NewServer(nil, nil)
	tests := []struct {
		method, path, body string
		status             int
		errPart            string
	}{
		{"GET", PathPush, "", 405, "want POST"},
		{"POST", "/nope", "", 404, "no such endpoint"},
		{"POST", PathDevices, `{"user":"u","token":"abc","topic":"t","environment":"sandbox","scheme":"s","public_key":"k"}`, 400, "field token"},
		{"POST", PathDevices, `{"user":"u","token":"abcd","topic":"t","environment":"prod","scheme":"s","public_key":"k"}`, 400, "field environment"},
		{"POST", PathDevices, `{"user":"","token":"abcd"}`, 400, "field user"},
		{"GET", PathUsers + "nobody/devices", "", 404, "no devices"},
	}
	for _, tt := range tests {
		w, m := do(t, s, tt.method, tt.path, tt.body)
		if w.Code != tt.status || !strings.Contains(m["error"].(string), tt.errPart) {
			t.Errorf("%s %s: %d %v, want %d with %q", tt.method, tt.path, w.Code, m, tt.status, tt.errPart)
		}
	}
	b, _ := json.Marshal(testDevice())
	if w, _ := do(t, s, "POST", PathDevices, string(b)); w.Code != 201 {
		t.Fatalf("register: %d", w.Code)
	}
	// Re-registering the same token moves it, as after a reinstall.
	d := testDevice()
	d.User = "carol@example.org"
	b, _ = json.Marshal(d)
	do(t, s, "POST", PathDevices, string(b))
	if len(s.Devices("bob@example.org")) != 0 || len(s.Devices("carol@example.org")) != 1 {
		t.Fatal("token not moved between users")
	}
}

func TestClientAgainstServer(t *testing.T) {
	s := NewServer(apnsFunc(func(n *apns2.Notification) (*apns2.Response, error) {
		return &apns2.Response{StatusCode: 410, Reason: "Unregistered", ApnsID: n.ApnsID}, nil
	}), nil)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := NewClient(s.URL())
	ctx := context.Background()
	if err := c.Register(ctx, testDevice()); err != nil {
		t.Fatal(err)
	}
	devs, err := c.Devices(ctx, "bob@example.org")
	if err != nil || len(devs) != 1 || devs[0].Token != tok {
		t.Fatalf("devices %v %v", devs, err)
	}
	if _, err := c.Devices(ctx, "nobody"); err == nil || !strings.Contains(err.Error(), "no devices registered for user nobody") {
		t.Fatalf("error %v", err)
	}
	res, err := c.Push(ctx, PushRequest{Token: tok, Envelope: json.RawMessage(`{"ts":1732460123456,"ttl":45}`)})
	if err != nil || res.Status != 410 || res.Reason != "Unregistered" || res.ApnsID == "" {
		t.Fatalf("push %+v %v", res, err)
	}
}

func TestTraceParent(t *testing.T) {
	tp, id := NewTraceParent()
	if TraceID(tp) != id || len(id) != 32 {
		t.Fatalf("%s → %s", tp, id)
	}
	for _, bad := range []string{"", "00-abc-def-01", "00-" + strings.Repeat("0", 32) + "-0000000000000001-01", "00-" + strings.Repeat("g", 32) + "-0000000000000001-01"} {
		if TraceID(bad) != "" {
			t.Errorf("TraceID(%q) accepted", bad)
		}
	}
}
