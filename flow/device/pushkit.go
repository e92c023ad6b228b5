package device

import (
	"strconv"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
)

// Apple's words for the PushKit contract's enforcement (docs/device-rules.md#s7-the-pushkit-contract).
const (
	appleNeverPosted = "NSInternalInconsistencyException: Killing app because it never posted an incoming call to the system after receiving a PushKit VoIP push"
	appleBaadCall    = "0xbaadca11"
	appleVoIPBlocked = "will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)"
)

// launchApp is S6–S7 for a call the extension relayed: the system launches
// the app, PushKit delivers the payload, and the app must report the call.
func (d *Callee) launchApp(p *push, pt envelope.Plaintext) {
	if !d.Profile.RegistersVoIP {
		p.enter(S6)
		d.fail(p, flow.StageCallKit, "app-not-launched", &flow.Diagnosis{Stage: flow.StageCallKit, Code: CodeNotLaunched,
			Detail: "reportNewIncomingVoIPPushPayload succeeded, but the app never registered for VoIP pushes (PKPushRegistry.desiredPushTypes lacks .voIP): " +
				"the payload has no PushKit delegate to go to and the call never rings. Apple does not document this case; callscope models it so",
			Hint: "set desiredPushTypes = [.voIP] on a PKPushRegistry created at launch, even though calls arrive through the NSE"})
		return
	}
	if !d.pushKit(p, map[string]string{"type": "voIP"}) {
		return
	}
	if d.providerNotBegun(p) {
		return
	}
	if !d.Profile.ReportsCall {
		d.killed(p, appleNeverPosted,
			"pushRegistry(_:didReceiveIncomingPushWith:for:completion:) returned without reportNewIncomingCall",
			"always report the call before the delegate returns, even to end it at once")
		return
	}
	d.reportIncoming(p, pt)
}

// pushKit is S6 and the start of S7, shared by every VoIP payload (relayed
// by the extension or sent as a voip push): the block after repeated
// failures, the launch, the delegate set at launch, and callservicesd's
// deadline for a delegate that blocks. It reports whether the app is now in
// its delegate, free to report.
func (d *Callee) pushKit(p *push, delivered map[string]string) bool {
	pr := d.Profile
	p.enter(S6)
	if n, blocked := d.voipBlocked(); blocked {
		d.fail(p, flow.StageCallKit, "app-not-launched", &flow.Diagnosis{Stage: flow.StageCallKit, Code: CodeVoIPBlocked,
			Apple:  appleVoIPBlocked,
			Detail: "the app failed to report " + strconv.Itoa(n) + " VoIP pushes in a row; callservicesd no longer launches it",
			Hint:   "fix every early return in the PushKit delegate; reinstalling the app resets the block"})
		return false
	}
	if err := d.simulate(p, flow.StageCallKit, "app-launch", pr.AppLaunch, nil); err != nil {
		return false
	}
	if !pr.PushKitDelegate {
		d.killed(p, appleBaadCall,
			"no PKPushRegistry delegate was set at launch, so the VoIP payload was never handled; callservicesd killed the app",
			"create PKPushRegistry and set its delegate in application(_:didFinishLaunchingWithOptions:)")
		return false
	}
	p.enter(S7)
	d.syscall(p, flow.StageCallKit, "pushkit-delivered", delivered)
	if pr.DelegateBlock > 0 {
		// Only the earlier of the two is timed: the kill, or the delegate
		// going on, so a virtual clock gives the same answer as a real one.
		w := min(pr.DelegateBlock, pr.ReportDeadline)
		if err := d.simulate(p, flow.StageCallKit, "delegate-blocked", w, nil); err != nil {
			return false
		}
		if pr.DelegateBlock > pr.ReportDeadline {
			d.killed(p, appleBaadCall,
				"the PushKit delegate blocked "+pr.DelegateBlock.String()+" before reporting; callservicesd's "+pr.ReportDeadline.String()+" check killed the app",
				"report the call first, then connect to your server in parallel")
			return false
		}
	}
	return true
}

// CodeNotLaunched: the system had no PushKit delegate to hand a relayed call to.
const CodeNotLaunched flow.Code = "APP_NOT_LAUNCHED"

// providerNotBegun is F-30: an app whose CXProvider was created off the main
// thread never gets providerDidBegin, waits for it, and returns from the
// PushKit delegate without reporting; PKPushRegistry kills it. It reports
// whether that happened.
func (d *Callee) providerNotBegun(p *push) bool {
	if !d.Profile.ProviderOffMain {
		return false
	}
	d.killed(p, appleNeverPosted,
		"providerDidBegin(_:) never came: the CXProvider was created off the main thread and its delegate set after the XPC connection was up, so the app waited for a provider that never began and returned without reportNewIncomingCall",
		"create the CXProvider on the main queue at launch and set its delegate at once; report the call without waiting for providerDidBegin")
	return true
}

// killed ends the app for breaking the PushKit contract, and counts the
// failure towards the VoIP block.
func (d *Callee) killed(p *push, apple, detail, hint string) {
	d.pushKitFailed()
	d.fail(p, flow.StageCallKit, "app-killed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeAppKilled,
		Apple: apple, Detail: detail, Hint: hint})
}

// launchForHangup is the app side of a relayed hang-up: nothing to report,
// so iOS kills the app (F-21).
func (d *Callee) launchForHangup(p *push) {
	if !d.pushKit(p, map[string]string{"type": "voIP", "payload": "call.hangup"}) {
		return
	}
	d.killed(p, appleNeverPosted,
		"the extension relayed a hang-up through reportNewIncomingVoIPPushPayload and the app returned from PushKit without reporting a call",
		"handle hang-ups in the NSE (end the call or post a missed-call notice); relay only call offers")
}

// voipPush is a push sent with apns-push-type voip: no extension runs, the app
// is launched for PushKit and must report a call, whatever it decrypts (F-17).
func (d *Callee) voipPush(p *push) {
	if !d.pushKit(p, map[string]string{"type": "voIP", "via": "apns-push-type voip"}) {
		return
	}
	opened, err := receiver.Open(p.Payload, d.receiverConfig(p))
	if err == nil {
		p.plaintext = plaintextJSON(opened.Plaintext) // the app opened it: CallKit's lane shows it
	}
	if err == nil && opened.Plaintext.Type == "call.invite" && d.Profile.ReportsCall {
		p.callID = opened.Plaintext.CallUUID
		if !d.providerNotBegun(p) {
			d.reportIncoming(p, opened.Plaintext)
		}
		return
	}
	what := "a push it could not open"
	if err == nil {
		p.callID = opened.Plaintext.CallUUID
		what = "a " + opened.Plaintext.Type
	}
	d.killed(p, appleNeverPosted,
		"the server sent "+what+" as a VoIP push; the app did not report a call, so iOS killed it (apps built with the iOS 13 SDK or later)",
		"send only calls as voip pushes; E2EE servers that cannot tell must use alert pushes and the NSE")
}

// voipBlocked reports the consecutive PushKit failures and whether they
// reached the block threshold (docs/device-rules.md#parameters: K failures ⇒ no more launches).
func (d *Callee) voipBlocked() (failures int, blocked bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := d.Profile.VoIPBlockThreshold
	return d.voipFailures, k > 0 && d.voipFailures >= k
}

func (d *Callee) pushKitFailed() {
	d.mu.Lock()
	d.voipFailures++
	d.mu.Unlock()
}

// pushKitReported resets the count: the threshold is for failures in a row
// (docs/device-rules.md#parameters models "repeatedly" as K consecutive failures).
func (d *Callee) pushKitReported() {
	d.mu.Lock()
	d.voipFailures = 0
	d.mu.Unlock()
}

// VoIPFailures is how many VoIP pushes in a row the app failed to report.
func (d *Callee) VoIPFailures() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.voipFailures
}

// Reinstall is the user deleting and reinstalling the app: the field reports
// that this lifts the VoIP block.
func (d *Callee) Reinstall() { d.pushKitReported() }
