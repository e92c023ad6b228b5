package device

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
)

// Errors of CallKit as Apple names them.
const (
	appleMissingEntitlement = "CXErrorCodeNotificationServiceExtensionError.missingNotificationFilteringEntitlement (2)"
	appleUUIDExists         = "CXErrorCodeIncomingCallError.callUUIDAlreadyExists (2)"
	appleNeverPosted        = "NSInternalInconsistencyException: Killing app because it never posted an incoming call to the system after receiving a PushKit VoIP push"
	appleBaadCall           = "0xbaadca11"
)

// incoming is a call CallKit knows about on this device.
type incoming struct {
	p      *push
	action chan SignalKind // the user's answer or decline
}

// ErrNotRinging is returned by Answer and Decline for a call that is not ringing here.
var ErrNotRinging = errors.New("no such ringing call")

// relayCall is S5–S7: the extension hands the call to CallKit, silences its
// notification, the system launches the app, PushKit delivers, and the app
// reports the call.
func (d *Callee) relayCall(p *push, pt envelope.Plaintext) {
	t := time.Now()
	if !d.Profile.FilteringEntitlement {
		d.emit(p, flow.StageExtension, "report-voip-payload", t, time.Since(t), nil, nil)
		d.fail(p, flow.StageExtension, "placeholder-shown", &flow.Diagnosis{Stage: flow.StageExtension,
			Code: flow.CodeReportFailed, Apple: appleMissingEntitlement,
			Detail: "reportNewIncomingVoIPPushPayload failed: the extension lacks com.apple.developer.usernotifications.filtering",
			Hint:   "request the filtering entitlement from Apple and add it to the NSE's provisioning profile"})
		return
	}
	// The dictionary the app reads back as PKPushPayload.dictionaryPayload.
	d.emit(p, flow.StageExtension, "report-voip-payload", t, time.Since(t), map[string]string{
		"dictionary": "uuid, handle, handle_type, name, video",
	}, nil)
	d.emit(p, flow.StageExtension, "notification-silenced", time.Now(), 0, map[string]string{"content": "empty UNNotificationContent"}, nil)

	// S6: the system launches the app in the background.
	if err := d.simulate(p, flow.StageCallKit, "app-launch", d.Profile.AppLaunch, nil); err != nil {
		return
	}
	if !d.Profile.PushKitDelegate {
		d.fail(p, flow.StageCallKit, "app-killed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeAppKilled,
			Apple:  appleBaadCall,
			Detail: "no PKPushRegistry delegate was set at launch, so the VoIP payload was never handled; callservicesd killed the app",
			Hint:   "create PKPushRegistry and set its delegate in application(_:didFinishLaunchingWithOptions:)"})
		return
	}
	d.emit(p, flow.StageCallKit, "pushkit-delivered", time.Now(), 0, map[string]string{"type": "voIP"}, nil)
	if !d.Profile.ReportsCall {
		d.fail(p, flow.StageCallKit, "app-killed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeAppKilled,
			Apple:  appleNeverPosted,
			Detail: "pushRegistry(_:didReceiveIncomingPushWith:for:completion:) returned without reportNewIncomingCall",
			Hint:   "always report the call before the delegate returns, even to end it at once"})
		return
	}
	d.reportIncoming(p, pt)
}

// reportIncoming is S7–S10: reportNewIncomingCall, ringing, and the end.
func (d *Callee) reportIncoming(p *push, pt envelope.Plaintext) {
	t := time.Now()
	in := &incoming{p: p, action: make(chan SignalKind, 1)}
	d.mu.Lock()
	_, exists := d.calls[pt.CallUUID]
	if !exists {
		d.calls[pt.CallUUID] = in
	}
	d.mu.Unlock()
	attrs := map[string]string{
		"remoteHandle": pt.Caller.Handle, "handle_type": pt.Caller.HandleType,
		"localizedCallerName": pt.Caller.Name, "hasVideo": strconv.FormatBool(pt.Video),
	}
	d.emit(p, flow.StageCallKit, "report-new-incoming-call", t, time.Since(t), attrs, nil)
	if exists {
		d.fail(p, flow.StageCallKit, "report-failed", &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeIncomingFailed,
			Apple: appleUUIDExists, Detail: "CallKit already has a call with UUID " + pt.CallUUID,
			Hint: "a duplicate push or a second relay: keep one UUID per call and ignore the error (the report still counts)"})
		return
	}
	d.emit(p, flow.StageCallKit, flow.NameRinging, time.Now(), 0, map[string]string{"from": pt.Caller.Handle}, nil)
	d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: SignalRinging})
	defer func() {
		d.mu.Lock()
		delete(d.calls, pt.CallUUID)
		d.mu.Unlock()
	}()

	kind, waited, simulated := d.awaitCallee(in)
	switch kind {
	case SignalAnswered:
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "answered", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: map[string]string{"action": "CXAnswerCallAction"}})
		d.emit(p, flow.StageCallKit, "connected", time.Now(), 0, map[string]string{"action": "fulfill(withDateConnected:)"}, nil)
	case SignalDeclined:
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "declined", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: map[string]string{"action": "CXEndCallAction"}})
	case SignalUnanswered:
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "ring-timeout", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: map[string]string{flow.AttrEndedReason: EndedUnanswered}})
	default:
		return // the device is shutting down
	}
	d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: kind})
}

// awaitCallee waits for the callee by the profile's policy: answer or decline
// after AnswerAfter, let it ring out, or wait for the screen's a and d. The
// ring timeout always applies. It returns the simulated time that passed and
// the wall time spent.
func (d *Callee) awaitCallee(in *incoming) (kind SignalKind, waited, simulated time.Duration) {
	ringFor := d.Profile.RingTimeout
	var auto SignalKind
	switch d.Profile.AnswerPolicy {
	case AnswerAuto, "":
		auto = SignalAnswered
	case AnswerDecline:
		auto = SignalDeclined
	}
	if auto != "" && d.Profile.AnswerAfter < ringFor {
		w, err := d.Clock.Sleep(d.ctx, d.Profile.AnswerAfter)
		if err != nil {
			return "", w, 0
		}
		return auto, w, d.Profile.AnswerAfter
	}
	start := time.Now()
	timeout := make(chan time.Duration, 1)
	go func() {
		w, _ := d.Clock.Sleep(d.ctx, ringFor)
		timeout <- w
	}()
	select {
	case k := <-in.action:
		// Simulated and wall time agree here: the user acted in real time.
		w := time.Since(start)
		return k, w, w
	case w := <-timeout:
		if d.ctx.Err() != nil {
			return "", w, 0
		}
		return SignalUnanswered, w, ringFor
	}
}

// Answer answers a ringing call, as the user does on the CallKit screen.
func (d *Callee) Answer(callID string) error { return d.act(callID, SignalAnswered) }

// Decline declines a ringing call.
func (d *Callee) Decline(callID string) error { return d.act(callID, SignalDeclined) }

func (d *Callee) act(callID string, k SignalKind) error {
	d.mu.Lock()
	in := d.calls[callID]
	d.mu.Unlock()
	if in == nil {
		return fmt.Errorf("%s: call %s: %w", d.Profile.Name, callID, ErrNotRinging)
	}
	select {
	case in.action <- k:
		return nil
	default:
		return fmt.Errorf("%s: call %s already answered or declined", d.Profile.Name, callID)
	}
}

// Ringing lists the call UUIDs ringing on this device.
func (d *Callee) Ringing() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.calls))
	for id := range d.calls {
		out = append(out, id)
	}
	return out
}
