package envelope

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// BenchmarkFastJSON is the envelope's readers on what every push carries:
// the payload (ParsePayload) and the decrypted plaintext (DecodePlaintext).
func BenchmarkFastJSON(b *testing.B) {
	k, _ := keyring.Generate(scheme.Default, rand.Reader)
	signer, _ := keyring.GenerateSigning(rand.Reader)
	pt := Plaintext{Type: "call.invite", CallUUID: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", Video: true,
		Caller: &Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
	e, err := SealWith(rand.Reader, Recipient{Scheme: scheme.Default, PublicKey: k.Public(), DeviceToken: []byte{1}}, pt,
		SealOptions{Signer: signer, TTL: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(NewPayload(e))
	aad, _ := e.AAD()
	plain, err := k.Open(e.Enc, Info, aad, e.CT)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ParsePayload", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if _, err := ParsePayload(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parsePayloadFast", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			if _, ok := parsePayloadFast(payload); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("DecodePlaintext", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := DecodePlaintext(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}
