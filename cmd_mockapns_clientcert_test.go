package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callscope/callscope/transport/apns"
)

// clientCertLine is mock-apns's start-up line for --client-cert-out, with
// the push command it prints.
var clientCertLine = regexp.MustCompile(`^client certificate: (\S+) \(([^,]+), (\w+) only[^;]*; callscope push (.+)\)$`)

// TestMockAPNsClientCertProcess: a running callscope mock-apns hands out a
// provider certificate with --client-cert-out, and callscope push --cert
// with it, as the start-up line prints the command, gets 200; a topic the
// certificate does not cover gets the mock's reason and its explanation.
// For an empty password, a password file, and a production mock (whose
// production-only certificate push sends only with --yes).
func TestMockAPNsClientCertProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCallscope(t)
	tests := []struct {
		name     string
		mockArgs func(dir string) []string
		env      string
		pushArgs string // what the printed command must carry
	}{
		{"empty password", func(string) []string { return nil }, "sandbox", ""},
		{"password file", func(dir string) []string {
			pass := filepath.Join(dir, "p12-password")
			if err := os.WriteFile(pass, []byte("s3cret-for-the-test\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"--client-cert-password-file", pass}
		}, "sandbox", "--cert-password-file"},
		{"production", func(string) []string { return []string{"--environment", "production"} }, "production", "--yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p12 := filepath.Join(dir, "client.p12")
			mock := startMock(t, bin, dir, append([]string{"--client-cert-out", p12}, tt.mockArgs(dir)...)...)
			m := mock.wait(t, "client certificate line", clientCertLine)
			if m[1] != p12 || m[2] != "org.example.app" || m[3] != tt.env || !strings.Contains(m[4], tt.pushArgs) {
				t.Fatalf("start-up line %q", m[0])
			}
			fi, err := os.Stat(p12)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v, mode %v; want 0600", p12, err, fi.Mode().Perm())
			}
			printed := strings.Fields(m[4])
			if want := []string{"--apns", mock.url, "--ca", mock.ca, "--cert", p12}; strings.Join(printed[:6], " ") != strings.Join(want, " ") {
				t.Fatalf("printed command %q, want it to start %q", m[4], want)
			}
			args := append(printed, "--device-token", pushToken)
			out, code, msg := runPushCLI(t, args...)
			if code != 0 || !strings.Contains(out, "200 accepted") || !strings.Contains(out, "certificate auth") ||
				!strings.Contains(out, "topic org.example.app,") {
				t.Fatalf("push %s: exit %d (%s)\n%s", strings.Join(args, " "), code, msg, out)
			}
			out, code, _ = runPushCLI(t, append(args, "--topic", "com.example.other")...)
			if code != 1 || !strings.Contains(out, "400 BadTopic") || !strings.Contains(out, "why:            the certificate does not cover com.example.other") {
				t.Fatalf("push to another app's topic: exit %d\n%s", code, out)
			}
			mock.stop(t, "mock-apns")
		})
	}
}

// TestMockAPNsClientCertOwnServerCert: with --cert the mock serves your
// certificate, yet it still trusts the client certificates its own CA
// signs: --client-cert-out works there too, trusted through your --ca.
func TestMockAPNsClientCertOwnServerCert(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	cert, key := writeCertKey(t, dir) // for localhost
	p12 := filepath.Join(dir, "client.p12")
	mock := start(t, buildCallscope(t), "mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "",
		"--cert", cert, "--key", key, "--topic", "org.example.app", "--client-cert-out", p12)
	url := mock.wait(t, "mock URL", regexp.MustCompile(`listening on https://127\.0\.0\.1:(\d+)`))
	m := mock.wait(t, "client certificate line", clientCertLine)
	if !strings.Contains(m[4], "--ca FILE --cert "+p12) {
		t.Fatalf("start-up line %q: want --ca FILE (the issuer of --cert is the user's)", m[0])
	}
	out, code, msg := runPushCLI(t, "--apns", "https://localhost:"+url[1], "--ca", cert, "--cert", p12, "--device-token", pushToken)
	if code != 0 || !strings.Contains(out, "200 accepted") {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}
	mock.stop(t, "mock-apns")
}

// TestMockAPNsClientCertUsage: bad --client-cert-* flags exit 2 with one
// line naming the flag, before the mock listens, and write nothing.
func TestMockAPNsClientCertUsage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCallscope(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "client.p12")
	p12 := filepath.Join(dir, "client.p12")
	mock := func(args ...string) []string {
		return append([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", ""}, args...)
	}
	tests := []struct {
		args []string
		env  []string
		want string
	}{
		{mock("--topic", "org.example.app", "--client-cert-out", missing), nil, "--client-cert-out " + missing + ": no such file or directory"},
		{mock("--topic", "org.example.app", "--client-cert-out", dir), nil, "--client-cert-out " + dir + ": is a directory"},
		{mock("--client-cert-out", p12), nil, "--client-cert-out: the certificate needs a bundle id"},
		{mock("--topic", "org.example.app", "--client-cert-topic", "org.example.app.voip", "--client-cert-out", p12), nil,
			`--client-cert-topic "org.example.app.voip": give the app's bundle id org.example.app`},
		{mock("--topic", "org.example.app", "--client-cert-topic", "org.example.app"), nil, "--client-cert-topic: only with --client-cert-out"},
		{mock("--topic", "org.example.app", "--client-cert-out", p12, "--client-cert-password-file", missing), nil,
			"--client-cert-password-file: open " + missing + ": no such file or directory"},
		{mock("--topic", "org.example.app", "--client-cert-out", p12, "--client-cert-password-env", "CALLSCOPE_TEST_UNSET_P12"), nil,
			"--client-cert-password-env: CALLSCOPE_TEST_UNSET_P12 is not set"},
		{mock("--topic", "org.example.app", "--client-cert-out", p12, "--client-cert-password-env", "P", "--client-cert-password-file", p12),
			[]string{"P=x"}, "--client-cert-password-file: give the password one way"},
		{mock("--topic", "org.example.app", "--client-cert-out", p12, "--ca-out", p12), nil, "--client-cert-out " + p12 + ": the same file as --ca-out"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, bin, tt.env, tt.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "callscope: "+tt.want) || stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want 2 and one line %q", strings.Join(tt.args[5:], " "), code, stderr, stdout, tt.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused start left files: %v", ents)
	}
}

// TestMockAPNsClientCertDoc: the start-up lines docs/mock-apns.md shows for
// --client-cert-out are what mock-apns prints, and the .p12 it wrote loads
// as push loads it, with the empty password, for the mock's environment.
func TestMockAPNsClientCertDoc(t *testing.T) {
	b, err := os.ReadFile("docs/mock-apns.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := apns.WriteP8("AuthKey_ABC1234567.p8", key); err != nil {
		t.Fatal(err)
	}
	got := mockStartup(t, "--client-cert-out", "client.p12")
	want := docBlock(t, string(b), "It prints, after the CA,")
	if len(got) < len(want) || strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Errorf("start-up output:\n%s\n\ndocs/mock-apns.md shows it beginning:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, info, err := apns.LoadP12("client.p12", "")
	if err != nil || info.BundleID != "org.example.app" || !info.Sandbox || info.Production {
		t.Fatalf("client.p12: %+v, %v; want org.example.app, sandbox only", info, err)
	}
}
