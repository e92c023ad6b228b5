package scenario

import (
	"context"
	"strings"
	"testing"
)

// TestCryptoDiagnoses runs the envelope scenarios and checks, beyond the
// code Mismatch already compares, that the extension's hint names the
// explanation the §3.5 differential checks must find.
func TestCryptoDiagnoses(t *testing.T) {
	lib, err := NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"p256-call":           "",
		"sealed-box-call":     "",
		"wrong-key":           "device holds",
		"rotated-key":         "key directory",
		"misrouted-rcpt":      "misrouted",
		"wrong-info":          "info label differs",
		"tampered-header":     "header field ts was changed after sealing",
		"tampered-ciphertext": "ciphertext altered (1 bit(s) differ",
		"tampered-enc":        "enc (the encapsulated key) altered",
		"tampered-enc-p256":   "enc is not a valid public key",
		"expired-envelope":    "late",
		"future-envelope":     "ahead",
		"replayed-envelope":   "arrived twice",
		"sealed-box-binding":  "header field ts (sealed",
		"unsigned-caller":     "could have sent it",
		"untrusted-signer":    "has not verified",
	}
	for name, hint := range want {
		t.Run(name, func(t *testing.T) {
			s, err := lib.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			r := Run(context.Background(), s)
			if !r.Pass() {
				t.Fatalf("%v %s", r.Err, r.Mismatch())
			}
			if hint == "" {
				return
			}
			if !strings.Contains(r.Observed.Hint, hint) {
				t.Fatalf("hint %q, want it to contain %q", r.Observed.Hint, hint)
			}
		})
	}
}
