package device

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/provider"
)

// Sealed is one envelope as Place would hand it to the server for one
// device: sealed, never posted.
type Sealed struct {
	Device, Token, Scheme string
	// Body is the envelope's JSON, as the server receives it.
	Body     []byte
	Envelope *envelope.Envelope
}

// Preview seals req for each of req.To's devices exactly as Place does (the
// same plaintext, directory lookup, keys and sender faults) and posts
// nothing: no event, no state kept. traceparent is the one Place would
// have tagged the pushes with.
func (c *Caller) Preview(ctx context.Context, req flow.Request) (traceparent string, out []Sealed, err error) {
	traceparent, traceID := provider.NewTraceParent()
	devs, err := c.devices(ctx, req.To)
	if err != nil {
		return "", nil, err
	}
	pt, ttl := c.plaintext(req, envelope.CallUUIDFor(traceID))
	defer c.dropSealed(traceID)
	for _, d := range devs {
		body, env, err := c.sealDevice(traceID, d, pt, ttl)
		if err != nil {
			return "", nil, fmt.Errorf("device %s: %w", d.Name, err)
		}
		out = append(out, Sealed{Device: d.Name, Token: d.Token, Scheme: d.Scheme, Body: body, Envelope: env})
	}
	return traceparent, out, nil
}

// OpenPreview opens a push payload as this device's extension would, but
// without its replay cache: a preview consumes no nonce, so the real push
// that follows it still opens. sent is the caller's copy (Caller.Sealed) for
// the E_AUTH diagnosis, or nil.
func (d *Callee) OpenPreview(payload []byte, sent []*envelope.Envelope) (*receiver.Opened, error) {
	tok, _ := hex.DecodeString(d.Token)
	return receiver.Open(payload, receiver.Config{Ring: d.Ring, DeviceToken: tok, Now: d.Now, Decrypt: d.Decrypt,
		Context: d.ctx, Signers: d.Signers, Skew: d.Skew, Sent: sent})
}
