package envelope

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// The known answers below were computed with Python's hashlib and struct
// from the layout in docs/envelope.md, not with this package.
func TestFormatKnownAnswers(t *testing.T) {
	s, _ := scheme.ByName(scheme.NameX25519)
	pub := make([]byte, 32)
	for i := range pub {
		pub[i] = byte(i)
	}
	token := bytes.Repeat([]byte{0xab}, 32)
	nonce := make([]byte, 16)
	for i := range nonce {
		nonce[i] = byte(16 + i)
	}
	kid, rcpt := keyring.KID(s, pub), Rcpt(token)
	if hex.EncodeToString(kid) != "6347cc9356cfd013" || hex.EncodeToString(rcpt) != "57e8ab9dc3eedec582d0dc36d8787c92" {
		t.Fatalf("kid %x rcpt %x", kid, rcpt)
	}
	e := &Envelope{V: 1, Alg: scheme.NameX25519, KID: kid, Rcpt: rcpt, TS: 1732460123456, TTL: 45, Nonce: nonce}
	aad, err := e.AAD()
	if err != nil {
		t.Fatal(err)
	}
	const want = "5650453101016347cc9356cfd01357e8ab9dc3eedec582d0dc36d8787c92000001935eab95400000002d101112131415161718191a1b1c1d1e1f"
	if hex.EncodeToString(aad) != want || len(aad) != AADSize {
		t.Fatalf("aad %x", aad)
	}
	if Bind(aad) != "UuU4Ff6TTehExF7tj8rpXcDKChFCr6KurvwBacZwAiI" {
		t.Fatalf("bind %s", Bind(aad))
	}
}

func TestSealWith(t *testing.T) {
	k, _ := keyring.Generate(scheme.NameSealedBox, rand.Reader)
	to := Recipient{Scheme: scheme.NameSealedBox, PublicKey: k.Public(), DeviceToken: []byte{1, 2}}
	at := time.UnixMilli(1732460123456)
	rows := []struct {
		name string
		pt   Plaintext
		opts SealOptions
		err  string
		ts   int64
	}{
		{"defaults", Plaintext{Type: "message"}, SealOptions{Now: at}, "", at.UnixMilli()},
		{"sent_ms kept", Plaintext{Type: "message", SentMS: 42}, SealOptions{Now: at}, "", 42},
		{"nonce kept", Plaintext{Type: "message", Nonce: "AAECAwQFBgcICQoLDA0ODw"}, SealOptions{Now: at}, "", at.UnixMilli()},
		{"nonce short", Plaintext{Type: "message", Nonce: "AAEC"}, SealOptions{Now: at}, "nonce", 0},
		{"ttl too long", Plaintext{}, SealOptions{TTL: 121 * time.Second}, "ttl", 0},
		{"ttl fraction", Plaintext{}, SealOptions{TTL: 1500 * time.Millisecond}, "ttl", 0},
		{"negative sent_ms", Plaintext{SentMS: -5}, SealOptions{}, "sent_ms", 0},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e, err := SealWith(rand.Reader, to, r.pt, r.opts)
			if r.err != "" {
				if err == nil || !strings.Contains(err.Error(), r.err) {
					t.Fatalf("err %v, want one naming %s", err, r.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.TS != r.ts || e.TTL != 45 || len(e.Enc) != 0 || len(e.CT) < 48 {
				t.Fatalf("header %+v", e)
			}
			if r.pt.Nonce != "" && hex.EncodeToString(e.Nonce) != "000102030405060708090a0b0c0d0e0f" {
				t.Fatalf("nonce %x not taken from the plaintext", e.Nonce)
			}
		})
	}
}
