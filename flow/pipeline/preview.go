package pipeline

import (
	"context"

	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/provider"
)

// EnvelopePreview is one device's push before it is sent: sealed by the
// caller as Send seals it, in the payload the built-in server would push,
// and opened by that device's extension as it would open it.
type EnvelopePreview struct {
	device.Sealed
	Payload []byte // the APNs payload, or nil when it did not build
	AAD     []byte
	// Opened is what the device's receiver made of it; nil with OpenErr
	// when it refused it, nil with Note when no simulated device here holds
	// the key.
	Opened  *receiver.Opened
	OpenErr error
	Note    string
}

// Preview seals req as Send would, for each of the callee's devices, and
// sends nothing: no event is emitted and no nonce is used up, so the
// request can be sent next exactly as previewed (with a fresh nonce and
// ts, as every send has).
func (p *Pipeline) Preview(ctx context.Context, req flow.Request) ([]EnvelopePreview, error) {
	tp, sealed, err := p.caller.Preview(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]EnvelopePreview, 0, len(sealed))
	for _, s := range sealed {
		ep := EnvelopePreview{Sealed: s}
		ep.AAD, _ = s.Envelope.AAD()
		var perr error
		if ep.Payload, _, perr = provider.BuildPayload(s.Body, tp, p.cfg.Push); perr != nil {
			ep.OpenErr = perr
			out = append(out, ep)
			continue
		}
		switch d := p.callee(s.Token); {
		case p.team != nil:
			ep.Note = "the team's server builds the payload it pushes; this is the built-in server's"
			if d != nil {
				ep.Opened, ep.OpenErr = d.OpenPreview(ep.Payload, nil)
			}
		case d == nil:
			ep.Note = "not opened: no simulated device here holds this token's key"
		default:
			ep.Opened, ep.OpenErr = d.OpenPreview(ep.Payload, nil)
		}
		out = append(out, ep)
	}
	return out, nil
}

func (p *Pipeline) callee(token string) *device.Callee {
	for _, d := range p.callees {
		if d.Token == token {
			return d
		}
	}
	return nil
}
