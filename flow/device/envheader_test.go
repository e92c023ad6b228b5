package device

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEnvelopeAttr: the envelope header is on push-received's record, and
// nothing of the ciphertext is; a broken header adds nothing.
func TestEnvelopeAttr(t *testing.T) {
	tests := []struct {
		name, vpe, want string
	}{
		{"header", `{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"Bt5gdY3tWqk","rcpt":"LXsW","ts":1796177156059,"ttl":45,"nonce":"QCOq","enc":"CXSO","ct":"vr4k"}`,
			"v1 hpke-x25519-sha256-chacha20poly1305 kid=Bt5gdY3tWqk rcpt=LXsW ts=1796177156059 ttl=45s"},
		{"broken", `{"v":"x"}`, ""},
		{"none", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := envelopeAttr(json.RawMessage(tt.vpe), map[string]string{})
			if a[AttrEnvelope] != tt.want {
				t.Fatalf("%q, want %q", a[AttrEnvelope], tt.want)
			}
			for _, secret := range []string{"QCOq", "CXSO", "vr4k"} {
				if strings.Contains(a[AttrEnvelope], secret) {
					t.Fatal("ciphertext material on record")
				}
			}
		})
	}
}
