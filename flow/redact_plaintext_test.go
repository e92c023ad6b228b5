package flow

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRedactPlaintextField: a trace without --record-plaintext drops the
// decrypted request a device lane carries, and the net under every event
// takes a secret out of it (still JSON) like out of any other field.
func TestRedactPlaintextField(t *testing.T) {
	pt := json.RawMessage(`{"type":"message","text":"meet at 5"}`)
	e := Event{Name: "decrypted", Plaintext: pt, Attrs: map[string]string{"type": "message"}}
	if r := RedactPlaintext(e); r.Plaintext != nil || r.Attrs["type"] != "message" {
		t.Fatalf("RedactPlaintext kept %s (attrs %v)", r.Plaintext, r.Attrs)
	}
	if r := Redact(e); string(r.Plaintext) != string(pt) {
		t.Fatalf("Redact changed a clean plaintext: %s", r.Plaintext)
	}
	jwt := "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiJURUFNIiwiaWF0IjoxNzAwMDAwMDAwfQ.MEUCIQDx7c1m0a8b9c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8t"
	for _, text := range []string{"token " + jwt, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----"} {
		b, _ := json.Marshal(map[string]string{"type": "message", "text": text})
		r := Redact(Event{Plaintext: b})
		if strings.Contains(string(r.Plaintext), "MEUCIQ") || strings.Contains(string(r.Plaintext), "MIGHAgEA") || !json.Valid(r.Plaintext) {
			t.Errorf("secret left or not JSON: %s", r.Plaintext)
		}
	}
	c := e.Clone()
	c.Plaintext[0] = '['
	if e.Plaintext[0] != '{' {
		t.Fatal("Clone shares the plaintext")
	}
}
