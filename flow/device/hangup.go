package device

import (
	"encoding/hex"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
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
	if d.Profile.RelaysHangups {
		t := time.Now()
		d.emit(p, flow.StageExtension, "report-voip-payload", t, time.Since(t), map[string]string{"type": "call.hangup"}, nil)
		d.async(func() { d.launchForHangup(p) })
		return
	}
	d.mu.Lock()
	in := d.calls[pt.CallUUID]
	if in == nil {
		d.hungUp[pt.CallUUID] = true
	}
	d.mu.Unlock()
	if in != nil {
		d.emit(p, flow.StageExtension, "hangup", time.Now(), 0, map[string]string{flow.AttrEndedReason: EndedRemoteEnded}, nil)
		_ = d.act(pt.CallUUID, SignalDeclined)
		return
	}
	d.emit(p, flow.StageExtension, "hangup", time.Now(), 0, map[string]string{"note": "no such call yet: remembered, in case the invite comes later"}, nil)
}

// launchForHangup is the app side of a relayed hang-up: nothing to report,
// so iOS kills the app.
func (d *Callee) launchForHangup(p *push) {
	if err := d.simulate(p, flow.StageCallKit, "app-launch", d.Profile.AppLaunch, nil); err != nil {
		return
	}
	d.emit(p, flow.StageCallKit, "pushkit-delivered", time.Now(), 0, map[string]string{"type": "voIP", "payload": "call.hangup"}, nil)
	d.fail(p, flow.StageCallKit, "app-killed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeAppKilled,
		Apple:  appleNeverPosted,
		Detail: "the extension relayed a hang-up through reportNewIncomingVoIPPushPayload and the app returned from PushKit without reporting a call",
		Hint:   "handle hang-ups in the NSE (end the call or post a missed-call notice); relay only call offers"})
}

// hungUpFirst reports whether a hang-up for this call arrived before it.
func (d *Callee) hungUpFirst(callID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hungUp[callID]
}

// voipPush is a push sent with apns-push-type voip: no extension runs, the app
// is launched for PushKit and must report a call, whatever it decrypts.
func (d *Callee) voipPush(p *push) {
	if err := d.simulate(p, flow.StageCallKit, "app-launch", d.Profile.AppLaunch, nil); err != nil {
		return
	}
	d.emit(p, flow.StageCallKit, "pushkit-delivered", time.Now(), 0, map[string]string{"type": "voIP", "via": "apns-push-type voip"}, nil)
	tok, _ := hex.DecodeString(d.Token)
	opened, err := receiver.Open(p.Payload, receiver.Config{Ring: d.Ring, DeviceToken: tok, Now: d.Now, Replay: d.Replay})
	if err == nil && opened.Plaintext.Type == "call.invite" {
		p.callID = opened.Plaintext.CallUUID
		d.reportIncoming(p, opened.Plaintext)
		return
	}
	what := "a push it could not open"
	if err == nil {
		p.callID = opened.Plaintext.CallUUID
		what = "a " + opened.Plaintext.Type
	}
	d.fail(p, flow.StageCallKit, "app-killed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeAppKilled,
		Apple:  appleNeverPosted,
		Detail: "the server sent " + what + " as a VoIP push; the app did not report a call, so iOS killed it (apps built with the iOS 13 SDK or later)",
		Hint:   "send only calls as voip pushes; E2EE servers that cannot tell must use alert pushes and the NSE"})
}
