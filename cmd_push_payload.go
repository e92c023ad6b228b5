package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
)

// defaultAlert is a built payload's alert body.
const defaultAlert = "Test push from callscope"

// payload sets the request's body from --payload, --envelope-for or the
// building flags, and returns the flag an error in it should name.
func (p *preparedPush) payload(o pushOptions, stdin io.Reader) (string, error) {
	built := o.alert != "" || o.envelopeIn != ""
	switch {
	case o.payload != "" && (built || o.envelopeFor != ""):
		return "", pushUsage("--payload", errors.New("a payload from a file, or one built with --alert/--envelope-for, not both"))
	case o.envelopeIn != "" && o.envelopeFor == "":
		return "", pushUsage("--envelope-in", errors.New("needs --envelope-for DEVICE"))
	case o.payload != "":
		b, err := readPayload(o.payload, stdin)
		if err != nil {
			return "", pushUsage("--payload", err)
		}
		p.req.Payload = b
		return "--payload", nil
	case o.envelopeFor != "":
		return "--envelope-for", p.sealEnvelope(o, stdin)
	}
	var aps map[string]any
	switch p.req.PushType {
	case "alert":
		alert := o.alert
		if alert == "" {
			alert = defaultAlert
		}
		aps = map[string]any{"alert": map[string]string{"title": "callscope", "body": alert}}
		if o.mutableContent {
			aps["mutable-content"] = 1
		}
	case "background":
		aps = map[string]any{"content-available": 1}
	case "voip":
		// PushKit hands the whole payload to the app; aps is not needed, but
		// a call request is: the app must report a call for every voip push.
		p.req.Payload = mustJSON(map[string]any{"aps": map[string]any{}, "callscope": map[string]string{
			"type": "call.invite", "call_uuid": uuid.NewString(), "handle": "callscope"}})
		return "--type", nil
	default:
		return "", pushUsage("--payload", fmt.Errorf("a %s push needs its own payload: give --payload FILE", p.req.PushType))
	}
	p.req.Payload = mustJSON(map[string]any{"aps": aps})
	return "--alert", nil
}

// sealEnvelope seals an E2EE call request for a device of callscope's
// keyring, as callscope's sender does, and wraps it as an alert payload.
func (p *preparedPush) sealEnvelope(o pushOptions, stdin io.Reader) error {
	pt := envelope.Plaintext{Type: "call.invite", CallUUID: uuid.NewString(),
		Caller: &envelope.Caller{Handle: "callscope", HandleType: "generic", Name: "callscope push"}}
	if o.envelopeIn != "" {
		b, err := readPayload(o.envelopeIn, stdin)
		if err != nil {
			return pushUsage("--envelope-in", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		pt = envelope.Plaintext{}
		if err := dec.Decode(&pt); err != nil {
			return pushUsage("--envelope-in", fmt.Errorf("%s: not a plaintext call request: %v", o.envelopeIn, err))
		}
	}
	if err := envelope.CheckPlaintext(pt); err != nil {
		return pushUsage("--envelope-in", fmt.Errorf("%s: %v (envelope open would refuse it)", receiver.CodePayload, err))
	}
	if p.req.PushType != "alert" {
		return pushUsage("--envelope-for", fmt.Errorf("the E2EE request travels as an alert push (the NSE opens it), not %s", p.req.PushType))
	}
	st, err := keyStore()
	if err != nil {
		return err
	}
	d, err := st.Get(o.envelopeFor)
	if err != nil {
		return pushUsage("--envelope-for", err)
	}
	s, pub, err := d.Current()
	if err != nil {
		return pushUsage("--envelope-for", err)
	}
	tok, err := d.TokenBytes()
	if err != nil {
		return pushUsage("--envelope-for", err)
	}
	switch {
	case p.req.DeviceToken == "":
		p.req.DeviceToken = strings.ToLower(d.Token)
	case !strings.EqualFold(p.req.DeviceToken, d.Token):
		return pushUsage("--device-token", fmt.Errorf("differs from device %s's token %s: the envelope is bound to the token it is sealed for (rcpt)", d.Name, d.Token))
	}
	env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: s.Name(), PublicKey: pub, DeviceToken: tok}, pt, envelope.SealOptions{})
	if err != nil {
		return pushUsage("--envelope-for", err)
	}
	p.req.Payload, err = json.Marshal(envelope.NewPayload(env))
	return err
}

// readPayload reads FILE or - (stdin) and names the file in errors.
func readPayload(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return readInput("", path)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
