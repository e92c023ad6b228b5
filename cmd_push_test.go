package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

const pushToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

// goneToken is answered 410 Unregistered by testMock.
const goneToken = "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"

// signedJWTRE is a three-part JWT as APNs receives it.
var signedJWTRE = regexp.MustCompile(`eyJ[\w-]*\.[\w-]+\.[\w-]+`)

// runPushCLI runs callscope push as the shell does; it returns the output,
// the exit status and the error's line.
func runPushCLI(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append([]string{"push"}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return out.String(), exitStatus(err), msg
}

// writeP8 writes a fresh .p8 and returns its path and PEM.
func writeP8(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "AuthKey_ABC1234567.p8")
	if err := apns.WriteP8(p, key); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	return p, string(b)
}

// TestPushDryRun is issue 11's first acceptance line: the request for the
// sandbox host with apns-push-type alert, a payload with mutable-content, a
// curl command, and neither a signed JWT nor the key; and nothing reaches
// the host (a listener standing in for it accepts no connection).
func TestPushDryRun(t *testing.T) {
	dir := t.TempDir()
	p8, pemText := writeP8(t, dir)
	auth := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--topic", "com.example.app", "--device-token", pushToken, "--dry-run"}
	keyLines := strings.Split(strings.TrimSpace(pemText), "\n")
	check := func(t *testing.T, out string) {
		t.Helper()
		if signedJWTRE.MatchString(out) {
			t.Errorf("dry run prints a signed JWT:\n%s", out)
		}
		for _, l := range keyLines {
			if strings.Contains(out, l) {
				t.Errorf("dry run prints the key's PEM line %q", l)
			}
		}
	}

	out, code, msg := runPushCLI(t, append([]string{"--apns", "sandbox"}, auth...)...)
	if code != 0 {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	for _, want := range []string{"host: api.sandbox.push.apple.com port 443", "apns-push-type: alert\n", `"mutable-content": 1`,
		"curl -v --http2", `-H "authorization: bearer $JWT"`, "signature: <signature redacted>", `"kid":"ABC1234567"`, `"iss":"TEAM123456"`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	check(t, out)

	out, code, _ = runPushCLI(t, append([]string{"--apns", "production", "--port", "2197", "--json"}, auth...)...)
	var j apns.DryRunJSON
	if err := json.Unmarshal([]byte(out), &j); code != 0 || err != nil || j.URL != "https://api.push.apple.com:2197/3/device/"+pushToken {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	check(t, out)

	// A host that is listening: the dry run must not connect. After it, the
	// first connection the listener accepts is the test's own.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, code, msg = runPushCLI(t, append([]string{"--apns", "https://" + ln.Addr().String()}, auth...)...)
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
}

// testMock is an in-process mock reached through --apns URL --ca FILE, as a
// running callscope mock-apns is: it knows com.example.app and the key.
func testMock(t *testing.T, dir, p8 string) (*apnsmock.Server, string) {
	t.Helper()
	key, err := apns.LoadP8(p8)
	if err != nil {
		t.Fatal(err)
	}
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"com.example.app"}, AnyDevice: true, Unregistered: []string{goneToken},
		Keys: []apnsmock.ProviderKey{{KeyID: "ABC1234567", TeamID: "TEAM123456", Public: &key.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	ca := filepath.Join(dir, "ca.pem")
	if err := m.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	return m, ca
}

// writeP12 writes a provider certificate the mock issued as a .p12 with a
// password, and the password's file.
func writeP12(t *testing.T, m *apnsmock.Server, dir, env string) (string, string) {
	t.Helper()
	cert, err := m.IssueClientCert(apnsmock.ClientCertOptions{BundleID: "com.example.app", Environment: env})
	if err != nil {
		t.Fatal(err)
	}
	der, err := pkcs12.Modern2023.Encode(cert.PrivateKey, cert.Leaf, nil, "p12-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(dir, "push-"+env+".p12")
	pass := filepath.Join(dir, "p12-password")
	if err := os.WriteFile(p12, der, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pass, []byte("p12-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p12, pass
}

// TestPushAgainstMock is issue 11's second acceptance line through the CLI:
// token auth and certificate auth get 200 from the mock at --apns URL with
// --ca; a wrong topic gets Apple's reason and the explanation, exit 1.
func TestPushAgainstMock(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	p12, pass := writeP12(t, m, dir, "sandbox")
	prodP12, _ := writeP12(t, m, dir, "production")
	t.Setenv("CALLSCOPE_TEST_P12", "p12-s3cret")
	base := []string{"--apns", m.URL(), "--ca", ca, "--device-token", pushToken}
	token := []string{"--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456"}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"token auth", append(token, "--topic", "com.example.app"), 0, []string{"200 accepted", "apns-id:", "token auth"}},
		{"token auth voip", append(token, "--type", "voip", "--topic", "com.example.app.voip"), 0, []string{"200 accepted"}},
		{"certificate auth", []string{"--cert", p12, "--cert-password-file", pass}, 0, []string{"200 accepted", "topic com.example.app,", "certificate auth"}},
		{"certificate auth, password from the environment", []string{"--cert", p12, "--cert-password-env", "CALLSCOPE_TEST_P12", "--topic", "com.example.app"},
			0, []string{"200 accepted"}},
		{"wrong topic", append(token, "--topic", "com.other.app"), 1,
			[]string{"400 TopicDisallowed", "why:            the signing key may not push to com.other.app"}},
		{"wrong topic, certificate", []string{"--cert", p12, "--cert-password-file", pass, "--topic", "com.other.app"}, 1,
			[]string{"400 BadTopic", "why:"}},
		{"unregistered token", append(token, "--topic", "com.example.app", "--device-token", goneToken), 1,
			[]string{"410 Unregistered", "timestamp:", "stop sending until the app registers again"}},
		{"production certificate on the sandbox mock", []string{"--cert", prodP12, "--cert-password-file", pass, "--yes"}, 1,
			[]string{"403 BadCertificateEnvironment", "the other environment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code, msg := runPushCLI(t, append(base, tt.args...)...)
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

	// No answer at all: a closed port. Exit 1, one line saying so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if out, code, msg := runPushCLI(t, append([]string{"--apns", "https://" + closed, "--device-token", pushToken, "--topic", "com.example.app"}, token...)...); code != 1 ||
		!strings.HasPrefix(msg, "push to https://"+closed+": no answer: ") || strings.Contains(msg, "\n") || out != "" {
		t.Fatalf("closed port: exit %d, %q\n%s", code, msg, out)
	}

	out, code, _ := runPushCLI(t, append(append(base, token...), "--topic", "com.other.app", "--json")...)
	var j pushJSON
	if err := json.Unmarshal([]byte(out), &j); code != 1 || err != nil || j.Status != 400 || j.Reason != "TopicDisallowed" ||
		j.Explanation != apns.Explain("TopicDisallowed", apns.Context{Host: m.URL(), PushType: "alert", Topic: "com.other.app", Auth: "token"}) || j.ApnsID == "" {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
}

// TestPushEmbeddedMockNeedsNoKeys: --apns mock (the default) runs the mock
// in-process with a throwaway key, or trusts the certificate given, and
// says what its stand-in iPhone did with the accepted push.
func TestPushEmbeddedMockNeedsNoKeys(t *testing.T) {
	dir := t.TempDir()
	m, _ := testMock(t, dir, func() string { p, _ := writeP8(t, dir); return p }())
	p12, pass := writeP12(t, m, dir, "")
	tests := []struct {
		name, device string
		args         []string
	}{
		{"no keys", "stand-in phone: nse-run: ", []string{"--topic", "com.example.app"}},
		{"no mutable-content", `stand-in phone: nse-not-run: NSE not run: no mutable-content (add "mutable-content": 1 to aps)`,
			[]string{"--topic", "com.example.app", "--mutable-content=false"}},
		{"background", "stand-in phone: background-delivered", []string{"--topic", "com.example.app", "--type", "background"}},
		{"voip", "stand-in phone: pushkit-delivered", []string{"--topic", "com.example.app.voip", "--type", "voip"}},
		{"certificate", "stand-in phone: nse-run: ", []string{"--cert", p12, "--cert-password-file", pass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code, msg := runPushCLI(t, append([]string{"--device-token", pushToken}, tt.args...)...)
			if code != 0 || !strings.Contains(out, "200 accepted") || !strings.Contains(out, "embedded mock") || !strings.Contains(out, tt.device) {
				t.Fatalf("exit %d (%s), want 200 and %q\n%s", code, msg, tt.device, out)
			}
		})
	}
}

// TestPushRunningMockProcess: the same against a running callscope
// mock-apns process, as a user starts it (docs/mock-apns.md).
func TestPushRunningMockProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	mock := startMock(t, buildCallscope(t), dir)
	args := []string{"--apns", mock.url, "--ca", mock.ca, "--auth-key", filepath.Join(dir, "key.p8"), "--key-id", "KEYID00001",
		"--team-id", "TEAM000001", "--device-token", pushToken}
	if out, code, msg := runPushCLI(t, append(args, "--topic", "org.example.app")...); code != 0 || !strings.Contains(out, "200 accepted") {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	out, code, _ := runPushCLI(t, append(args, "--topic", "com.example.app")...)
	if code != 1 || !strings.Contains(out, "400 TopicDisallowed") || !strings.Contains(out, "may not push to com.example.app") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	mock.stop(t, "mock-apns")
}

// TestPushEnvelopeFor: --envelope-for seals an E2EE call request for a
// device of callscope's keyring, to its token, as an alert payload with
// mutable-content, which envelope open then opens with the device's key.
func TestPushEnvelopeFor(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	root := rootCommand()
	root.SetOut(&bytes.Buffer{})
	root.SetArgs([]string{"keys", "new", "--name", "bob"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, code, msg := runPushCLI(t, "--envelope-for", "bob", "--topic", "com.example.app", "--dry-run", "--json")
	var j apns.DryRunJSON
	if err := json.Unmarshal([]byte(out), &j); code != 0 || err != nil {
		t.Fatalf("exit %d (%s), %v\n%s", code, msg, err, out)
	}
	var p struct {
		APS struct {
			MutableContent int `json:"mutable-content"`
		} `json:"aps"`
		VPE json.RawMessage `json:"vpe"`
	}
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.APS.MutableContent != 1 || len(p.VPE) == 0 {
		t.Fatalf("payload %s: %v", j.Payload, err)
	}
	env := filepath.Join(dir, "env.json")
	if err := os.WriteFile(env, j.Payload, 0o600); err != nil {
		t.Fatal(err)
	}
	root = rootCommand()
	var opened bytes.Buffer
	root.SetOut(&opened)
	root.SetErr(&opened)
	root.SetArgs([]string{"envelope", "open", "--in", env, "--device", "bob"})
	if err := root.ExecuteContext(context.Background()); err != nil || !strings.Contains(opened.String(), "call.invite") {
		t.Fatalf("envelope open: %v\n%s", err, opened.String())
	}
	if out, code, msg := runPushCLI(t, "--envelope-for", "bob", "--topic", "com.example.app"); code != 0 || !strings.Contains(out, "200 accepted") {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	if _, code, msg := runPushCLI(t, "--envelope-for", "bob", "--topic", "com.example.app", "--device-token", "00ff"); code != 2 ||
		!strings.HasPrefix(msg, "--device-token: differs from device bob's token") {
		t.Fatalf("exit %d, %q", code, msg)
	}
}
