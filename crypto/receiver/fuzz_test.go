package receiver

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// fuzzRing is one key per scheme from fixed bytes, so a corpus entry found
// in one run still means the same thing in the next.
func fuzzRing(f *testing.F) *keyring.Ring {
	var keys []*keyring.Key
	for i, name := range scheme.Names() {
		priv := bytes.Repeat([]byte{byte(i + 1)}, 32)
		k, err := keyring.FromPrivate(name, priv)
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keyring.NewRing(keys...)
}

// FuzzOpen is `envelope open`'s core: every input either opens or fails
// with one of the §3.5 codes, and a failure's last check is that code.
func FuzzOpen(f *testing.F) {
	ring := fuzzRing(f)
	at := time.UnixMilli(1732460123456)
	// A fixed caller key: signed corpus entries reach step 11's parsing
	// of sig and signer_kid, and keep meaning the same thing.
	caller, err := keyring.SigningFromSeed(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		f.Fatal(err)
	}
	signers := keyring.NewSigners("alice@example.org", caller)
	for i, k := range ring.Keys() {
		opts := envelope.SealOptions{Now: at}
		if i%2 == 0 {
			opts.Signer = caller
		}
		e, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: k.Scheme().Name(), PublicKey: k.Public(), DeviceToken: token},
			invite(), opts)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(envelope.NewPayload(e))
		f.Add(b)
		b, _ = json.Marshal(e)
		f.Add(b)
	}
	f.Add([]byte(`{"vpe":"x"}`))
	f.Add([]byte(`{"vpe":{"v":1,"alg":"hpke-p256-sha256-aes256gcm"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Open(b, Config{Ring: ring, DeviceToken: token, Now: func() time.Time { return at }, Signers: signers})
		if err == nil {
			if o.Plaintext.Type == "" {
				t.Fatal("opened with no plaintext type")
			}
			return
		}
		re, ok := err.(*Error)
		if !ok {
			t.Fatalf("error %T %v is not a receiver.Error", err, err)
		}
		if !slices.Contains(Codes, re.Code) {
			t.Fatalf("code %q is not a §3.5 code", re.Code)
		}
		if last := re.Checks[len(re.Checks)-1]; last.OK || last.Code != re.Code {
			t.Fatalf("last check %+v does not name %s", last, re.Code)
		}
	})
}
