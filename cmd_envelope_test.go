package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/scheme"
)

// FuzzEnvelopeOpen is `callscope envelope open` without the key store:
// receiver.Open, then the report printer, for text and JSON. Every input
// either opens or ends in exactly one §3.5 code, and printing never panics.
func FuzzEnvelopeOpen(f *testing.F) {
	token := bytes.Repeat([]byte{7}, 32)
	var keys []*keyring.Key
	for i, name := range scheme.Names() {
		k, err := keyring.FromPrivate(name, bytes.Repeat([]byte{byte(i + 1)}, 32))
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, k)
		pt := envelope.Plaintext{Type: "call.invite", CallUUID: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F",
			Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email"}}
		e, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: name, PublicKey: k.Public(), DeviceToken: token}, pt,
			envelope.SealOptions{Now: time.UnixMilli(1732460123456)})
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(envelope.NewPayload(e))
		f.Add(b)
	}
	ring := keyring.NewRing(keys...)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, asJSON := range []bool{false, true} {
			o, err := receiver.Open(b, receiver.Config{Ring: ring, DeviceToken: token, Now: func() time.Time { return time.UnixMilli(1732460123456) }})
			err = reportOpen(io.Discard, o, err, asJSON)
			var re *receiver.Error
			if err != nil && (!errors.As(err, &re) || !slices.Contains(receiver.Codes, re.Code)) {
				t.Fatalf("open ended in %v, not a §3.5 code", err)
			}
		}
	})
}
