package envelope

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// FuzzParse: any input parses or fails with a §3.5 code of steps 1–2, and
// a parsed envelope has a 58-byte AAD and survives a JSON round trip.
func FuzzParse(f *testing.F) {
	for _, name := range scheme.Names() {
		k, _ := keyring.Generate(name, rand.Reader)
		e, err := Seal(rand.Reader, Recipient{Scheme: name, PublicKey: k.Public(), DeviceToken: []byte{1}}, Plaintext{Type: "message"}, time.Minute, time.Now())
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(e)
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"alg":"x","kid":"AAAAAAAAAAA","ts":-1}`))
	f.Add([]byte(`{"v":1e400}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
			switch pe.Code {
			case "E_PARSE", "E_VERSION", "E_ALG":
			default:
				t.Fatalf("code %s is not a parse-stage code", pe.Code)
			}
			return
		}
		aad, err := e.AAD()
		if err != nil || len(aad) != AADSize {
			t.Fatalf("parsed envelope: AAD %d bytes, %v", len(aad), err)
		}
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("re-marshalled envelope does not parse: %v", err)
		}
	})
}
