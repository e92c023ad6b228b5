package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDeviceTrustsImportedSigner: a callee that trusted a caller's signing
// key with keys import --signer opens that caller's signed push in the
// callscope device process (signature ok), as envelope open does. Caller and
// callee keep separate key stores, as on two machines.
func TestDeviceTrustsImportedSigner(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCallscope(t)
	dir := t.TempDir()
	caller, callee := "XDG_DATA_HOME="+filepath.Join(dir, "caller"), "XDG_DATA_HOME="+filepath.Join(dir, "callee")
	run := func(env string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("callscope %v: %v", args, err)
		}
		return out
	}
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run(callee, "keys", "new", "--name", "bob")
	bob := write("bob.json", run(callee, "keys", "export", "bob"))
	run(caller, "keys", "new", "--signing", "--name", "alice", "--handle", "alice@example.org")
	alice := write("alice.json", run(caller, "keys", "export", "alice"))
	run(caller, "keys", "import", bob)
	run(callee, "keys", "import", "--signer", "--handle", "alice@example.org", alice)
	plain := write("plain.json", []byte(`{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","caller":{"handle":"alice@example.org","handle_type":"email"}}`))
	payload := run(caller, "envelope", "seal", "--in", plain, "--to", "bob", "--sign", "alice")

	mock := startMock(t, bin, dir, "--stand-in=false")
	url, link, ca := mock.url, mock.link, mock.ca

	dev := startEnv(t, []string{callee}, bin, "device", "--apns-device-link", link, "--ca", ca, "--topic", "org.example.app",
		"--keys", "bob", "--time-scale", "100")
	tok := dev.wait(t, "device token", regexp.MustCompile(`^device token\s+([0-9a-f]+)$`))[1]
	dev.wait(t, "the trusted signer", regexp.MustCompile(`^signers\s+alice \(for alice@example\.org\)$`))
	dev.wait(t, "link up", regexp.MustCompile(`^link up`))

	status, apnsID := pushHTTP2(t, url+"/3/device/"+tok, ca, mock.jwt, string(payload))
	if status != 200 {
		t.Fatalf("push: status %d", status)
	}
	id := regexp.QuoteMeta(apnsID)
	dev.wait(t, "a decrypted push signed by a trusted caller",
		regexp.MustCompile(`extension decrypted\s+apns-id=`+id+`.* signature="ok \(signer kid `))
	dev.stop(t, "device")
	mock.stop(t, "mock-apns")
}
