package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitCase is one command line and the exit status the README's rule gives
// it: 2 for a bad flag or argument, 1 for a run that failed, 0 otherwise.
type exitCase struct {
	args []string
	code int
	// want is in the one line on stderr: the flag or file at fault.
	want string
	// untouched are files a refused run must leave as they were (absent
	// files stay absent).
	untouched []string
}

// TestExitCodes runs the real binary over the whole command tree: one row per
// rule case per command. A usage error (2) prints one line naming the flag or
// file and nothing else, and writes nothing.
func TestExitCodes(t *testing.T) {
	bin := buildCallscope(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	env := []string{"XDG_DATA_HOME=" + store, "CALLSCOPE_INGEST_TOKEN="}
	path := func(name string) string { return filepath.Join(dir, name) }
	missing := path("no-such-dir/file")
	notJSON := write(t, dir, "not.json", "hello\n")
	plain := write(t, dir, "plain.json", invitePlain)
	// A device in the store and an envelope sealed for it, made by the binary.
	if code, _, msg := runCLI(t, bin, env, "keys", "new", "--name", "phone"); code != 0 {
		t.Fatalf("keys new: exit %d: %s", code, msg)
	}
	code, sealed, msg := runCLI(t, bin, env, "envelope", "seal", "--in", plain)
	if code != 0 {
		t.Fatalf("envelope seal: exit %d: %s", code, msg)
	}
	env1 := write(t, dir, "env.json", sealed)
	// An imported device: a public key only.
	_, exported, _ := runCLI(t, bin, env, "keys", "export", "phone")
	remote := write(t, dir, "remote.json", strings.Replace(exported, `"phone"`, `"remote"`, 1))
	if code, _, msg := runCLI(t, bin, env, "keys", "import", remote); code != 0 {
		t.Fatalf("keys import: exit %d: %s", code, msg)
	}
	failing := write(t, dir, "failing.toml", "[[scenario]]\nname = \"expects-a-clean-run\"\n[scenario.profile]\nalerts_enabled = false\n")
	// A trace from an earlier run: a refused run must not truncate it.
	oldTrace := write(t, dir, "old-trace.jsonl", "{\"v\":1}\n")
	cert, key := writeCertKey(t, dir)
	noLink := []string{"--listen", "127.0.0.1:0", "--device-link", ""}
	mock := func(args ...string) []string {
		return append(append([]string{"mock-apns", "--headless"}, noLink...), args...)
	}

	tests := []exitCase{
		// The screen (callscope alone).
		{args: []string{"--bogus"}, code: 2, want: "--bogus"},
		{args: []string{"--time-scale", "fast"}, code: 2, want: "--time-scale"},
		{args: []string{"--theme", "neon"}, code: 2, want: "--theme"},
		{args: []string{"extra"}, code: 2, want: `"extra"`},
		{args: []string{"--device-profile", missing}, code: 2, want: missing},
		{args: []string{"--ingest", "nohost"}, code: 2, want: "--ingest"},
		{args: []string{}, code: 2, want: "no terminal"},
		{args: []string{"--version"}, code: 0},
		{args: []string{"--help"}, code: 0},
		// cobra's help and completion, fang's man.
		{args: []string{"help", "bogus"}, code: 2, want: "bogus"},
		{args: []string{"help", "send"}, code: 0},
		{args: []string{"completion", "bogus"}, code: 2, want: `"bogus"`},
		{args: []string{"completion", "bash", "extra"}, code: 2, want: `"extra"`},
		{args: []string{"completion", "bash"}, code: 0},
		{args: []string{"man", "extra"}, code: 2, want: `"extra"`},
		// send.
		{args: []string{"send", "--bogus"}, code: 2, want: "--bogus"},
		{args: []string{"send", "--count", "x"}, code: 2, want: "--count"},
		{args: []string{"send", "--answer-after", "5"}, code: 2, want: "--answer-after"},
		{args: []string{"send", "extra"}, code: 2, want: `"extra"`},
		{args: []string{"send", "--scenario", "nosuch"}, code: 2, want: "nosuch"},
		{args: []string{"send", "--scenario-file", missing}, code: 2, want: missing},
		{args: []string{"send", "--device-profile", notJSON}, code: 2, want: notJSON},
		{args: []string{"send", "--record", missing}, code: 2, want: "--record " + missing},
		{args: []string{"send", "--record", dir}, code: 2, want: "--record " + dir},
		{args: []string{"send", "--scenario", "audio-call", "--record", path("scenario.jsonl")}, code: 2, want: "--record",
			untouched: []string{path("scenario.jsonl")}},
		{args: []string{"send", "--record", oldTrace, "--count", "0"}, code: 2, want: "--count", untouched: []string{oldTrace}},
		{args: []string{"send", "--count", "2"}, code: 0},
		{args: []string{"send", "--record", path("trace.jsonl")}, code: 0},
		{args: []string{"send", "--device-set", "alerts_enabled=false"}, code: 1},
		{args: []string{"send", "--scenario", "unregistered-token"}, code: 1},
		{args: []string{"send", "--scenario-file", failing}, code: 1},
		{args: []string{"send", "--scenario", "audio-call"}, code: 0},
		// scenarios.
		{args: []string{"scenarios", "--bogus"}, code: 2, want: "--bogus"},
		{args: []string{"scenarios", "extra"}, code: 2, want: `"extra"`},
		{args: []string{"scenarios", "--scenario-file", missing}, code: 2, want: missing},
		{args: []string{"scenarios"}, code: 0},
		// keys.
		{args: []string{"keys", "bogus"}, code: 2, want: `"bogus"`},
		{args: []string{"keys", "new", "--scheme", "rot13"}, code: 2, want: "--scheme"},
		{args: []string{"keys", "show", "a", "b"}, code: 2, want: "2"},
		{args: []string{"keys", "show", "nosuch"}, code: 2, want: `"nosuch"`},
		{args: []string{"keys", "rotate", "nosuch"}, code: 2, want: `"nosuch"`},
		{args: []string{"keys", "export", "nosuch"}, code: 2, want: `"nosuch"`},
		{args: []string{"keys", "rotate", "remote"}, code: 2, want: "remote"},
		{args: []string{"keys", "import"}, code: 2, want: "0"},
		{args: []string{"keys", "import", missing}, code: 2, want: missing},
		{args: []string{"keys", "import", notJSON}, code: 2, want: notJSON},
		{args: []string{"keys", "list"}, code: 0},
		{args: []string{"keys", "show"}, code: 0},
		// envelope.
		{args: []string{"envelope", "bogus"}, code: 2, want: `"bogus"`},
		{args: []string{"envelope", "seal"}, code: 2, want: "--in"},
		{args: []string{"envelope", "seal", "--in", missing}, code: 2, want: "--in " + missing},
		{args: []string{"envelope", "seal", "--in", plain, "--ttl", "5"}, code: 2, want: "--ttl"},
		{args: []string{"envelope", "seal", "--in", plain, "--to", "nosuch"}, code: 2, want: "--to"},
		{args: []string{"envelope", "seal", "--in", plain}, code: 0},
		{args: []string{"envelope", "open", "--in", missing}, code: 2, want: "--in " + missing},
		{args: []string{"envelope", "open", "--in", env1, "--sent", missing}, code: 2, want: "--sent " + missing},
		{args: []string{"envelope", "open", "--in", env1, "--sent", notJSON}, code: 2, want: "--sent " + notJSON},
		{args: []string{"envelope", "open", "--in", env1, "--device", "nosuch"}, code: 2, want: "--device"},
		{args: []string{"envelope", "open", "--in", env1, "--device", "remote"}, code: 2, want: "--device"},
		{args: []string{"envelope", "open", "--in", env1, "--replay-cache", missing}, code: 2, want: "--replay-cache"},
		{args: []string{"envelope", "open", "--in", env1, "--info", "another label"}, code: 1, want: "E_AUTH"},
		{args: []string{"envelope", "open", "--in", env1}, code: 0},
		{args: []string{"envelope", "inspect", "--in", missing}, code: 2, want: "--in " + missing},
		{args: []string{"envelope", "inspect", "--in", env1}, code: 0},
		// mock-apns: refused before it listens or writes a file.
		{args: mock("--bogus"), code: 2, want: "--bogus"},
		{args: mock("--idle-timeout", "5"), code: 2, want: "--idle-timeout"},
		{args: mock("extra"), code: 2, want: `"extra"`},
		{args: mock("--environment", "staging"), code: 2, want: "--environment"},
		{args: mock("--record", missing), code: 2, want: "--record " + missing},
		{args: mock("--record", dir), code: 2, want: "--record " + dir},
		{args: mock("--ca-out", missing), code: 2, want: "--ca-out " + missing},
		{args: mock("--record", oldTrace, "--ca-out", missing), code: 2, want: "--ca-out " + missing, untouched: []string{oldTrace}},
		{args: mock("--ca-out", path("ca.pem"), "--record", missing), code: 2, want: "--record " + missing,
			untouched: []string{path("ca.pem")}},
		{args: mock("--cert", cert, "--key", key, "--ca-out", path("ca2.pem")), code: 2, want: "--ca-out",
			untouched: []string{path("ca2.pem")}},
		// device.
		{args: []string{"device", "--bogus"}, code: 2, want: "--bogus"},
		{args: []string{"device", "extra"}, code: 2, want: `"extra"`},
		{args: []string{"device", "--ca", missing}, code: 2, want: "--ca " + missing},
		{args: []string{"device", "--ca", notJSON}, code: 2, want: "--ca " + notJSON},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			before := snapshot(tt.untouched)
			code, stdout, stderr := runCLI(t, bin, env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not name %q", stderr, tt.want)
			}
			if tt.code == 2 {
				if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "callscope: ") {
					t.Errorf("stderr %q: want one line", stderr)
				}
				if stdout != "" {
					t.Errorf("a refused run printed:\n%s", stdout)
				}
			}
			for i, f := range tt.untouched {
				if after := snapshot([]string{f})[0]; after != before[i] {
					t.Errorf("%s was %q, is %q: a refused run wrote it", f, before[i], after)
				}
			}
		})
	}
}

// snapshot is each file's content, or "(absent)".
func snapshot(files []string) []string {
	var s []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			s = append(s, "(absent)")
			continue
		}
		s = append(s, string(b))
	}
	return s
}

// runCLI runs bin with no terminal and returns its exit status, stdout and
// stderr. A command that does not end within a minute fails the test.
func runCLI(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("still running after a minute (it should have been refused or ended)\nstdout: %s\nstderr: %s", out.String(), errb.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// writeCertKey writes a self-signed certificate and its key for --cert/--key.
func writeCertKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))),
		write(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})))
}

// TestExitCodeRuns: the long-running commands. A mock-apns or device whose
// --events-to events were not delivered exits 1 naming --events-to, a device
// the mock refuses exits 1 with the mock's reason, and a clean stop exits 0.
func TestExitCodeRuns(t *testing.T) {
	bin := buildCallscope(t)
	dir := t.TempDir()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer refusing.Close()
	to := refusing.URL + "/v1/events"

	// The mock logs its events and posts them to an ingest that refuses them.
	lossy := startMock(t, bin, t.TempDir(), "--events-to", to)
	tok := strings.Repeat("ab", 32)
	if status, _ := pushHTTP2(t, lossy.url+"/3/device/"+tok, lossy.ca, lossy.jwt, `{"aps":{"alert":"hi"}}`); status != 200 {
		t.Fatalf("push: status %d", status)
	}
	lossy.wait(t, "the push delivered", regexp.MustCompile(`apns\s+delivered`))
	lossy.stopWith(t, "mock-apns --events-to (refused)", 1, "--events-to")

	// A device whose events go to the same refusing ingest, linked to a
	// mock that stops cleanly.
	m := startMock(t, bin, dir, "--stand-in=false")
	dev := start(t, bin, "device", "--apns-device-link", m.link, "--ca", m.ca, "--topic", "org.example.app", "--events-to", to)
	devTok := dev.wait(t, "device token", regexp.MustCompile(`^device token\s+([0-9a-f]+)$`))[1]
	dev.wait(t, "link up", regexp.MustCompile(`^link up`))
	payload := `{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`
	if status, _ := pushHTTP2(t, m.url+"/3/device/"+devTok, m.ca, m.jwt, payload); status != 200 {
		t.Fatalf("push to the device: status %d", status)
	}
	dev.wait(t, "the NSE", regexp.MustCompile(`extension did-receive`))
	dev.stopWith(t, "device --events-to (refused)", 1, "--events-to")

	// A production build's device is refused by the sandbox mock: the run
	// ends by itself.
	prod := start(t, bin, "device", "--apns-device-link", m.link, "--ca", m.ca, "--device-set", "environment=production")
	prod.endsWith(t, "device of the other environment", 1, "aps-environment is production")
	m.stopWith(t, "mock-apns", 0, "")
}

// stopWith sends SIGINT and expects exit status code, with want in the output.
func (p *proc) stopWith(t *testing.T, name string, code int, want string) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	p.endsWith(t, name, code, want)
}

// endsWith waits for the process to end and expects exit status code, with
// want in the output.
func (p *proc) endsWith(t *testing.T, name string, code int, want string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not exit within 20 s", name)
	}
	p.mu.Lock()
	out := strings.Join(p.lines, "\n")
	p.mu.Unlock()
	if got := p.cmd.ProcessState.ExitCode(); got != code {
		t.Errorf("%s: exit %d, want %d\n%s", name, got, code, out)
	}
	if want != "" && !strings.Contains(out, want) {
		t.Errorf("%s: output does not name %s:\n%s", name, want, out)
	}
}
