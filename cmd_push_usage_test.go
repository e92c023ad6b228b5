package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestPushUsageErrors: what can be known before sending is refused before
// sending, one line naming the flag, exit 2 (issue 11, "Bad input").
func TestPushUsageErrors(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	p12, pass := writeP12(t, m, dir, "sandbox")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sec1 := write("sec1.p8", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\nAwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SFs38GecTyudlHz6xvCdz8q\nEKTcWGekdmdDPsHloRNtsiCa697B2O9IFA==\n-----END EC PRIVATE KEY-----\n")
	big := write("big.json", `{"aps":{"alert":"x"},"pad":"`+strings.Repeat("a", 4100)+`"}`)
	bad := write("bad.json", "{\"aps\": {\"alert\": \"hi\",}}")
	small := write("small.json", `{"aps":{}}`)
	tok := []string{"--apns", "sandbox", "--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--device-token", pushToken, "--topic", "com.example.app"}
	with := func(extra ...string) []string { return append(append([]string{}, tok...), extra...) }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"SEC1 key", []string{"--apns", "sandbox", "--auth-key", sec1, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--device-token", pushToken, "--topic", "com.example.app"},
			"--auth-key: " + sec1 + `: a PEM "EC PRIVATE KEY", not PKCS#8`},
		{"key id of 9", with("--key-id", "ABC123456"), "--key-id: \"ABC123456\": a key id is 10 characters"},
		{"team id of 11", with("--team-id", "TEAM1234567"), "--team-id: "},
		{"token not hex", with("--device-token", "zz11"), "--device-token: \"zz11\" is not an even-length hex string"},
		{"voip on the bare topic", with("--type", "voip"), "--topic: \"com.example.app\": a voip push goes to the bundle id plus \".voip\""},
		{"alert on .voip", with("--topic", "com.example.app.voip"), "--topic: \"com.example.app.voip\" carries the suffix \".voip\""},
		{"liveactivity topic", with("--type", "liveactivity", "--payload", bad), "--topic: "},
		{"unknown type", with("--type", "call"), "--type: \"call\": want one of alert|"},
		{"payload over the limit", with("--payload", big), "--payload: 4130 bytes: over the 4096-byte limit for alert pushes"},
		{"invalid JSON", with("--payload", bad), "--payload: not valid JSON at line 1, column 24"},
		{"alert over the limit", with("--alert", strings.Repeat("a", 4100)), "--alert: "},
		{"priority 7", with("--priority", "7"), "--priority: \"7\": want 10, 5 or 1"},
		{"expiration in ms", with("--expiration", "1796000000000"), "--expiration: \"1796000000000\" looks like milliseconds"},
		{"header", with("--header", "apns-priority"), "--header: \"apns-priority\": want NAME:VALUE"},
		{"no auth for sandbox", []string{"--apns", "sandbox", "--device-token", pushToken, "--topic", "com.example.app"}, "--apns sandbox: APNs needs token auth"},
		{"both auths", with("--cert", p12), "--cert: give token auth"},
		{"sandbox certificate for production", []string{"--apns", "production", "--yes", "--cert", p12, "--cert-password-file", pass, "--device-token", pushToken},
			"--cert: " + p12 + ": a sandbox-only certificate for the production host"},
		{"wrong password", []string{"--apns", m.URL(), "--ca", ca, "--cert", p12, "--device-token", pushToken}, "--cert: " + p12 + ": wrong password"},
		{"unset password variable", []string{"--cert", p12, "--cert-password-env", "CALLSCOPE_NO_SUCH_VAR", "--device-token", pushToken}, "--cert-password-env: CALLSCOPE_NO_SUCH_VAR is not set"},
		{"location on a certificate", []string{"--cert", p12, "--cert-password-file", pass, "--device-token", pushToken, "--type", "location", "--payload", small},
			"--cert: a location push needs token auth"},
		{"port 8443", with("--port", "8443"), "--apns: port 8443"},
		{"production without --yes", []string{"--apns", "production", "--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456", "--device-token", pushToken, "--topic", "com.example.app"},
			"--apns: production reaches real users' devices: add --yes"},
		{"mock with --ca", []string{"--ca", ca, "--device-token", pushToken, "--topic", "com.example.app"}, "--apns: mock runs in this process"},
		{"a CA that is not PEM", []string{"--apns", m.URL(), "--ca", bad, "--device-token", pushToken, "--topic", "com.example.app"}, "--ca: " + bad + ": no PEM certificate"},
		{"envelope-in without envelope-for", with("--envelope-in", bad), "--envelope-in: needs --envelope-for"},
		{"unknown device", with("--envelope-for", "nobody"), "--envelope-for: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", dir)
			out, code, msg := runPushCLI(t, tt.args...)
			if code != 2 || !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("exit %d, %q; want 2 and one line starting %q\n%s", code, msg, tt.want, out)
			}
			if out != "" {
				t.Fatalf("a refused push printed:\n%s", out)
			}
		})
	}
}

// TestPushFlagsDocumented: every push flag is in docs/push.md.
func TestPushFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/push.md")
	if err != nil {
		t.Fatal(err)
	}
	pushCommand().Flags().VisitAll(func(f *pflag.Flag) {
		if !bytes.Contains(doc, []byte("`--"+f.Name)) {
			t.Errorf("--%s is not in docs/push.md", f.Name)
		}
	})
}
