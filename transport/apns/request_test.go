package apns_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/callscope/callscope/transport/apns"
)

const tok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

func goodRequest() *apns.Request {
	return &apns.Request{Host: apns.HostSandbox, DeviceToken: tok, Topic: "com.example.app", PushType: "alert",
		Payload: []byte(`{"aps":{"alert":{"title":"t","body":"b"},"mutable-content":1}}`)}
}

// TestValidateCatchesWhatAPNsRefuses: each mistake APNs is known to refuse
// is caught before sending, naming the field and Apple's reason.
func TestValidateCatchesWhatAPNsRefuses(t *testing.T) {
	big := func(n int) []byte {
		return []byte(`{"aps":{},"x":"` + strings.Repeat("a", n-len(`{"aps":{},"x":""}`)) + `"}`)
	}
	tests := []struct {
		name  string
		edit  func(r *apns.Request)
		field string
		want  string
	}{
		{"valid", func(*apns.Request) {}, "", ""},
		{"token not hex", func(r *apns.Request) { r.DeviceToken = "xyz0" }, "device-token", "hex"},
		{"token odd length", func(r *apns.Request) { r.DeviceToken = "abc" }, "device-token", "even-length"},
		{"no token", func(r *apns.Request) { r.DeviceToken = "" }, "device-token", "MissingDeviceToken"},
		{"unknown type", func(r *apns.Request) { r.PushType = "call" }, "push-type", "InvalidPushType"},
		{"voip without .voip", func(r *apns.Request) { r.PushType = "voip" }, "topic", "com.example.app.voip"},
		{"voip with .voip", func(r *apns.Request) { r.PushType, r.Topic = "voip", "com.example.app.voip" }, "", ""},
		{"alert to .voip", func(r *apns.Request) { r.Topic = "com.example.app.voip" }, "topic", "bare bundle id"},
		{"complication", func(r *apns.Request) { r.PushType = "complication" }, "topic", ".complication"},
		{"fileprovider", func(r *apns.Request) { r.PushType, r.Topic = "fileprovider", "com.example.app.voip" }, "topic", ".pushkit.fileprovider"},
		{"liveactivity", func(r *apns.Request) { r.PushType = "liveactivity" }, "topic", ".push-type.liveactivity"},
		{"pushtotalk is not voip", func(r *apns.Request) { r.PushType, r.Topic = "pushtotalk", "com.example.app.voip" }, "topic", ".voip-ptt"},
		{"pushtotalk", func(r *apns.Request) { r.PushType, r.Topic = "pushtotalk", "com.example.app.voip-ptt" }, "", ""},
		{"mdm takes any topic", func(r *apns.Request) { r.PushType, r.Topic = "mdm", "com.apple.mgmt.External.1234" }, "", ""},
		{"no topic", func(r *apns.Request) { r.Topic = "" }, "topic", "MissingTopic"},
		{"priority 7", func(r *apns.Request) { r.Priority = "7" }, "priority", "BadPriority"},
		{"background at 10", func(r *apns.Request) { r.PushType, r.Priority = "background", "10" }, "priority", "priority 5"},
		{"expiration in ms", func(r *apns.Request) { r.Expiration = "-1" }, "expiration", "BadExpirationDate"},
		{"expiration 0", func(r *apns.Request) { r.Expiration = "0" }, "", ""},
		{"collapse id 65 bytes", func(r *apns.Request) { r.CollapseID = strings.Repeat("é", 33) }, "collapse-id", "66 bytes"},
		{"apns-id not a UUID", func(r *apns.Request) { r.ApnsID = "1234" }, "apns-id", "BadMessageId"},
		{"empty payload", func(r *apns.Request) { r.Payload = nil }, "payload", "PayloadEmpty"},
		{"invalid JSON", func(r *apns.Request) { r.Payload = []byte("{\"aps\":\n{,}}") }, "payload", "line 2, column 2"},
		{"no aps", func(r *apns.Request) { r.Payload = []byte(`{"alert":"hi"}`) }, "payload", `no "aps"`},
		{"alert at 4096", func(r *apns.Request) { r.Payload = big(4096) }, "", ""},
		{"alert at 4097", func(r *apns.Request) { r.Payload = big(4097) }, "payload", "4096-byte limit"},
		{"voip at 5120", func(r *apns.Request) { r.PushType, r.Topic, r.Payload = "voip", "com.example.app.voip", big(5120) }, "", ""},
		{"voip at 5121", func(r *apns.Request) { r.PushType, r.Topic, r.Payload = "voip", "com.example.app.voip", big(5121) }, "payload", "5120-byte limit"},
		{"pseudo-header", func(r *apns.Request) { r.Extra = []apns.Header{{":path", "/x"}} }, "header", "pseudo-headers"},
		{"authorization header", func(r *apns.Request) { r.Extra = []apns.Header{{"Authorization", "x"}} }, "header", "authorization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodRequest()
			tt.edit(r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			fe, ok := err.(*apns.FieldError)
			if !ok || fe.Field != tt.field || !strings.Contains(fe.Msg, tt.want) {
				t.Fatalf("Validate = %v, want %s error mentioning %q", err, tt.field, tt.want)
			}
		})
	}
}

// TestHeadersAreWhatIsSent: the headers --dry-run lists are the headers a
// server receives, no more, no fewer (--header replacing one included), and
// apns-expiration 0 is sent, which apns2 cannot do.
func TestHeadersAreWhatIsSent(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set(":path", r.URL.Path)
		got <- h
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	r := goodRequest()
	r.Host = srv.URL
	r.Priority, r.Expiration, r.CollapseID, r.ApnsID = "5", "0", "call-1", "0f8a4cbe-5c0c-4e39-a5a3-c4c5cd7e3d1b"
	r.Extra = []apns.Header{{"apns-priority", "10"}, {"x-trace", "abc"}}
	req, err := r.HTTP(context.Background(), "bearer TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := <-got
	if h.Get(":path") != r.Path() {
		t.Errorf(":path %q, want %q", h.Get(":path"), r.Path())
	}
	var want []string
	for _, x := range r.Headers("bearer TOKEN") {
		want = append(want, x.Name+": "+x.Value)
		if v := h.Values(x.Name); len(v) != 1 || v[0] != x.Value {
			t.Errorf("%s sent as %q, listed as %q", x.Name, v, x.Value)
		}
	}
	for name := range h {
		n := strings.ToLower(name)
		if n == ":path" || n == "content-length" || n == "accept-encoding" || n == "user-agent" {
			continue // the transport's own
		}
		if !slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, n+": ") }) {
			t.Errorf("server got %s, which the listing lacks: %v", n, want)
		}
	}
	if h.Get("apns-expiration") != "0" || h.Get("apns-priority") != "10" || h.Get("x-trace") != "abc" {
		t.Errorf("headers as sent: %v", h)
	}
}
