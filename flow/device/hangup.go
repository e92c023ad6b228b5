package device

import (
	"strconv"
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

// ghostRing is the diagnosis of a call ringing after its hang-up. When APNs
// delivered the invite after newer pushes (the mock's reorder fault), the
// order was APNs's doing and the diagnosis says so.
func ghostRing(p *push) *flow.Diagnosis {
	const hint = "remember hang-ups for unknown calls and drop their late invites (checks_hangups); APNs does not keep order"
	if fw := p.Forward; fw != nil && fw.Overtaken > 0 {
		return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeOutOfOrder,
			Detail: "APNs delivered this invite after " + strconv.Itoa(fw.Overtaken) + " newer push(es) to the device (mock fault: " + fw.Fault +
				"; apns-id " + fw.OvertakenBy + " went first): the hang-up came first, and the phone rings for a call the caller already ended",
			Hint: hint}
	}
	return &flow.Diagnosis{Stage: flow.StageCallKit, Code: CodeGhostRing,
		Detail: "a hang-up for this call reached the device before the call was reported, and the phone rings for a call the caller already ended",
		Hint:   hint}
}
