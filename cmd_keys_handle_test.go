package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// malloryPlain is the reviewer's case: a request that says mallory calls.
const malloryPlain = `{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F",` +
	`"caller":{"handle":"mallory@example.org","handle_type":"email","name":"Mallory"}}`

// TestSignerHandleCLI is the reviewer's case: alice's signing key, trusted
// by the callee for alice@example.org, signs a request whose caller.handle
// is mallory@example.org. envelope open answers E_SIG naming both handles
// (on the main this branch starts from it opened "signature ok"), while
// alice's own request still verifies; envelope seal refuses to sign it
// with a key trusted only for alice.
func TestSignerHandleCLI(t *testing.T) {
	caller, callee := t.TempDir(), t.TempDir()

	// The callee's machine: a device.
	t.Setenv("XDG_DATA_HOME", callee)
	cli(t, "keys", "new", "--name", "bob")
	_, dev, _ := cli(t, "keys", "export", "bob")

	// The caller's machine: alice's key, made as a test key that may sign
	// as anyone, so envelope seal signs the forgery a modified app would.
	t.Setenv("XDG_DATA_HOME", caller)
	if code, _, msg := cli(t, "keys", "new", "--signing", "--name", "alice-sig", "--any-handle"); code != 0 {
		t.Fatal(msg)
	}
	_, exported, _ := cli(t, "keys", "export", "alice-sig")
	cli(t, "keys", "import", write(t, caller, "bob.json", dev))
	seal := func(plain string) string {
		t.Helper()
		code, out, msg := cli(t, "envelope", "seal", "--in", write(t, caller, "plain.json", plain), "--to", "bob", "--sign", "alice-sig")
		if code != 0 {
			t.Fatalf("seal: exit %d %s", code, msg)
		}
		return out
	}
	forged, honest := seal(malloryPlain), seal(invitePlain)

	// The callee verified alice's key: it trusts it for alice's handle.
	t.Setenv("XDG_DATA_HOME", callee)
	if code, out, msg := cli(t, "keys", "import", "--signer", "--handle", "alice@example.org", write(t, callee, "alice.json", exported)); code != 0 ||
		!strings.Contains(out, "trusted for   alice@example.org") {
		t.Fatalf("keys import --signer --handle: exit %d %q\n%s", code, msg, out)
	}
	code, _, msg := cli(t, "envelope", "open", "--in", write(t, callee, "forged.json", forged))
	if code != 1 || !strings.HasPrefix(msg, "E_SIG") || !strings.Contains(msg, "mallory@example.org") || !strings.Contains(msg, "trusted for alice@example.org") {
		t.Fatalf("alice's key signing as mallory: exit %d %q, want E_SIG naming both handles", code, msg)
	}
	code, out, msg := cli(t, "envelope", "open", "--in", write(t, callee, "honest.json", honest))
	if code != 0 || !strings.Contains(out, "signature ok") || !strings.Contains(out, "trusted for alice@example.org") {
		t.Fatalf("alice's own request: exit %d %q\n%s", code, msg, out)
	}
	// The remedy the hint gives when it is the same person: import the key
	// again for that handle too; the key's one file then names both.
	code, out, msg = cli(t, "keys", "import", "--signer", "--handle", "alice.work@example.org", filepath.Join(callee, "alice.json"))
	if code != 0 || !strings.Contains(out, "trusted for   alice@example.org, alice.work@example.org") {
		t.Fatalf("re-import for another handle: exit %d %q\n%s", code, msg, out)
	}
	_, shown, _ := cli(t, "keys", "show", "alice-sig", "--json")
	if !strings.Contains(shown, `"handles": [`) || !strings.Contains(shown, `"alice.work@example.org"`) {
		t.Fatalf("keys show --json does not show the handles:\n%s", shown)
	}
	_, list, _ := cli(t, "keys", "list")
	if !regexp.MustCompile(`alice-sig\s+ed25519.*for alice@example\.org`).MatchString(list) {
		t.Fatalf("keys list does not show the handle:\n%s", list)
	}

	// Signing one's own key for someone else is refused before sealing.
	t.Setenv("XDG_DATA_HOME", caller)
	if code, _, msg := cli(t, "keys", "new", "--signing", "--name", "alice-own", "--handle", "alice@example.org"); code != 0 {
		t.Fatal(msg)
	}
	code, out, msg = cli(t, "envelope", "seal", "--in", write(t, caller, "m.json", malloryPlain), "--to", "bob", "--sign", "alice-own")
	if code == 0 || out != "" || !strings.Contains(msg, "E_SIG") || !strings.Contains(msg, "mallory@example.org") || !strings.Contains(msg, "alice@example.org") {
		t.Fatalf("seal --sign alice-own as mallory: exit %d %q, output %q", code, msg, out)
	}
}

// TestSignerHandleFlags: a signing key is trusted for the handles given,
// so making or importing one without --handle (or --any-handle) is a
// usage error naming the flag, and nothing is written.
func TestSignerHandleFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	if code, _, msg := cli(t, "keys", "new", "--signing", "--name", "src", "--any-handle"); code != 0 {
		t.Fatal(msg)
	}
	_, exported, _ := cli(t, "keys", "export", "src")
	exp := write(t, dir, "x.json", strings.Replace(exported, `"src"`, `"x"`, 1))
	rows := []struct {
		args []string
		flag string
	}{
		{[]string{"keys", "new", "--signing", "--name", "k"}, "--handle"},
		{[]string{"keys", "new", "--signing", "--name", "k", "--handle", "a@example.org", "--any-handle"}, "--any-handle"},
		{[]string{"keys", "new", "--signing", "--name", "k", "--handle", "a b"}, "--handle"},
		{[]string{"keys", "new", "--name", "k", "--handle", "a@example.org"}, "--handle: only with --signing"},
		{[]string{"keys", "import", "--signer", exp}, "--handle"},
		{[]string{"keys", "import", exp, "--any-handle"}, "--any-handle: only with --signer"},
	}
	for _, r := range rows {
		code, _, msg := cli(t, r.args...)
		if code != 2 || !strings.Contains(msg, r.flag) || strings.Contains(msg, "\n") {
			t.Errorf("%v: exit %d %q, want 2 naming %s", r.args, code, msg, r.flag)
		}
	}
	for _, f := range []string{"k.json", "x.json"} {
		if _, err := os.Stat(filepath.Join(dir, "callscope", "signers", f)); err == nil {
			t.Errorf("%s written after a refusal", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "callscope", "devices", "k.json")); err == nil {
		t.Error("device k written after a refusal")
	}
}
