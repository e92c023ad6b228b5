package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/scheme"
)

// node returns how to run vpe1.cjs, or skips: the modules come from
// CALLSCOPE_NODE_MODULES (.ci/run installs them into .ci/node).
func node(t *testing.T) (string, string) {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("interop: node not found on PATH; install Node.js 20+ to run the JS interop tests")
	}
	mods := os.Getenv("CALLSCOPE_NODE_MODULES")
	if mods == "" {
		if abs, err := filepath.Abs("../../.ci/node/node_modules"); err == nil {
			mods = abs
		}
	}
	for _, m := range []string{"@hpke/core", "@hpke/chacha20poly1305", "libsodium-wrappers"} {
		if _, err := os.Stat(filepath.Join(mods, m, "package.json")); err != nil {
			t.Skipf("interop: npm module %s not in %q; run .ci/run or npm install --prefix .ci/node @hpke/core @hpke/chacha20poly1305 libsodium-wrappers, and set CALLSCOPE_NODE_MODULES", m, mods)
		}
	}
	return bin, mods
}

func js(t *testing.T, req any, out any) {
	t.Helper()
	bin, mods := node(t)
	in, _ := json.Marshal(req)
	cmd := exec.Command(bin, "vpe1.cjs")
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node vpe1.cjs: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("node answer %q: %v", stdout.String(), err)
	}
}

var token = bytes.Repeat([]byte{0x5a}, 32)

func invite() envelope.Plaintext {
	return envelope.Plaintext{Type: "call.invite", CallUUID: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F",
		Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
}

// TestJSSealsGoOpens: JS builds the whole envelope (kid, rcpt, AAD, bind,
// seal) and callscope's receiver runs every §3.5 check on it.
func TestJSSealsGoOpens(t *testing.T) {
	for _, alg := range scheme.Names() {
		t.Run(alg, func(t *testing.T) {
			k, err := keyring.Generate(alg, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			var env envelope.Envelope
			js(t, map[string]any{"op": "seal", "alg": alg, "public_key": b64(k.Public()), "device_token": hex.EncodeToString(token),
				"ts": now.UnixMilli(), "ttl": 45, "plaintext": invite()}, &env)
			o, err := receiver.Open(mustJSON(t, envelope.Payload{Envelope: &env}), receiver.Config{Ring: keyring.NewRing(k), DeviceToken: token,
				Now: func() time.Time { return now }})
			if err != nil {
				t.Fatalf("callscope cannot open JS's envelope: %v", err)
			}
			if o.Plaintext.Caller.Handle != "alice@example.org" {
				t.Fatalf("plaintext %+v", o.Plaintext)
			}
			// And one flipped bit must not open: the JS side really sealed.
			env.CT[len(env.CT)-1] ^= 1
			if _, err := receiver.Open(mustJSON(t, &env), receiver.Config{Ring: keyring.NewRing(k), DeviceToken: token,
				Now: func() time.Time { return now }}); err == nil {
				t.Fatal("a tampered JS envelope opened")
			}
		})
	}
}

// TestGoSealsJSOpens: callscope seals; JS checks kid and rcpt, rebuilds
// the AAD from the header, opens, and checks bind and the inner copies.
func TestGoSealsJSOpens(t *testing.T) {
	for _, alg := range scheme.Names() {
		t.Run(alg, func(t *testing.T) {
			k, err := keyring.Generate(alg, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			// Three seals to the one key: the default scheme's first DH is
			// the ladder's, the next ones come from the key's table.
			for range 3 {
				env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: alg, PublicKey: k.Public(), DeviceToken: token}, invite(),
					envelope.SealOptions{TTL: 30 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				var got struct {
					Plaintext envelope.Plaintext `json:"plaintext"`
					AAD       string             `json:"aad"`
				}
				js(t, map[string]any{"op": "open", "envelope": env, "public_key": b64(k.Public()), "private_key": b64(k.PrivateBytes()),
					"device_token": hex.EncodeToString(token)}, &got)
				aad, _ := env.AAD()
				if got.AAD != hex.EncodeToString(aad) {
					t.Fatalf("JS AAD %s\nGo AAD %x", got.AAD, aad)
				}
				if got.Plaintext.Caller == nil || got.Plaintext.Caller.Handle != "alice@example.org" || got.Plaintext.SentMS != env.TS {
					t.Fatalf("JS opened %+v", got.Plaintext)
				}
			}
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJSSignsGoVerifies: JS signs with Node's own Ed25519 (node:crypto)
// over the bytes docs/envelope.md defines and pads by its rule; Go
// verifies against the trusted key, refuses it against another, and sees
// the 512-byte bucket.
func TestJSSignsGoVerifies(t *testing.T) {
	for _, alg := range scheme.Names() {
		t.Run(alg, func(t *testing.T) {
			k, _ := keyring.Generate(alg, rand.Reader)
			seed := make([]byte, 32)
			rand.Read(seed)
			caller, _ := keyring.SigningFromSeed(seed)
			other, _ := keyring.GenerateSigning(rand.Reader)
			now := time.Now()
			var env envelope.Envelope
			js(t, map[string]any{"op": "seal", "alg": alg, "public_key": b64(k.Public()), "device_token": hex.EncodeToString(token),
				"ts": now.UnixMilli(), "ttl": 45, "plaintext": invite(), "signing_key": b64(seed)}, &env)
			open := func(trust *keyring.SigningKey) (*receiver.Opened, error) {
				return receiver.Open(mustJSON(t, &env), receiver.Config{Ring: keyring.NewRing(k), DeviceToken: token,
					Now: func() time.Time { return now }, Signers: keyring.NewSigners("alice@example.org", trust)})
			}
			o, err := open(caller)
			if err != nil || o.Signer == nil || o.Warning != nil {
				t.Fatalf("Go does not verify JS's signature: %v, signer %v, warning %v", err, o.Signer, o.Warning)
			}
			if len(o.Raw) != envelope.PadBlock {
				t.Fatalf("JS-padded plaintext is %d bytes, want %d", len(o.Raw), envelope.PadBlock)
			}
			var re *receiver.Error
			if _, err := open(other); !errors.As(err, &re) || re.Code != receiver.CodeSig {
				t.Fatalf("signed by a key not trusted: %v, want %s", err, receiver.CodeSig)
			}
		})
	}
}

// TestGoSignsJSVerifies: callscope signs and pads; JS rebuilds the signed
// bytes, verifies with the caller's public key (and not with another), and
// ignores the pad.
func TestGoSignsJSVerifies(t *testing.T) {
	for _, alg := range scheme.Names() {
		t.Run(alg, func(t *testing.T) {
			k, _ := keyring.Generate(alg, rand.Reader)
			caller, _ := keyring.GenerateSigning(rand.Reader)
			other, _ := keyring.GenerateSigning(rand.Reader)
			env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: alg, PublicKey: k.Public(), DeviceToken: token}, invite(),
				envelope.SealOptions{Signer: caller})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				pub  []byte
				want bool
			}{{caller.Public(), true}, {other.Public(), false}} {
				var got struct {
					Plaintext      envelope.Plaintext `json:"plaintext"`
					PlaintextBytes int                `json:"plaintext_bytes"`
					SigOK          bool               `json:"sig_ok"`
				}
				js(t, map[string]any{"op": "open", "envelope": env, "public_key": b64(k.Public()), "private_key": b64(k.PrivateBytes()),
					"device_token": hex.EncodeToString(token), "signer_public_key": b64(c.pub)}, &got)
				if got.SigOK != c.want {
					t.Fatalf("JS verify with the %v key: %v, want %v", c.want, got.SigOK, c.want)
				}
				if got.PlaintextBytes != envelope.PadBlock || got.Plaintext.Caller.Handle != "alice@example.org" {
					t.Fatalf("JS opened %d bytes: %+v", got.PlaintextBytes, got.Plaintext)
				}
			}
		})
	}
}
