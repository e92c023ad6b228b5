package keyring

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"filippo.io/edwards25519"
)

// TestSignerKIDKnownAnswer: computed with Python's hashlib from the rule in
// docs/envelope.md, SHA-256("VPE1 signer" ‖ public key)[:8], not with Go.
func TestSignerKIDKnownAnswer(t *testing.T) {
	k, err := SigningFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8032's public key for the all-zero seed.
	if got := hex.EncodeToString(k.Public()); got != "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29" {
		t.Fatalf("public key %s", got)
	}
	if got := hex.EncodeToString(k.KID()); got != signerKIDZeroSeed {
		t.Fatalf("signer kid %s, want %s", got, signerKIDZeroSeed)
	}
	if !ed25519.Verify(k.Public(), []byte("m"), k.Sign([]byte("m"))) {
		t.Fatal("signature does not verify")
	}
	if strings.Contains(k.String(), hex.EncodeToString(k.Seed())) {
		t.Fatal("String shows the private key")
	}
}

func TestSignerStore(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	ss, err := s.NewSigning("alice", Trust{Handles: []string{"alice@example.org"}}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(ss.Path())
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if _, err := s.NewSigning("alice", Trust{AnyHandle: true}, rand.Reader); err == nil {
		t.Fatal("a second key named alice")
	}
	if _, err := s.New("alice", "", rand.Reader); err == nil {
		t.Fatal("a device with a signing key's name")
	}
	info, _ := json.Marshal(ss.Info())
	if bytes.Contains(info, []byte("private")) {
		t.Fatalf("public info %s", info)
	}
	// Another store trusts it through the export.
	other := &Store{Dir: t.TempDir()}
	p, err := ParseSignerInfo(info)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := other.ImportSigner(p, Trust{Handles: []string{"alice@example.org"}})
	if err != nil || imp.HasPrivate() {
		t.Fatalf("import: %v", err)
	}
	if _, err := imp.Key(); err == nil {
		t.Fatal("an imported signer can sign")
	}
	trusted, err := other.Trusted()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ss.Key()
	if got, ok := trusted.Lookup(k.KID()); !ok || got.Name != "alice" {
		t.Fatalf("trusted %v", trusted.List())
	}
	// A readable private key file is refused.
	os.Chmod(ss.Path(), 0o644)
	if _, err := s.GetSigner("alice"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err %v", err)
	}
	if _, err := s.GetSigner("../x"); err == nil {
		t.Fatal("path in a name")
	}
}

// TestParseSignerInfoNotAPoint: 32 bytes that are no point on the curve
// are refused at import, naming the field; crypto/ed25519 would refuse
// every signature with them.
func TestParseSignerInfoNotAPoint(t *testing.T) {
	var pub []byte
	for y := byte(2); pub == nil; y++ {
		b := make([]byte, 32)
		b[0] = y
		if _, err := new(edwards25519.Point).SetBytes(b); err != nil {
			pub = b
		}
	}
	info, _ := json.Marshal(SignerInfo{Name: "mallory", Algorithm: SigningAlgorithm, PublicKey: b64(pub)})
	if _, err := ParseSignerInfo(info); err == nil || !strings.Contains(err.Error(), "field public_key: not an Ed25519 public key") {
		t.Fatalf("err %v", err)
	}
	if ed25519.Verify(pub, []byte("m"), make([]byte, 64)) {
		t.Fatal("crypto/ed25519 takes the key: the test checks nothing")
	}
}

// FuzzParseSignerInfo: any input is refused with an error or gives a
// signer whose key is 32 bytes and whose kid matches it.
func FuzzParseSignerInfo(f *testing.F) {
	k, _ := SigningFromSeed(bytes.Repeat([]byte{1}, 32))
	good, _ := json.Marshal(SignerInfo{Name: "alice", Algorithm: SigningAlgorithm, SignerKID: b64(k.KID()), PublicKey: b64(k.Public())})
	f.Add(good)
	f.Add([]byte(`{"name":"x","algorithm":"ed25519","public_key":"AA=="}`))
	f.Add([]byte(`{"name":"x","algorithm":"ed25519","public_key":"` + b64(k.Public()) + `","signer_kid":"AAAAAAAAAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSignerInfo(b)
		if err != nil {
			return
		}
		pub, err := b64decode(p.PublicKey)
		if _, perr := new(edwards25519.Point).SetBytes(pub); err != nil || perr != nil || len(pub) != ed25519.PublicKeySize || !nameRE.MatchString(p.Name) {
			t.Fatalf("accepted %+v", p)
		}
		if p.SignerKID != "" && p.SignerKID != b64(SignerKID(pub)) {
			t.Fatalf("kid %s does not match", p.SignerKID)
		}
	})
}

const signerKIDZeroSeed = "3c3fc7c58b9eeab7"
