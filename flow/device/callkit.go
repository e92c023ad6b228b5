package device

import (
	"context"
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
)

// syscall records a system call that does no measurable work in the
// simulation (PushKit, CallKit, the notification APIs): it is instant, not
// latency, and a stage made only of such calls and simulated waits is shown
// as instantaneous.
func (d *Callee) syscall(p *push, stage flow.Stage, name string, attrs map[string]string) {
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: stage, Name: name,
		Time: time.Now(), Instant: true, Attrs: withState(attrs, p.state)})
}

// callerSyscalls are the caller's CallKit calls: CXStartCallAction through
// CXCallController, fulfilled at once, and reportOutgoingCall. They time no
// work.
var callerSyscalls = map[string]bool{"start-call-action": true, "started-connecting": true}

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
	pr := d.Profile
	t := time.Now()
	p.enter(S5)
	switch {
	case pr.ChecksHangups && d.hungUpFirst(pt.CallUUID):
		d.emit(p, flow.StageExtension, "invite-dropped", t, 0, map[string]string{"note": "the caller already hung up: missed-call notice instead"}, nil)
		d.emit(p, flow.StageExtension, flow.NameShown, time.Now(), 0, map[string]string{"title": "Missed call", "body": pt.Caller.Handle}, nil)
		d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: SignalShown})
		return
	case !pr.AtLeast(14, 5) || pr.Region == "CN":
		why := "iOS " + pr.IOS + " has no reportNewIncomingVoIPPushPayload (14.5+)"
		if pr.Region == "CN" {
			why = "CallKit must not be used in the China region; the app posts a plain notification instead"
		}
		d.fail(p, flow.StageExtension, "placeholder-shown", &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeCallKitOff,
			Detail: why, Hint: "fall back to a local \"incoming call\" notification"})
		return
	case !pr.FilteringEntitlement && pr.MissingEntitlement == "error":
		d.syscall(p, flow.StageExtension, "report-voip-payload", nil)
		d.fail(p, flow.StageExtension, "placeholder-shown", &flow.Diagnosis{Stage: flow.StageExtension,
			Code: flow.CodeReportFailed, Apple: appleMissingEntitlement,
			Detail: "reportNewIncomingVoIPPushPayload failed: the extension lacks com.apple.developer.usernotifications.filtering",
			Hint:   "request the filtering entitlement from Apple and add it to the NSE's provisioning profile"})
		return
	case pr.ContentHandlerFirst:
		d.syscall(p, flow.StageExtension, "content-handler-called", nil)
		d.fail(p, flow.StageExtension, "report-voip-payload", &flow.Diagnosis{Stage: flow.StageExtension,
			Code: CodeInvalidProcess, Apple: "CXErrorCodeNotificationServiceExtensionError.invalidClientProcess (1)",
			Detail: "reportNewIncomingVoIPPushPayload was called after the content handler: the extension no longer answers a notification request",
			Hint:   "report the VoIP payload first, then call the content handler with empty content"})
		return
	}
	// The dictionary the app reads back as PKPushPayload.dictionaryPayload.
	d.syscall(p, flow.StageExtension, "report-voip-payload", map[string]string{
		"dictionary": "uuid, handle, handle_type, name, video",
	})
	if pr.FilteringEntitlement {
		d.syscall(p, flow.StageExtension, "notification-silenced", map[string]string{"content": "empty UNNotificationContent"})
	} else {
		// Without the entitlement an empty content cannot hide the alert.
		d.emit(p, flow.StageExtension, "placeholder-shown", time.Now(), 0, nil, &flow.Diagnosis{Stage: flow.StageExtension,
			Code: CodeNotSilenced, Apple: "com.apple.developer.usernotifications.filtering",
			Detail: "the call rings and the placeholder alert is shown too: without the filtering entitlement the notification cannot be silenced",
			Hint:   "request the filtering entitlement; meanwhile rewrite the text and send interruption-level passive",
			// The call goes on to ring: the path does not end here.
			Warning: true})
	}

	d.async(p, func() { d.launchApp(p, pt) })
}

// reportIncoming is S7–S10: reportNewIncomingCall, CallKit's checks,
// ringing, and the end.
func (d *Callee) reportIncoming(p *push, pt envelope.Plaintext) {
	in := &incoming{p: p, action: make(chan SignalKind, 1)}
	d.mu.Lock()
	exists := d.seen.has(pt.CallUUID) || d.calls[pt.CallUUID] != nil
	active := len(d.calls) + d.Profile.ActiveCalls
	refused := d.callKitRefuses(pt, exists, active)
	d.seen.add(pt.CallUUID)
	k, taken := d.taken.take(pt.CallUUID, d.Now()) // news for this call is moot once it is reported
	if refused == nil {
		d.calls[pt.CallUUID] = in
		if taken {
			in.action <- k
		}
	}
	d.mu.Unlock()
	attrs := map[string]string{
		"remoteHandle": pt.Caller.Handle, "handle_type": pt.Caller.HandleType,
		"localizedCallerName": pt.Caller.Name, "hasVideo": strconv.FormatBool(pt.Video),
	}
	// What the app decrypted is what it reports: on CallKit's lane too.
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit, Name: "report-new-incoming-call",
		Time: time.Now(), Instant: true, Attrs: withState(attrs, p.state), Plaintext: p.plaintext})
	// A report counts for PushKit even when CallKit refuses the call.
	d.pushKitReported()
	if refused != nil {
		d.fail(p, flow.StageCallKit, "report-failed", refused)
		return
	}
	p.enter(S8)
	d.syscall(p, flow.StageCallKit, flow.NameRinging, map[string]string{"from": pt.Caller.Handle})
	if d.hungUpFirst(pt.CallUUID) {
		d.emit(p, flow.StageCallKit, "ghost-ring", time.Now(), 0, nil, ghostRing(p)) // hangup.go
	}
	d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: SignalRinging})
	defer func() {
		d.mu.Lock()
		delete(d.calls, pt.CallUUID)
		d.mu.Unlock()
	}()
	d.ring(p, in)
}

// callKitRefuses is the checks CallKit applies to reportNewIncomingCall.
func (d *Callee) callKitRefuses(pt envelope.Plaintext, exists bool, active int) *flow.Diagnosis {
	pr := d.Profile
	diag := func(code flow.Code, apple, detail, hint string) *flow.Diagnosis {
		return &flow.Diagnosis{Stage: flow.StageCallKit, Code: code, Apple: apple, Detail: detail, Hint: hint}
	}
	switch {
	case !pr.VoIPBackgroundMode:
		return diag(flow.CodeIncomingFailed, "CXErrorCodeIncomingCallError.unentitled (1)",
			"UIBackgroundModes lacks voip: CallKit refuses the app", "add the voip background mode to Info.plist")
	case exists:
		return diag(flow.CodeIncomingFailed, appleUUIDExists, "CallKit already has a call with UUID "+pt.CallUUID,
			"a duplicate push or a second relay: keep one UUID per call and ignore the error (the report still counts)")
	case contains(pr.Blocked, pt.Caller.Handle):
		return diag(CodeFiltered, "CXErrorCodeIncomingCallError.filteredByBlockList (4)",
			pt.Caller.Handle+" is on the callee's block list", "nothing to fix: the user blocked this caller")
	case pr.DoNotDisturb && !contains(pr.AllowedCallers, pt.Caller.Handle):
		return diag(CodeFiltered, "CXErrorCodeIncomingCallError.filteredByDoNotDisturb (3)",
			"Do Not Disturb / Focus is on and "+pt.Caller.Handle+" is not an allowed caller", "show a missed-call notification")
	case active >= pr.MaximumCallGroups:
		return diag(CodeCallLimit, "CXErrorCodeRequestTransactionError.maximumCallGroupsReached (7)",
			strconv.Itoa(active)+" calls already up and maximumCallGroups is "+strconv.Itoa(pr.MaximumCallGroups),
			"raise maximumCallGroups (default 2) or end the old call before reporting a new one")
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ring is S8–S10: the callee answers, declines or lets it ring out; another
// device may take the call first.
func (d *Callee) ring(p *push, in *incoming) {
	kind, waited, simulated := d.awaitCallee(in)
	switch kind {
	case SignalAnswered:
		p.enter(S9)
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "answered", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: withState(map[string]string{"action": "CXAnswerCallAction"}, p.state)})
		if err := d.simulate(p, flow.StageCallKit, "answer-fulfil", min(d.Profile.AnswerFulfill, d.Profile.ActionTimeout), nil); err != nil {
			return
		}
		if d.Profile.AnswerFulfill > d.Profile.ActionTimeout {
			p.enter(S10) // "a timeout may also force the call to end"
			d.fail(p, flow.StageCallKit, "action-timed-out", &flow.Diagnosis{Stage: flow.StageCallKit, Code: CodeActionTimedOut,
				Apple:  "provider(_:timedOutPerforming:) CXAnswerCallAction",
				Detail: "the app fulfilled CXAnswerCallAction after " + d.Profile.AnswerFulfill.String() + ", past its timeoutDate; CallKit showed the call as failed",
				Hint:   "fulfil the answer action promptly; connect media after provider(_:didActivate:)"})
			return
		}
		d.syscall(p, flow.StageCallKit, "connected", map[string]string{"action": "fulfill(withDateConnected:)"})
	case SignalDeclined:
		p.enter(S10)
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "declined", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: withState(map[string]string{"action": "CXEndCallAction"}, p.state)})
	case SignalUnanswered:
		p.enter(S10)
		d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageCallKit,
			Name: "ring-timeout", Time: time.Now(), Duration: simulated, Simulated: true, Waited: waited,
			Attrs: withState(map[string]string{flow.AttrEndedReason: EndedUnanswered}, p.state),
			Diagnosis: &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeUnanswered, Apple: "CXCallEndedReason.unanswered (3)",
				Detail: "nobody answered within " + d.Profile.RingTimeout.String() + "; iOS ended the call with a CXEndCallAction nobody sent",
				Hint:   "end unanswered calls yourself (Element X rings 15–90 s) and tell the caller"}})
	case signalRemoteEnded:
		// The caller hung up while it rang: the app ends the call with
		// reportCall(with:endedAt:reason: .remoteEnded). For the request,
		// nobody answered.
		p.enter(S10)
		d.syscall(p, flow.StageCallKit, "ended", map[string]string{flow.AttrEndedReason: EndedRemoteEnded})
		kind = SignalUnanswered
	case signalAnsweredElsewhere, signalDeclinedElsewhere:
		p.enter(S10)
		reason := EndedAnsweredElsewhere
		if kind == signalDeclinedElsewhere {
			reason = EndedDeclinedElsewhere
		}
		d.syscall(p, flow.StageCallKit, "ended", map[string]string{flow.AttrEndedReason: reason})
		return
	default:
		return // the device is shutting down
	}
	d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: kind})
}

// awaitCallee waits for the callee by the profile's policy: answer or decline
// after AnswerAfter, let it ring out, or wait for the screen's a and d. The
// ring timeout applies unless it is zero. Only the earlier of the policy's
// action and the ring timeout is timed, so a virtual clock gives one answer.
// It returns what happened, the wall time spent and the simulated time.
func (d *Callee) awaitCallee(in *incoming) (kind SignalKind, waited, simulated time.Duration) {
	after, timed := d.Profile.RingTimeout, SignalUnanswered
	switch d.Profile.AnswerPolicy {
	case AnswerAuto, "":
		if after == 0 || d.Profile.AnswerAfter < after {
			after, timed = d.Profile.AnswerAfter, SignalAnswered
		}
	case AnswerDecline:
		if after == 0 || d.Profile.AnswerAfter < after {
			after, timed = d.Profile.AnswerAfter, SignalDeclined
		}
	}
	wait := after
	if after == 0 && timed == SignalUnanswered {
		wait = flow.Forever // no ring limit: only a person (or another device) ends it
	}
	start := time.Now()
	fired := make(chan time.Duration, 1)
	exited := make(chan struct{})
	ctx, cancel := context.WithCancel(in.p.ctx)
	defer cancel()
	go func() {
		defer close(exited)
		if w, err := d.Clock.Sleep(ctx, wait); err == nil {
			fired <- w
		}
	}()
	// stop ends the wait before anything else happens on this device, so a
	// clock that orders simulated time sees it gone.
	stop := func() {
		cancel()
		<-exited
	}
	select {
	case k := <-in.action:
		// The user (or another device) acted in real time.
		stop()
		w := time.Since(start)
		return k, w, w
	case w := <-fired:
		<-exited
		select {
		case k := <-in.action:
			// Another device acted first in simulated time; its news came
			// as this wait ended.
			return k, w, w
		default:
		}
		return timed, w, after
	case <-d.ctx.Done():
		stop()
		return "", time.Since(start), 0
	}
}

// Another of the callee's devices answered or declined the call, or the
// caller hung up: the app ends it here with reportCall(with:endedAt:reason:).
const (
	signalAnsweredElsewhere SignalKind = "answered-elsewhere"
	signalDeclinedElsewhere SignalKind = "declined-elsewhere"
	signalRemoteEnded       SignalKind = "remote-ended"
)

// EndElsewhere ends a call ringing here because another of the callee's
// devices answered it (declined false: .answeredElsewhere) or declined it
// (.declinedElsewhere).
func (d *Callee) EndElsewhere(callID string, declined bool) {
	k := signalAnsweredElsewhere
	if declined {
		k = signalDeclinedElsewhere
	}
	d.mu.Lock()
	if d.calls[callID] == nil && !d.seen.has(callID) {
		// Not ringing here yet: the push may still be on its way.
		d.taken.put(callID, k, d.Now())
	}
	d.mu.Unlock()
	_ = d.act(callID, k)
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
