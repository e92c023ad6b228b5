package envelope

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// typical is a call and a message as callscope's caller sends them: the
// call with handle, name and UUID, the message with up to 100 characters.
func typical() map[string]Plaintext {
	alice := &Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}
	uuid := "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"
	return map[string]Plaintext{
		"call":                  {Type: "call.invite", CallUUID: uuid, Caller: alice, Video: true},
		"audio call, long name": {Type: "call.invite", CallUUID: uuid, Caller: &Caller{Handle: "+441234567890", HandleType: "phone", Name: "Alexandra Montgomery-Smith"}},
		"hang-up":               {Type: "call.hangup", CallUUID: uuid, Caller: alice},
		"short message":         {Type: "message", CallUUID: uuid, Caller: alice, Text: "hi"},
		"100-char message":      {Type: "message", CallUUID: uuid, Caller: alice, Text: strings.Repeat("lorem ipsum ", 9)[:100]},
	}
}

// TestPaddingHidesKind: every typical request seals to the same ciphertext
// length in every scheme, signed or not, and the pad is plain JSON a
// receiver ignores.
func TestPaddingHidesKind(t *testing.T) {
	signer, _ := keyring.GenerateSigning(rand.Reader)
	for _, alg := range scheme.Names() {
		k, _ := keyring.Generate(alg, rand.Reader)
		for _, sk := range []*keyring.SigningKey{nil, signer} {
			sizes := map[int][]string{}
			for name, pt := range typical() {
				e, err := SealWith(rand.Reader, Recipient{Scheme: alg, PublicKey: k.Public(), DeviceToken: []byte{1}}, pt, SealOptions{Signer: sk})
				if err != nil {
					t.Fatal(err)
				}
				sizes[len(e.CT)] = append(sizes[len(e.CT)], name)
				aad, _ := e.AAD()
				body, err := k.Open(e.Enc, Info, aad, e.CT)
				if err != nil {
					t.Fatal(err)
				}
				if len(body) != PadBlock {
					t.Errorf("%s %s: plaintext %d bytes, want the %d-byte bucket", alg, name, len(body), PadBlock)
				}
				var back Plaintext
				if err := json.Unmarshal(body, &back); err != nil || strings.Trim(back.Pad, " ") != "" || back.Text != pt.Text {
					t.Errorf("%s %s: padded plaintext %q: %v", alg, name, body, err)
				}
				if n, padded := e.Bucket(); n != PadBlock || !padded {
					t.Errorf("%s %s: Bucket() = %d, %v", alg, name, n, padded)
				}
			}
			if len(sizes) != 1 {
				t.Errorf("%s (signed %v): ciphertext sizes differ: %v", alg, sk != nil, sizes)
			}
		}
	}
}

// TestPaddingRule: the next multiple of PadBlock, however close the
// unpadded JSON comes to a boundary; Pad < 0 turns it off.
func TestPaddingRule(t *testing.T) {
	// Every length: at one of them the JSON is exactly 9 bytes short of a
	// bucket, and the pad member holds no space at all.
	for n := 0; n < 2*PadBlock; n++ {
		pt := Plaintext{Type: "message", Text: strings.Repeat("x", n), Nonce: "AAAAAAAAAAAAAAAAAAAAAA", SentMS: 1}
		plain, _ := json.Marshal(pt)
		b, err := marshalPadded(pt, PadBlock)
		if err != nil {
			t.Fatal(err)
		}
		want := (len(plain) + padField + PadBlock - 1) / PadBlock * PadBlock
		if len(b) != want {
			t.Fatalf("text %d: %d bytes, want %d", n, len(b), want)
		}
	}
	k, _ := keyring.Generate(scheme.Default, rand.Reader)
	e, err := SealWith(rand.Reader, Recipient{Scheme: scheme.Default, PublicKey: k.Public(), DeviceToken: []byte{1}}, typical()["call"], SealOptions{Pad: -1, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, padded := e.Bucket(); padded {
		t.Fatal("Pad -1 still padded")
	}
}

func TestCheckPlaintext(t *testing.T) {
	good := typical()["call"]
	rows := []struct {
		name string
		edit func(*Plaintext)
		want string
	}{
		{"ok", func(*Plaintext) {}, ""},
		{"type", func(p *Plaintext) { p.Type = "call.ring" }, `unknown type "call.ring"`},
		{"uuid", func(p *Plaintext) { p.CallUUID = "1234" }, `call_uuid "1234" is not a UUID`},
		{"handle type", func(p *Plaintext) { p.Caller = &Caller{Handle: "a", HandleType: "sip"} }, `caller.handle_type "sip"`},
		{"no handle", func(p *Plaintext) { p.Caller = nil }, "caller.handle is missing"},
		{"message without a sender", func(p *Plaintext) { p.Type, p.Caller = "message", nil }, "caller.handle is missing"},
		{"message", func(p *Plaintext) { p.Type, p.CallUUID = "message", "" }, ""},
	}
	for _, r := range rows {
		p := good
		r.edit(&p)
		err := CheckPlaintext(p)
		if (r.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), r.want)) {
			t.Errorf("%s: %v, want %q", r.name, err, r.want)
		}
	}
}
