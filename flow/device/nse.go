package device

import (
	"strconv"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
)

// Device-side failure codes (stable; see flow.Code).
const (
	CodeNSEKilled      flow.Code = "NSE_KILLED"          // jetsam or the startup watchdog ended the extension
	CodeNSETimeExpired flow.Code = "NSE_TIME_EXPIRED"    // serviceExtensionTimeWillExpire: the original is shown
	CodeKeysLocked     flow.Code = "KEYS_LOCKED"         // keychain or files unreadable while locked
	CodeStale          flow.Code = "STALE_CALL"          // the invite is older than the app's freshness limit
	CodeNotSilenced    flow.Code = "NOT_SILENCED"        // the call rings and the placeholder banner shows too
	CodeCallKitOff     flow.Code = "CALLKIT_UNAVAILABLE" // region or OS without the API
	CodeVoIPBlocked    flow.Code = "VOIP_BLOCKED"        // iOS stopped launching the app for VoIP pushes
	CodeFiltered       flow.Code = "CALL_FILTERED"       // Focus/DND or the block list
	CodeCallLimit      flow.Code = "CALL_LIMIT"          // maximumCallGroups reached
	CodeActionTimedOut flow.Code = "ACTION_TIMED_OUT"    // CXAnswerCallAction not fulfilled in time
	CodeInvalidProcess flow.Code = "INVALID_CLIENT_PROCESS"
)

// nseLimits is S3: the memory cap, the startup watchdog and the time budget.
// Each one kills or expires the extension, and iOS shows the original alert.
// ok is false when the device shut down during a wait: nothing follows.
func (d *Callee) nseLimits(p *push) (why *flow.Diagnosis, ok bool) {
	pr := d.Profile
	if pr.NSEStartup > 0 {
		if err := d.simulate(p, flow.StageExtension, "nse-launch", pr.NSEStartup, nil); err != nil {
			return nil, false
		}
	}
	switch {
	case pr.NSEMemoryMB > pr.NSEMemoryCapMB:
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeNSEKilled,
			Apple:  "EXC_RESOURCE RESOURCE_TYPE_MEMORY (limit=" + strconv.Itoa(pr.NSEMemoryCapMB) + " MB)",
			Detail: "the extension used " + strconv.Itoa(pr.NSEMemoryMB) + " MB, over the " + strconv.Itoa(pr.NSEMemoryCapMB) + " MB cap; jetsam killed it and iOS showed the original alert",
			Hint:   "keep the NSE small: no full database or key store load; open only what one push needs"}, true
	case pr.NSEStartup > pr.NSEStartupMax:
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeNSEKilled,
			Apple:  "Extension will be killed because it used its runtime in starting up",
			Detail: "init took " + pr.NSEStartup.String() + " (simulated), over the startup allowance; no serviceExtensionTimeWillExpire",
			Hint:   "move heavy set-up out of init and off the main thread"}, true
	}
	if pr.NSEWork > 0 {
		w := min(pr.NSEWork, pr.NSEBudget)
		if err := d.simulate(p, flow.StageExtension, "nse-work", w, nil); err != nil {
			return nil, false
		}
		if pr.NSEWork > pr.NSEBudget {
			return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeNSETimeExpired,
				Apple:  "serviceExtensionTimeWillExpire()",
				Detail: "the extension's work took longer than its " + pr.NSEBudget.String() + " budget; iOS showed the original alert",
				Hint:   "report the call first, then do slow work; never wait on the network before reporting"}, true
		}
	}
	return nil, true
}

// keysReadable is S4's first step: the device key in the shared keychain.
func (d *Callee) keysReadable() *flow.Diagnosis {
	pr := d.Profile
	switch {
	case pr.BeforeFirstUnlock:
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeKeysLocked, Apple: "errSecInteractionNotAllowed (-25308)",
			Detail: "the phone rebooted and was not unlocked yet: no keychain item or protected file is readable",
			Hint:   "before first unlock nothing can be decrypted: show a generic \"incoming call\" notification"}
	case pr.Locked && !pr.KeysAfterFirstUnlock:
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeKeysLocked, Apple: "errSecInteractionNotAllowed (-25308)",
			Detail: "the device key is kSecAttrAccessibleWhenUnlocked and the phone is locked",
			Hint:   "store the NSE's key with kSecAttrAccessibleAfterFirstUnlock in a shared access group"}
	}
	return nil
}

// fresh applies the app's own staleness policy to a call invite, beyond the
// envelope's ttl (Signal drops after 5 min, Element X after 10 s). An invite
// that would have been fresh but for the time APNs held it is APNs's doing.
func (d *Callee) fresh(p *push, pt envelope.Plaintext) *flow.Diagnosis {
	lim := d.Profile.FreshnessLimit
	if lim <= 0 || pt.Type != "call.invite" {
		return nil
	}
	age := d.nowFor(p)().Sub(time.UnixMilli(pt.SentMS))
	if age <= lim {
		return nil
	}
	old := age.Round(time.Millisecond).String()
	fw := p.Forward
	if fw != nil && fw.Held > 0 && age-fw.Held <= lim {
		return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeDeliveredLate,
			Detail: heldWhy(fw, "invite") + "; it reached the NSE " + old + " old, over the app's " + lim.String() +
				" limit, and was shown as a missed call: without the hold it was in time",
			Hint: lateHint(fw, "the app's freshness check did its job: tell the caller the call was missed")}
	}
	hint := "APNs delivered it without delay: is the sender's clock behind?"
	if fw != nil && fw.Held > 0 {
		hint = "APNs held it " + heldFor(fw) + ", but it was over the limit even without that: is the sender's clock behind?"
	}
	return &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeStale,
		Detail: "the invite is " + old + " old by the sender's ts, over the app's " + lim.String() + " limit: shown as a missed call",
		Hint:   hint}
}

// heldTooLong lays an envelope that expired on the way at APNs's door only
// when it would still have been valid at arrival without the time APNs held
// it (received − held within ts + ttl + the receiver's skew). cfg is what
// the NSE opened the push with: its clock and skew. Any other diagnosis is
// returned as it is.
func heldTooLong(p *push, cfg receiver.Config, diag *flow.Diagnosis) *flow.Diagnosis {
	fw := p.Forward
	if diag == nil || diag.Code != "E_EXPIRED" || fw == nil || fw.Held <= 0 {
		return diag
	}
	env, err := envelope.ParsePayload(p.Payload)
	if err != nil {
		return diag
	}
	deadline := time.UnixMilli(env.TS).Add(time.Duration(env.TTL)*time.Second + cfg.EffectiveSkew())
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	if now().Add(-fw.Held).After(deadline) {
		return diag // it would have expired even without the hold
	}
	return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeDeliveredLate,
		Detail: heldWhy(fw, "push") + ", past the envelope's ts + ttl: the NSE refused it (E_EXPIRED: " + diag.Detail + "); without the hold it was in time",
		Hint:   lateHint(fw, "a stale call must not ring, so the app was right to refuse it")}
}

// heldWhy says what kept a push from its device: the mock's
// store-and-forward faults, or APNs's own store while the device's link to
// APNs was down (flow.FaultStoredOffline), which is no mock fault.
func heldWhy(fw *flow.Forwarding, what string) string {
	var faults []string
	stored := false
	for _, f := range strings.Split(fw.Fault, ", ") {
		if f == flow.FaultStoredOffline {
			stored = true
		} else if f != "" {
			faults = append(faults, f)
		}
	}
	out := "APNs held the " + what + " " + heldFor(fw) + " after accepting it ("
	switch {
	case stored && len(faults) == 0:
		out += "stored while the device's connection to APNs was down, delivered when it came back"
	case stored:
		out += "mock fault: " + strings.Join(faults, ", ") + "; then stored while the device's connection to APNs was down"
	default:
		out += "mock fault: " + fw.Fault
	}
	return out + ")"
}

func lateHint(fw *flow.Forwarding, tail string) string {
	if strings.Contains(fw.Fault, flow.FaultStoredOffline) {
		return "APNs delivers a push stored for an offline device when the device comes back, however late; " + tail
	}
	return "APNs may deliver late whatever apns-expiration says; " + tail
}

// nowFor is the device's clock for one push: the wall clock, plus the
// simulated time APNs held the push, which no wall clock saw.
func (d *Callee) nowFor(p *push) func() time.Time {
	fw := p.Forward
	if fw == nil || fw.Unseen <= 0 {
		return d.Now
	}
	return func() time.Time { return d.Now().Add(fw.Unseen) }
}

// heldFor says how long APNs held a push, and whether that was simulated.
func heldFor(fw *flow.Forwarding) string {
	h := fw.Held.Round(time.Millisecond).String()
	if fw.Simulated {
		return h + " (simulated)"
	}
	return h + " (measured)"
}

// nseSuspended is S5's end: the extension has called its content handler and
// iOS suspends it. One that still holds a lock on a database in the App
// Group container is killed with 0xdead10cc (F-13); this push got through,
// so the diagnosis is a warning. It runs after the app's side may have
// started on p, so it reads no state of p that side changes.
func (d *Callee) nseSuspended(p *push) {
	if !d.Profile.NSEHoldsDBLock {
		return
	}
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageExtension, Name: "nse-killed",
		Time: time.Now(), Attrs: withState(nil, S5), Diagnosis: &flow.Diagnosis{Stage: flow.StageExtension, Code: CodeNSEKilled,
			Apple:  "0xdead10cc",
			Detail: "the extension called its content handler while still holding a lock on the App Group's SQLite database; iOS suspended it and killed it with 0xdead10cc",
			Hint:   "commit or roll back and close shared-container databases before calling the content handler",
			// The push was handled; the kill follows it.
			Warning: true}})
}
