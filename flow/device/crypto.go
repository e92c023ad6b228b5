package device

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
)

// sealFor seals pt as the caller's app does, then applies the faults that
// happen to an envelope on its way. It signs with the caller's key unless a
// fault says otherwise. The envelope as sealed is kept (Sealed) because the
// debugger, unlike the real NSE, saw the sender's side: the extension's
// E_AUTH diagnosis adds, labelled "compared with the sender's copy", what
// that copy shows beyond the device's own checks.
func (c *Caller) sealFor(traceID string, to envelope.Recipient, pt envelope.Plaintext, ttl time.Duration, rnd io.Reader) (*envelope.Envelope, error) {
	f := c.Faults
	opts := envelope.SealOptions{TTL: ttl, Now: time.Now().Add(-f.Backdate).Add(f.Postdate)}
	if f.WrongInfo {
		opts.Info = []byte{} // the app's other build passes no info label
	}
	switch {
	case f.Unsigned:
	case f.ForeignSigner:
		k, err := keyring.GenerateSigning(rnd)
		if err != nil {
			return nil, err
		}
		opts.Signer = k
	default:
		opts.Signer = c.Signer
	}
	if f.PoseAs != "" && pt.Caller != nil {
		as := *pt.Caller // pt.Caller is shared with the request's other pushes
		as.Handle = f.PoseAs
		pt.Caller = &as
	}
	env, err := envelope.SealWith(rnd, to, pt, opts)
	if err != nil {
		return nil, err
	}
	c.recordSealed(traceID, env)
	if f.TamperCT && len(env.CT) > 0 {
		env.CT[len(env.CT)/2] ^= 0x01
	}
	if f.TamperEnc && len(env.Enc) > 0 {
		env.Enc[len(env.Enc)/2] ^= 0x01
	}
	switch f.TamperHeader {
	case "ts":
		env.TS += 1000
	case "ttl":
		env.TTL = envelope.MaxTTL
	case "nonce":
		env.Nonce[0] ^= 0x01
	}
	return env, nil
}

func (c *Caller) recordSealed(traceID string, env *envelope.Envelope) {
	cp := *env
	// One copy of the five byte fields, each as bytes.Clone would make it
	// (nil stays nil), in one allocation instead of five.
	buf := make([]byte, 0, len(env.KID)+len(env.Rcpt)+len(env.Nonce)+len(env.Enc)+len(env.CT))
	clone := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		start := len(buf)
		buf = append(buf, b...)
		return buf[start:len(buf):len(buf)]
	}
	cp.KID, cp.Rcpt, cp.Nonce = clone(env.KID), clone(env.Rcpt), clone(env.Nonce)
	cp.Enc, cp.CT = clone(env.Enc), clone(env.CT)
	c.sealedMu.Lock()
	defer c.sealedMu.Unlock()
	if c.sealed == nil {
		c.sealed = map[string][]*envelope.Envelope{}
	}
	c.sealed[traceID] = append(c.sealed[traceID], &cp)
}

// Sealed returns the envelopes sealed for a trace, as they left the caller.
func (c *Caller) Sealed(traceID string) []*envelope.Envelope {
	c.sealedMu.Lock()
	defer c.sealedMu.Unlock()
	return append([]*envelope.Envelope(nil), c.sealed[traceID]...)
}

// receiverConfig is what the NSE opens a push with.
func (d *Callee) receiverConfig(p *push) receiver.Config {
	tok := d.tokenBytes
	if d.tokenHex != d.Token || tok == nil {
		tok, _ = hex.DecodeString(d.Token)
	}
	cfg := receiver.Config{Ring: d.Ring, DeviceToken: tok, Now: d.nowFor(p), Replay: d.Replay, Decrypt: d.Decrypt, Context: d.ctx, Signers: d.Signers, Skew: d.Skew}
	if d.Sent != nil {
		cfg.Sent = d.Sent(p.TraceID)
	}
	return cfg
}

// openedWarning is the diagnosis of an envelope that opened but says
// something is off (a rotated key), or nil.
func openedWarning(o *receiver.Opened) *flow.Diagnosis {
	if o.Warning == nil {
		return nil
	}
	return &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.Code(o.Warning.Code), Detail: o.Warning.Detail,
		Hint: o.Warning.Explanation, Warning: true}
}

// decryptedAttrs describe an opened request on its "decrypted" event: what
// it is, how it was sealed, and who signed it, so the trace and the screen
// show an unauthenticated caller even when nothing failed.
func decryptedAttrs(o *receiver.Opened) map[string]string {
	attrs := map[string]string{"type": o.Plaintext.Type, "alg": openedAlg(o), "checks": strconv.Itoa(len(o.Checks)) + " passed"}
	switch {
	case o.Signer != nil:
		attrs[AttrSignature] = "ok (signer kid " + o.Plaintext.SignerKID + ", for " + o.Plaintext.Caller.Handle + ")"
	case o.Envelope == nil:
		attrs[AttrSignature] = "not checked (decrypt command)"
	default:
		attrs[AttrSignature] = "unsigned (" + receiver.CodeUnsigned + ")"
	}
	if o.Envelope != nil {
		if n, padded := o.Envelope.Bucket(); padded {
			attrs["padded"] = strconv.Itoa(n) + " B"
		}
	}
	return attrs
}

// plaintextJSON is the decrypted request as the device lanes show it: its
// fields as sent, without the padding (spaces that only hide its length).
// A Plaintext holds no key: the signature and nonce are the sender's, not
// secrets.
func plaintextJSON(pt envelope.Plaintext) json.RawMessage {
	pt.Pad = ""
	b, err := json.Marshal(pt)
	if err != nil {
		return nil
	}
	return b
}

// AttrSignature is the decrypted event's attribute saying whether the
// caller signed: "ok (signer kid …)", "unsigned (W_UNSIGNED)".
const AttrSignature = "signature"

func openedAlg(o *receiver.Opened) string {
	if o.Envelope == nil {
		return "decrypt-cmd"
	}
	return o.Envelope.Alg
}

// rotateKey models Profile.RotatedKey: the app made a new key after it
// registered, keeping the old one (now rotated) for late pushes; the
// server still seals for the old one.
func (d *Callee) rotateKey() error {
	keys := d.Ring.Keys()
	if !d.Profile.RotatedKey || len(keys) == 0 {
		return nil
	}
	k, err := keyring.Generate(keys[0].Scheme().Name(), rand.Reader)
	if err != nil {
		return err
	}
	d.Ring.Add(k)
	return nil
}

// Trusted is the trust a callee that verified this caller's identity key
// has: the caller's public signing key under its handle (empty when the
// caller does not sign).
func (c *Caller) Trusted() *keyring.Signers {
	s := &keyring.Signers{}
	if c.Signer != nil {
		// An Ed25519 public key is always 32 bytes.
		_ = s.Add(c.Handle, c.Signer.Public(), keyring.Trust{Handles: []string{c.Handle}})
	}
	return s
}
