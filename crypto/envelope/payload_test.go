package envelope

import (
	"errors"
	"strings"
	"testing"
)

// TestParsePayload checks that the one-pass read of a payload gives the same
// envelope, and the same error codes, as reading the envelope on its own.
func TestParsePayload(t *testing.T) {
	bare := `{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"AAAAAAAAAAA","rcpt":"AAAAAAAAAAAAAAAAAAAAAA",` +
		`"ts":1796153701844,"ttl":45,"nonce":"AAAAAAAAAAAAAAAAAAAAAA","enc":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",` +
		`"ct":"AAAAAAAAAAAAAAAAAAAAAA"}`
	wrap := func(env string) string {
		return `{"aps":{"alert":{"title":"New message"},"mutable-content":1},"vpe":` + env + `}`
	}
	tests := []struct {
		name, in, code, detail string
	}{
		{"payload", wrap(bare), "", ""},
		{"bare envelope", bare, "", ""},
		{"bad base64 inside a payload names the field", wrap(strings.Replace(bare, `"ct":"AAAA`, `"ct":"!!!!`, 1)), "E_PARSE", "ct"},
		{"version inside a payload", wrap(strings.Replace(bare, `"v":1`, `"v":2`, 1)), "E_VERSION", "version 2"},
		{"unknown alg", wrap(strings.Replace(bare, "hpke-x25519-sha256-chacha20poly1305", "rot13", 1)), "E_ALG", ""},
		{"not JSON", `{"aps":`, "E_PARSE", ""},
		{"ttl above 120 s", wrap(strings.Replace(bare, `"ttl":45`, `"ttl":121`, 1)), "E_PARSE", "ttl 121 s is above the 120 s"},
		// JSON that is not an envelope says so, not "E_VERSION 0".
		{"another JSON object", `{"hello":"world"}`, "E_PARSE", "not a VPE1 envelope"},
		{"a payload without vpe", `{"aps":{"alert":"hi"}}`, "E_PARSE", "not a VPE1 envelope"},
		{"an empty vpe object", wrap(`{}`), "E_PARSE", "not a VPE1 envelope"},
		{"a JSON array", `[1,2]`, "E_PARSE", "not a VPE1 envelope: the JSON is an array"},
		{"a JSON string", `"vpe"`, "E_PARSE", "not a VPE1 envelope: the JSON is a string"},
		{"version 0 with members is still a version", strings.Replace(bare, `"v":1`, `"v":0`, 1), "E_VERSION", "version 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParsePayload([]byte(tt.in))
			if tt.code == "" {
				if err != nil || e.TS != 1796153701844 || e.TTL != 45 {
					t.Fatalf("ParsePayload = %+v, %v", e, err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != tt.code || !strings.Contains(pe.Detail, tt.detail) {
				t.Fatalf("error %v, want %s mentioning %q", err, tt.code, tt.detail)
			}
		})
	}
}
