package flow

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	jwt := "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiJURUFNIiwiaWF0IjoxNzAwMDAwMDAwfQ.MEUCIQDx7c1m0a8b9c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t"
	opensslJWT := base64.RawURLEncoding.EncodeToString([]byte(`{ "alg": "ES256", "kid": "ABC1234567" }`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{ "iss": "TEAM123456", "iat": 1767225600 }`)) + "." +
		"MEUCIQDx7c1m0a8b9c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t"
	pemKey := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
	tests := []struct {
		name  string
		attrs map[string]string
		diag  string
		leak  string
	}{
		{"authorization header", map[string]string{"authorization": "bearer " + jwt}, "", jwt},
		{"jwt inside another value", map[string]string{"note": "sent " + jwt + " ok"}, "", jwt},
		{"pem private key", map[string]string{"key": pemKey}, "", "MIGHAgEA"},
		{"jwt in a diagnosis", nil, "token " + jwt + " rejected", jwt},
		// Apple's openssl recipe: { "alg": "ES256", "kid": … } encodes as eyA…
		{"openssl-made jwt", map[string]string{"note": "bearer " + opensslJWT}, "", opensslJWT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Event{Attrs: tt.attrs}
			if tt.diag != "" {
				e.Diagnosis = &Diagnosis{Detail: tt.diag}
			}
			orig := e.Clone()
			r := Redact(e)
			all := ""
			for k, v := range r.Attrs {
				all += k + "=" + v + ";"
			}
			if r.Diagnosis != nil {
				all += r.Diagnosis.Detail
			}
			if strings.Contains(all, tt.leak) {
				t.Fatalf("secret survived: %q", all)
			}
			if !strings.Contains(all, "redacted") {
				t.Fatalf("no redaction marker: %q", all)
			}
			// The input is not modified: events are shared values.
			for k, v := range orig.Attrs {
				if e.Attrs[k] != v {
					t.Fatal("Redact modified its input")
				}
			}
		})
	}
	plain := Event{Attrs: map[string]string{"apns-id": "5f1c…"}}
	if r := Redact(plain); r.Attrs["apns-id"] != "5f1c…" {
		t.Fatal("a harmless attribute changed")
	}
}
