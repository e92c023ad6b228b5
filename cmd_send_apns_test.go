package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/transport/apns"
)

// runSendCLI runs callscope send as the shell does; it returns the output,
// the exit status and the error's line.
func runSendCLI(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // no keys of the user's
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append([]string{"send"}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return out.String(), exitStatus(err), msg
}

// TestSendDryRun is issue 11's first acceptance line for send: the sandbox
// host, apns-push-type alert, a payload with mutable-content, a curl
// command, and neither a signed JWT nor the key; nothing connects. With
// the embedded mock, the payload is the sealed envelope its server builds.
func TestSendDryRun(t *testing.T) {
	dir := t.TempDir()
	p8, pemText := writeP8(t, dir)
	auth := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--topic", "com.example.app", "--device-token", pushToken, "--dry-run"}
	check := func(t *testing.T, out string) {
		t.Helper()
		if signedJWTRE.MatchString(out) {
			t.Errorf("dry run prints a signed JWT:\n%s", out)
		}
		for _, l := range strings.Split(strings.TrimSpace(pemText), "\n") {
			if strings.Contains(out, l) {
				t.Errorf("dry run prints the key's PEM line %q", l)
			}
		}
	}
	out, code, msg := runSendCLI(t, append([]string{"--apns", "sandbox"}, auth...)...)
	if code != 0 {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	for _, want := range []string{"host: api.sandbox.push.apple.com port 443", "apns-push-type: alert\n", "apns-topic: com.example.app\n",
		`"mutable-content": 1`, `"vpe": {`, "curl -v --http2", `-H "authorization: bearer $JWT"`, "signature: <signature redacted>",
		`"kid":"ABC1234567"`, `"iss":"TEAM123456"`, ":path: /3/device/" + pushToken} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	check(t, out)

	// Production needs no --yes to look; three calls are three pushes.
	out, code, msg = runSendCLI(t, append([]string{"--apns", "production", "--count", "3"}, auth...)...)
	if code != 0 || strings.Count(out, "host: api.push.apple.com port 443") != 3 || !strings.Contains(out, "── push 3 of 3 ──") {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	check(t, out)

	out, code, _ = runSendCLI(t, append([]string{"--apns", "sandbox", "--count", "2", "--json"}, auth...)...)
	var js []apns.DryRunJSON
	if err := json.Unmarshal([]byte(out), &js); code != 0 || err != nil || len(js) != 2 || js[0].URL != "https://api.sandbox.push.apple.com/3/device/"+pushToken {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	check(t, out)

	// A host that is listening: the dry run must not connect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, code, msg = runSendCLI(t, append([]string{"--apns", "https://" + ln.Addr().String()}, auth...)...)
	if code != 0 {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	probe, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RemoteAddr().String() != probe.LocalAddr().String() {
		t.Fatalf("the dry run connected to the host (first accepted connection from %s, not the probe %s)", c.RemoteAddr(), probe.LocalAddr())
	}

	// The embedded mock: its own key and bundle id, the sealed envelope.
	out, code, msg = runSendCLI(t, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	for _, want := range []string{"callscope's embedded mock APNs", "apns-topic: org.callscope.demo", `"mutable-content": 1`,
		`"vpe": {`, `"alg": "hpke-`, `"ct": "`, "curl -v --http2"} {
		if !strings.Contains(out, want) {
			t.Errorf("embedded dry run lacks %q:\n%s", want, out)
		}
	}
	check(t, out)
}

// TestSendRealAPNs points send's real path (provider server → apns.Sender)
// at an in-process mock through --apns URL --ca, as at a running
// callscope mock-apns: token and certificate auth get 200 and the calls
// end "accepted" (by APNs, not rung); a wrong topic ends failed at APNs
// with Apple's reason and the host-aware explanation, exit 1.
func TestSendRealAPNs(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	p12, pass := writeP12(t, m, dir, "sandbox")
	base := []string{"--apns", m.URL(), "--ca", ca, "--device-token", pushToken}
	token := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456"}
	explained := apns.Explain("TopicDisallowed", apns.Context{Host: m.URL(), PushType: "alert", Topic: "com.other.app", Auth: "token"})
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		// Three pushes on one connection: a JWT per push would draw 429
		// TooManyProviderTokenUpdates from the mock.
		{"token auth, one JWT for all", append(token, "--topic", "com.example.app", "--count", "3"), 0,
			[]string{"3 requests: 3 accepted", "real APNs 127.0.0.1:", "not that the phone rang"}},
		{"certificate auth", []string{"--cert", p12, "--cert-password-file", pass}, 0, []string{"1 requests: 1 accepted"}},
		{"two devices", append(token, "--topic", "com.example.app", "--device-token", goneToken), 0, []string{"1 accepted"}},
		{"wrong topic", append(token, "--topic", "com.other.app"), 1,
			[]string{"failed@apns", "(TopicDisallowed)", "hint: " + explained}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code, msg := runSendCLI(t, append(append([]string{}, base...), tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d (%s), want %d\n%s", code, msg, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "p12-s3cret") || signedJWTRE.MatchString(out) {
				t.Errorf("output shows a secret:\n%s", out)
			}
		})
	}

	// --json: the outcome and the APNs lane, measured.
	out, code, msg := runSendCLI(t, append(append(append([]string{}, base...), token...), "--topic", "com.example.app", "--json")...)
	if code != 0 {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	var doc struct {
		Calls []report.CallJSON `json:"calls"`
		Notes []string          `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Calls) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	call := doc.Calls[0]
	if call.Outcome != "accepted" || call.LatencyUS["apns"] <= 0 || call.LatencyUS["server"] <= 0 {
		t.Fatalf("call %+v\n%s", call, out)
	}
}

// TestSendAPNsUsage: send refuses before sending what cannot work, one line
// naming the flag, exit 2; production needs --yes (the check push shares).
func TestSendAPNsUsage(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	prodP12, pass := writeP12(t, m, dir, "production")
	tok := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--topic", "com.example.app"}
	with := func(extra ...string) []string { return append(append([]string{"--apns", "sandbox"}, tok...), extra...) }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"production without --yes", append(append([]string{"--apns", "production"}, tok...), "--device-token", pushToken),
			"--apns: production reaches real users' devices: add --yes to send, or --dry-run to look first"},
		{"production-only certificate at a URL without --yes", []string{"--apns", m.URL(), "--ca", ca, "--cert", prodP12, "--cert-password-file", pass, "--device-token", pushToken},
			"--cert: " + prodP12 + " is a production-only certificate: production reaches real users' devices: add --yes"},
		{"no device token", with(), "--device-token: a real APNs pushes to real devices"},
		{"token not hex", with("--device-token", "zz11"), "--device-token: \"zz11\" is not an even-length hex string"},
		{"voip topic for alert pushes", append(append([]string{"--apns", "sandbox"}, tok[:6]...), "--topic", "com.example.app.voip", "--device-token", pushToken),
			"--topic: \"com.example.app.voip\" carries the suffix \".voip\""},
		{"no auth", []string{"--apns", "sandbox", "--topic", "com.example.app", "--device-token", pushToken}, "--apns sandbox: APNs needs token auth"},
		{"key id of 9", with("--device-token", pushToken, "--key-id", "ABC123456"), "--key-id: \"ABC123456\": a key id is 10 characters"},
		{"device token with the mock", []string{"--device-token", pushToken}, "--device-token: for --apns sandbox, production or a URL"},
		{"simulated callee flags with a real APNs", with("--device-token", pushToken, "--answer", "decline"), "--answer: these set up the simulated iPhone"},
		{"with a scenario", []string{"--scenario", "all", "--apns", "sandbox"}, "--apns: not with --scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code, msg := runSendCLI(t, tt.args...)
			if code != 2 || !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("exit %d, %q; want 2 and one line starting %q\n%s", code, msg, tt.want, out)
			}
			if out != "" {
				t.Fatalf("a refused send printed:\n%s", out)
			}
		})
	}
}

// TestScreenAPNsFlags: the screen takes the same --apns flags; production
// needs no --yes there (the screen asks before its first send), so without
// a terminal it gets as far as the terminal check; bad APNs flags are
// refused first, naming the flag.
func TestScreenAPNsFlags(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	tok := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--topic", "com.example.app"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"production asks on the screen, not --yes", append(append([]string{"--apns", "production"}, tok...), "--device-token", pushToken), "no terminal"},
		{"sandbox", append(append([]string{"--apns", "sandbox"}, tok...), "--device-token", pushToken), "no terminal"},
		{"no device token", append([]string{"--apns", "sandbox"}, tok...), "--device-token: a real APNs pushes to real devices"},
		{"simulated profile with a real APNs", append(append([]string{"--apns", "sandbox"}, tok...), "--device-token", pushToken, "--device-set", "answer=decline"),
			"--device-profile, --device-set: these set up the simulated iPhone"},
		{"auth with the mock", []string{"--auth-key", p8}, "--auth-key: for --apns sandbox, production or a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, msg := run(t, tt.args...)
			if code != 2 || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") || out != "" {
				t.Fatalf("exit %d, %q, %q; want 2 and one line with %q", code, msg, out, tt.want)
			}
		})
	}
}
