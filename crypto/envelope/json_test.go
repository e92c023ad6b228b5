package envelope

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// plaintextRef is Plaintext as encoding/json sees it (it has no methods
// today; the alias keeps the reference reflective if it ever gets some).
type plaintextRef Plaintext

// marshalPaddedRef is marshalPadded as it was with encoding/json: the
// reference the hand-written one must equal byte for byte.
func marshalPaddedRef(pt Plaintext, block int) []byte {
	pt.Pad = ""
	b, _ := json.Marshal((*plaintextRef)(&pt))
	if block <= 0 {
		return b
	}
	target := (len(b) + padField + block - 1) / block * block
	if target == len(b)+padField {
		return append(b[:len(b)-1], `,"pad":""}`...)
	}
	pt.Pad = strings.Repeat(" ", target-len(b)-padField)
	b, _ = json.Marshal((*plaintextRef)(&pt))
	return b
}

type payloadRef struct {
	VPE *Envelope `json:"vpe"`
}

func fuzzSeeds(f *testing.F) {
	for _, name := range scheme.Names() {
		k, _ := keyring.Generate(name, rand.Reader)
		signer, _ := keyring.GenerateSigning(rand.Reader)
		pt := Plaintext{Type: "call.invite", CallUUID: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", Video: true,
			Caller: &Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
		e, err := SealWith(rand.Reader, Recipient{Scheme: name, PublicKey: k.Public(), DeviceToken: []byte{1}}, pt, SealOptions{Signer: signer})
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(NewPayload(e))
		f.Add(b, "alice", "Alice", "hi", int64(1))
		opened, _ := k.Open(e.Enc, Info, mustAAD(f, e), e.CT)
		f.Add(opened, "", "", "", int64(0))
	}
	f.Add([]byte(`{"aps":{},"vpe":{"v":1,"V":2}}`), "<&>", "Zoë", "line\nbreak \u2028", int64(-5))
	f.Add([]byte(`{"type":"message","caller":null,"text":"a\"b","sent_ms":1e3}`), "\x00\xff", "\"", "\\", int64(1<<62))
	f.Add([]byte(`{"type":"message","ſent_ms":5,"pad":"   " , "x":[1,{"y":[]},-0.5e+7,true,null]}`), "", "", "", int64(0))
	f.Add([]byte(` {"vpe":{"kid":"AAAAAAAAAAA=","ttl":-1}} `), "", "", "", int64(0))
	f.Add([]byte(`{"vpe":{"v":1,"enc":"A==","ct":"B"}}`), "", "", "", int64(0))
}

func mustAAD(f *testing.F, e *Envelope) []byte {
	aad, err := e.AAD()
	if err != nil {
		f.Fatal(err)
	}
	return aad
}

// FuzzFastJSON: the hand-written JSON agrees with encoding/json. What the
// fast readers accept, encoding/json decodes to the same value; the
// public readers (DecodePlaintext, ParsePayload) give what encoding/json
// gives, errors included; and the writers produce encoding/json's bytes.
func FuzzFastJSON(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, handle, name, text string, n int64) {
		// Decoding the plaintext.
		var ref Plaintext
		refErr := json.Unmarshal(b, &ref) // Plaintext has no JSON methods: this is encoding/json
		if fast, ok := decodePlaintextFast(b); ok {
			if refErr != nil {
				t.Fatalf("fast plaintext decoder accepted what encoding/json refuses (%v): %q", refErr, b)
			}
			if !reflect.DeepEqual(fast, ref) {
				t.Fatalf("plaintext %q:\nfast %+v\njson %+v", b, fast, ref)
			}
		}
		got, err := DecodePlaintext(b)
		if (err == nil) != (refErr == nil) || err != nil && err.Error() != refErr.Error() || err == nil && !reflect.DeepEqual(got, ref) {
			t.Fatalf("DecodePlaintext(%q) = %+v, %v; encoding/json %+v, %v", b, got, err, ref, refErr)
		}

		// Decoding the payload.
		if fast, ok := parsePayloadFast(b); ok {
			var p payloadRef
			if err := json.Unmarshal(b, &p); err != nil || p.VPE == nil {
				t.Fatalf("fast payload reader accepted %q; encoding/json: %v, vpe %v", b, err, p.VPE)
			}
			if !reflect.DeepEqual(fast, p.VPE) {
				t.Fatalf("payload %q:\nfast %+v\njson %+v", b, fast, p.VPE)
			}
		}

		// Writing: a plaintext from the fuzzed strings, padded or not.
		pt := Plaintext{Type: text, CallUUID: name, Caller: &Caller{Handle: handle, HandleType: name, Name: text},
			Video: n%2 == 0, Text: text, SentMS: n, Nonce: handle, Bind: name, Sig: text, SignerKID: handle, TraceID: name}
		if n%3 == 0 {
			pt.Caller = nil
		}
		for _, block := range []int{-1, 64, PadBlock} {
			want := marshalPaddedRef(pt, block)
			got, err := marshalPadded(pt, block)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("marshalPadded(block %d):\ngot  %s (%v)\nwant %s", block, got, err, want)
			}
		}
		// The envelope and the payload, with a fuzzed alg and alert.
		e := &Envelope{V: int(n), Alg: name, KID: []byte(handle), Rcpt: []byte(text), TS: n, TTL: uint32(n), Nonce: b, Enc: []byte(text), CT: []byte(name)}
		want, _ := json.Marshal((*envelopeJSON)(e))
		if got, err := json.Marshal(e); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("envelope:\ngot  %s (%v)\nwant %s", got, err, want)
		}
		p := NewPayload(e)
		p.APS.Alert.Body, p.APS.Sound = text, handle
		want, _ = json.Marshal((*apnsPayloadJSON)(&p))
		if got, err := json.Marshal(p); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("payload:\ngot  %s (%v)\nwant %s", got, err, want)
		}
	})
}

// TestMarshalPayload: the provider's push is what encoding/json wrote
// before, so receivers (JS, libsodium, iOS) read the same bytes.
func TestMarshalPayload(t *testing.T) {
	k, _ := keyring.Generate(scheme.Default, rand.Reader)
	e, err := Seal(rand.Reader, Recipient{Scheme: scheme.Default, PublicKey: k.Public(), DeviceToken: []byte{1}}, Plaintext{Type: "message"}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPayload(e)
	want, _ := json.Marshal((*apnsPayloadJSON)(&p))
	if got := MarshalPayload(e); !bytes.Equal(got, want) {
		t.Fatalf("MarshalPayload:\ngot  %s\nwant %s", got, want)
	}
	back, err := ParsePayload(want)
	if err != nil || !reflect.DeepEqual(back, e) {
		t.Fatalf("ParsePayload: %+v, %v; want %+v", back, err, e)
	}
}

// TestParsePayloadB64Short: a base64url value of one character (after its
// padding) is no base64 to encoding/json; the fast reader took it as empty,
// so a sealed-box envelope (no enc) with "enc":"A" parsed where
// encoding/json refuses it.
func TestParsePayloadB64Short(t *testing.T) {
	k, _ := keyring.Generate(scheme.NameSealedBox, rand.Reader)
	e, err := SealWith(rand.Reader, Recipient{Scheme: scheme.NameSealedBox, PublicKey: k.Public(), DeviceToken: []byte{1}},
		Plaintext{Type: "message", Text: "hi"}, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(NewPayload(e))
	if _, err := ParsePayload(good); err != nil {
		t.Fatalf("the sealed payload: %v", err)
	}
	for _, enc := range []string{`"A"`, `"A=="`, `"B==="`} {
		b := bytes.Replace(good, []byte(`,"ct":`), []byte(`,"enc":`+enc+`,"ct":`), 1)
		var ref payloadRef
		refErr := json.Unmarshal(b, &ref)
		if refErr == nil {
			t.Fatalf("encoding/json takes enc %s", enc)
		}
		if fast, ok := parsePayloadFast(b); ok {
			t.Errorf("enc %s: the fast reader took it (enc %q); encoding/json: %v", enc, fast.Enc, refErr)
		}
		if _, err := ParsePayload(b); err == nil {
			t.Errorf("enc %s: ParsePayload took it; encoding/json: %v", enc, refErr)
		}
	}
}
