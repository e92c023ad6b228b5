package flow

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRedactPush: a signed JWT or a private key anywhere in a push on
// record is removed; the authorization header keeps the JWT's header and
// claims; the caller's event is not changed.
func TestRedactPush(t *testing.T) {
	const head, claims, sig = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyJ9", "eyJpc3MiOiJURUFNIiwiaWF0IjoxfQ", "MEUCIQDabcdefghijklmnopqrstuvwxyz0123456789"
	jwt := head + "." + claims + "." + sig
	const pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----"
	pemJSON, _ := json.Marshal(pem)
	tests := []struct {
		name     string
		push     PushRecord
		wantAuth string
	}{
		{"jwt in authorization", PushRecord{Headers: map[string]string{"authorization": "bearer " + jwt}}, "bearer " + head + "." + claims + "." + SignatureRedacted},
		{"not a jwt", PushRecord{Headers: map[string]string{"authorization": "basic dXNlcjpwYXNz"}}, Redacted},
		{"already reduced", PushRecord{Headers: map[string]string{"authorization": "bearer " + head + "." + claims + "." + SignatureRedacted}}, "bearer " + head + "." + claims + "." + SignatureRedacted},
		{"jwt in another header", PushRecord{Headers: map[string]string{"x-token": jwt}}, ""},
		{"jwt in payload", PushRecord{Payload: json.RawMessage(`{"t":"` + jwt + `"}`)}, ""},
		{"key in payload", PushRecord{Payload: json.RawMessage(`{"k":` + string(pemJSON) + `}`)}, ""},
		{"key cut in payload", PushRecord{Payload: json.RawMessage(`{"k":"-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49"}`)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, _ := json.Marshal(tt.push)
			e := Redact(Event{Push: &tt.push})
			out, _ := json.Marshal(e)
			for _, secret := range []string{sig, "MIGTAgEAMBMGByqGSM49"} {
				if strings.Contains(string(out), secret) {
					t.Fatalf("secret reached the record: %s", out)
				}
			}
			if tt.wantAuth != "" && e.Push.Headers["authorization"] != tt.wantAuth {
				t.Fatalf("authorization %q, want %q", e.Push.Headers["authorization"], tt.wantAuth)
			}
			if len(e.Push.Payload) > 0 && !json.Valid(e.Push.Payload) {
				t.Fatalf("payload no longer JSON: %s", e.Push.Payload)
			}
			if again, _ := json.Marshal(tt.push); string(again) != string(orig) {
				t.Fatal("Redact changed the caller's push")
			}
		})
	}
}
