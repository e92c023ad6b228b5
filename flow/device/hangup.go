package device

import (
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
)

// CodeGhostRing: the phone rings for a call the caller already ended.
const CodeGhostRing flow.Code = "GHOST_RING"

// hangup handles an encrypted call.hangup in the extension. A correct NSE ends
// the ringing call itself (or remembers the hang-up if it came first); one
// that relays it to CallKit obliges the app to report a call it does not
// have (F-21).
func (d *Callee) hangup(p *push, pt envelope.Plaintext) {
	p.noSignal = true
	p.enter(S5)
	if d.Profile.RelaysHangups {
		d.emit(p, flow.StageExtension, "report-voip-payload", time.Now(), 0, map[string]string{"type": "call.hangup"}, nil)
		d.async(p, func() { d.launchForHangup(p) })
		return
	}
	d.mu.Lock()
	in := d.calls[pt.CallUUID]
	if in == nil {
		d.hungUp.put(pt.CallUUID, struct{}{}, d.Now())
	}
	d.mu.Unlock()
	if in != nil {
		d.emit(p, flow.StageExtension, "hangup", time.Now(), 0, map[string]string{flow.AttrEndedReason: EndedRemoteEnded}, nil)
		_ = d.act(pt.CallUUID, signalRemoteEnded)
		return
	}
	d.emit(p, flow.StageExtension, "hangup", time.Now(), 0, map[string]string{"note": "no such call yet: remembered, in case the invite comes later"}, nil)
}

// hungUpFirst reports whether a hang-up for this call arrived before it.
func (d *Callee) hungUpFirst(callID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.hungUp.get(callID, d.Now())
	return ok
}
