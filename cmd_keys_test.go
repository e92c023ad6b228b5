package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
)

// cli runs the command tree in a fresh key store and returns the exit
// status, stdout and the error line.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := rootCommand()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return exitStatus(err), out.String(), msg
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const invitePlain = `{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F",` +
	`"caller":{"handle":"alice@example.org","handle_type":"email","name":"Alice"},"video":true}`

// TestUnknownSubcommands: keys bogus and envelope bogus are usage errors
// naming the command (they printed the help and exited 0).
func TestUnknownSubcommands(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	for _, args := range [][]string{{"keys", "bogus"}, {"envelope", "bogus"}} {
		code, _, msg := cli(t, args...)
		if code != 2 || !strings.Contains(msg, `unknown command "bogus"`) || strings.Contains(msg, "\n") {
			t.Errorf("%v: exit %d, %q; want 2 and one line naming the command", args, code, msg)
		}
	}
	if code, out, _ := cli(t, "keys"); code != 0 || !strings.Contains(out, "Usage") {
		t.Errorf("keys alone: exit %d, want the help and 0", code)
	}
}

// TestSealAppliesReceiverSchema: what envelope open refuses at E_PAYLOAD,
// envelope seal refuses before sealing, with the same code, and writes
// nothing.
func TestSealAppliesReceiverSchema(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	if code, _, msg := cli(t, "keys", "new"); code != 0 {
		t.Fatal(msg)
	}
	rows := map[string]string{
		"type":        strings.Replace(invitePlain, "call.invite", "call.ring", 1),
		"uuid":        strings.Replace(invitePlain, "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", "not-a-uuid", 1),
		"handle type": strings.Replace(invitePlain, `"email"`, `"sip"`, 1),
	}
	for name, plain := range rows {
		t.Run(name, func(t *testing.T) {
			in := write(t, dir, "p.json", plain)
			code, out, msg := cli(t, "envelope", "seal", "--in", in)
			if code == 0 || out != "" || !strings.HasPrefix(msg, in+": "+receiver.CodePayload+": ") {
				t.Fatalf("seal: exit %d, out %q, err %q; want %s naming %s and no output", code, out, msg, receiver.CodePayload, in)
			}
			// Sealed anyway, by a sender without the check, envelope open
			// refuses it with the same code and words.
			want := strings.TrimSuffix(strings.TrimPrefix(msg, in+": "), " (envelope open would refuse it)")
			code, _, got := cli(t, "envelope", "open", "--in", write(t, dir, "sealed.json", sealUnchecked(t, plain)))
			if code != 1 || got != want {
				t.Fatalf("open: exit %d %q, want %q", code, got, want)
			}
		})
	}
}

// sealUnchecked seals plain for the default device as a sender that skips
// the schema would.
func sealUnchecked(t *testing.T, plain string) string {
	t.Helper()
	st, _ := keyStore()
	d, err := st.Get("")
	if err != nil {
		t.Fatal(err)
	}
	s, pub, _ := d.Current()
	tok, _ := d.TokenBytes()
	var pt envelope.Plaintext
	if err := json.Unmarshal([]byte(plain), &pt); err != nil {
		t.Fatal(err)
	}
	e, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: s.Name(), PublicKey: pub, DeviceToken: tok}, pt, envelope.SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(envelope.NewPayload(e))
	return string(b)
}

// TestOpenNotAnEnvelope: JSON that is not an envelope says so, not E_VERSION 0.
func TestOpenNotAnEnvelope(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	cli(t, "keys", "new")
	for _, body := range []string{`{"hello":"world"}`, `{"aps":{"alert":"hi"}}`, `[1]`} {
		code, _, msg := cli(t, "envelope", "open", "--in", write(t, dir, "x.json", body))
		if code != 1 || !strings.HasPrefix(msg, "E_PARSE: not a VPE1 envelope") {
			t.Errorf("%s: exit %d, %q; want E_PARSE: not a VPE1 envelope", body, code, msg)
		}
	}
}

// TestSignedEnvelopeCLI: keys new --signing, envelope seal --sign, and
// envelope open verifying it; an unsigned one opens with W_UNSIGNED; a
// signer the store does not know is E_SIG; keys import --signer trusts it.
func TestSignedEnvelopeCLI(t *testing.T) {
	caller, callee := t.TempDir(), t.TempDir()
	t.Setenv("XDG_DATA_HOME", caller)
	if code, out, msg := cli(t, "keys", "new", "--signing", "--name", "alice", "--handle", "alice@example.org"); code != 0 || !strings.Contains(out, "signer kid") {
		t.Fatalf("keys new --signing: %d %q %s", code, out, msg)
	}
	fi, err := os.Stat(filepath.Join(caller, "callscope", "signers", "alice.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key file: %v, mode %v; want 0600", err, fi.Mode())
	}
	_, exported, _ := cli(t, "keys", "export", "alice")
	if strings.Contains(exported, "private") {
		t.Fatalf("export shows a private key: %s", exported)
	}
	_, shown, _ := cli(t, "keys", "show", "alice")
	if strings.Contains(shown, "private_key") || !strings.Contains(shown, "ed25519") {
		t.Fatalf("keys show alice: %s", shown)
	}

	// The callee's machine: a device; the caller seals for its public key.
	t.Setenv("XDG_DATA_HOME", callee)
	cli(t, "keys", "new", "--name", "bob-phone")
	_, dev, _ := cli(t, "keys", "export")
	t.Setenv("XDG_DATA_HOME", caller)
	if code, _, msg := cli(t, "keys", "import", write(t, caller, "bob.json", dev)); code != 0 {
		t.Fatal(msg)
	}
	plain := write(t, caller, "plain.json", invitePlain)
	_, signed, msg := cli(t, "envelope", "seal", "--in", plain, "--to", "bob-phone", "--sign", "alice")
	_, unsigned, _ := cli(t, "envelope", "seal", "--in", plain, "--to", "bob-phone")
	if signed == "" {
		t.Fatal(msg)
	}
	if code, _, msg := cli(t, "envelope", "seal", "--in", plain, "--to", "bob-phone", "--sign", "nobody"); code != 2 || !strings.Contains(msg, "--sign") {
		t.Fatalf("--sign nobody: exit %d %q", code, msg)
	}

	t.Setenv("XDG_DATA_HOME", callee)
	s, u := write(t, callee, "s.json", signed), write(t, callee, "u.json", unsigned)
	if code, _, msg := cli(t, "envelope", "open", "--in", s); code != 1 || !strings.HasPrefix(msg, "E_SIG") {
		t.Fatalf("signed by a caller the callee does not trust: exit %d %q, want E_SIG", code, msg)
	}
	if code, _, msg := cli(t, "keys", "import", "--signer", "--handle", "alice@example.org", write(t, callee, "alice.json", exported)); code != 0 {
		t.Fatalf("keys import --signer: %s", msg)
	}
	code, out, msg := cli(t, "envelope", "open", "--in", s)
	if code != 0 || !strings.Contains(out, "signature ok (signer kid") {
		t.Fatalf("open signed: exit %d %q\n%s", code, msg, out)
	}
	code, out, msg = cli(t, "envelope", "open", "--in", u)
	if code != 0 || !strings.Contains(out, "warning       W_UNSIGNED") {
		t.Fatalf("open unsigned: exit %d %q, want 0 with a W_UNSIGNED warning\n%s", code, msg, out)
	}
	code, out, _ = cli(t, "envelope", "open", "--in", u, "--json")
	if code != 0 || !strings.Contains(out, `"code": "W_UNSIGNED"`) {
		t.Fatalf("open unsigned --json: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "envelope", "inspect", "--in", s); code != 0 || !strings.Contains(out, "padded to a 512-byte bucket") {
		t.Fatalf("inspect: exit %d\n%s", code, out)
	}
	if code, _, msg := cli(t, "keys", "import", "--signer", "--handle", "x@example.org", write(t, callee, "junk.json", `{"name":"x","algorithm":"rsa","public_key":"AA"}`)); code == 0 || !strings.Contains(msg, "algorithm") {
		t.Fatalf("import --signer of a bad file: exit %d %q", code, msg)
	}
}
