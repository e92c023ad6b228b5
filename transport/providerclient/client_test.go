package providerclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClient: the example template's requests reach a server as written,
// and its answers are read as the template says.
func TestClient(t *testing.T) {
	t.Setenv("NOTIFY_API_TOKEN", "tok-123")
	tpl, err := Load("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		method, path, auth, reqID, ctype string
		body                             map[string]any
	}
	var got seen
	answer := func(w http.ResponseWriter) {}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{method: r.Method, path: r.URL.EscapedPath(), auth: r.Header.Get("Authorization"),
			reqID: r.Header.Get("X-Request-Id"), ctype: r.Header.Get("Content-Type")}
		if err := json.Unmarshal(b, &got.body); err != nil {
			t.Errorf("body not JSON: %v: %s", err, b)
		}
		answer(w)
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/base/", tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	v := Values{Token: "a1b2", Device: `Bob's "iPhone"`, User: "bob@example.org", Topic: "org.example.app", Environment: "sandbox",
		Envelope: json.RawMessage(`{"v":1,"ct":"x"}`), PushType: "alert", Priority: 10, Expiration: 1700000045,
		TraceID: "0123456789abcdef0123456789abcdef"}

	answer = func(w http.ResponseWriter) { w.WriteHeader(201) }
	res, err := c.Register(ctx, v)
	if err != nil || !res.OK || res.HTTPStatus != 201 {
		t.Fatalf("register: %+v %v", res, err)
	}
	if got.method != "PUT" || got.path != "/base/v2/installations/a1b2" || got.auth != "Bearer tok-123" ||
		got.body["label"] != `Bob's "iPhone"` || got.ctype != "application/json" {
		t.Fatalf("register request %+v", got)
	}

	tests := []struct {
		name   string
		status int
		body   string
		want   Result
	}{
		{"relayed acceptance", 202, `{"apns":{"status":200,"id":"ID-1"}}`, Result{HTTPStatus: 202, OK: true, APNsStatus: 200, ApnsID: "ID-1"}},
		{"relayed rejection", 202, `{"apns":{"status":"400","reason":"BadDeviceToken"}}`, Result{HTTPStatus: 202, OK: true, APNsStatus: 400, Reason: "BadDeviceToken"}},
		{"a status the template does not count", 200, `{"apns":{"status":200}}`, Result{HTTPStatus: 200, APNsStatus: 200, Error: `{"apns":{"status":200}}`}},
		{"server's own error", 500, `{"message":"db down"}`, Result{HTTPStatus: 500, Error: "db down"}},
		{"not JSON", 502, "Bad Gateway", Result{HTTPStatus: 502, Error: "Bad Gateway"}},
		{"no body", 202, "", Result{HTTPStatus: 202, OK: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer = func(w http.ResponseWriter) { w.WriteHeader(tt.status); io.WriteString(w, tt.body) }
			res, err := c.Send(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if res.RoundTrip <= 0 {
				t.Fatal("no round trip measured")
			}
			res.RoundTrip = 0
			if res != tt.want {
				t.Fatalf("got  %+v\nwant %+v", res, tt.want)
			}
			blob, _ := base64.StdEncoding.DecodeString(got.body["blob"].(string))
			if got.path != "/base/v2/notify" || got.reqID != v.TraceID || string(blob) != string(v.Envelope) || got.body["expires"] != float64(1700000045) {
				t.Fatalf("send request %+v", got)
			}
		})
	}

	if _, err := New("localhost:8080", tpl); err == nil || !strings.Contains(err.Error(), "want an http:// or https:// URL") {
		t.Fatalf("bad URL: %v", err)
	}
	t.Setenv("NOTIFY_API_TOKEN", "")
	if _, err := c.Send(ctx, Values{Token: "a\nb"}); err != nil {
		t.Fatalf("a token with a line break is escaped in the body, not refused: %v", err)
	}
}
