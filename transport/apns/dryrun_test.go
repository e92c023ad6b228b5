package apns_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/transport/apns"
)

// signedJWT is a three-part JWT as APNs receives it (a header, claims and a
// signature, base64url): no dry run may print one.
var signedJWT = regexp.MustCompile(`eyJ[\w-]*\.[\w-]+\.[\w-]+`)

func TestDryRunRendersTheRequest(t *testing.T) {
	r := goodRequest()
	r.Expiration = "0"
	d := apns.DryRun{Request: r, KeyID: "ABC1234567", TeamID: "TEAM123456", KeyFile: "AuthKey_ABC1234567.p8",
		IssuedAt: time.Unix(1796000000, 0)}
	var out bytes.Buffer
	if err := d.Render(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"host: api.sandbox.push.apple.com port 443 (Apple's sandbox)",
		":method: POST\n:scheme: https\n:authority: api.sandbox.push.apple.com\n:path: /3/device/" + tok + "\n",
		"authorization: bearer <JWT: header and claims below, signature redacted>\napns-push-type: alert\napns-topic: com.example.app\napns-expiration: 0\n",
		`header:    {"alg":"ES256","kid":"ABC1234567"}`,
		`claims:    {"iss":"TEAM123456","iat":1796000000}`,
		"signature: <signature redacted>",
		"payload: " + strconv.Itoa(len(r.Payload)) + " bytes of the 4096 allowed for alert pushes",
		`    "mutable-content": 1`,
		"curl -v --http2 \\\n  -H 'apns-push-type: alert'",
		`-H "authorization: bearer $JWT"`,
		"--data-binary '" + string(r.Payload) + "'",
		"https://api.sandbox.push.apple.com/3/device/" + tok,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("dry run lacks %q:\n%s", want, s)
		}
	}
	if signedJWT.MatchString(s) {
		t.Errorf("dry run prints a signed JWT:\n%s", s)
	}
	var j apns.DryRunJSON
	b, _ := json.Marshal(d.JSON())
	if err := json.Unmarshal(b, &j); err != nil || j.PayloadLimit != 4096 || j.PayloadBytes != len(r.Payload) || len(j.Headers) != 9 ||
		j.Headers[4] != (apns.HeaderJSON{Name: "authorization", Value: "bearer <JWT: header and claims below, signature redacted>"}) {
		t.Fatalf("JSON %s: %v", b, err)
	}
}

func TestResolveAPNs(t *testing.T) {
	tests := []struct {
		apns string
		port int
		want string
		err  string
	}{
		{"sandbox", 0, "https://api.sandbox.push.apple.com", ""},
		{"production", 2197, "https://api.push.apple.com:2197", ""},
		{"production", 443, "https://api.push.apple.com", ""},
		{"sandbox", 8443, "", "443 and 2197"},
		{"https://127.0.0.1:2197", 0, "https://127.0.0.1:2197", ""},
		{"https://localhost", 2197, "https://localhost:2197", ""},
		{"https://127.0.0.1:2197", 2197, "", "its own port"},
		{"https://127.0.0.1:2197/3/device", 0, "", "no path"},
		{"http://127.0.0.1", 0, "", "TLS"},
	}
	for _, tt := range tests {
		got, err := apns.ResolveAPNs(tt.apns, tt.port)
		if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ResolveAPNs(%q, %d) = %q, %v; want %q, %q", tt.apns, tt.port, got, err, tt.want, tt.err)
		}
	}
}
