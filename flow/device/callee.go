package device

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/flow"
)

// Callee is the callee's iPhone: its Notification Service Extension, the app
// with its PushKit delegate, and CallKit. It is an apnsmock.Link: APNs hands
// it pushes with Deliver.
type Callee struct {
	Profile Profile
	Token   string // APNs device token, hex
	Ring    *keyring.Ring
	Replay  *replay.Cache // nil: no replay check
	// Sent returns what the caller sealed for a trace, so the NSE's E_AUTH
	// diagnosis can name the edit on the way (nil: no such view).
	Sent func(traceID string) []*envelope.Envelope
	// Signers are the caller keys whose signatures the NSE accepts.
	Signers *keyring.Signers
	// Decrypt is a team's own decryptor (--decrypt-cmd); nil: VPE1.
	Decrypt receiver.Decryptor
	// Skew is the clock skew the NSE's receiver allows (0: its default,
	// receiver.DefaultSkew).
	Skew   time.Duration
	Sink   flow.Sink
	Clock  flow.Clock
	Signal Signaler
	Now    func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	qmu     sync.Mutex
	queue   []queued
	working bool
	busy    int           // pushes queued or in work, app sides running
	idle    chan struct{} // closed when busy drops to zero
	spare   chan func()   // app-side goroutines waiting for work (appWorker)

	// Nothing here grows with the calls of a run: calls end, seen keeps
	// the latest only, taken and hungUp forget after memoWindow.
	mu     sync.Mutex
	calls  map[string]*incoming // CallKit's ringing calls, by call UUID
	taken  memo[SignalKind]     // calls answered or declined on another device before they rang here
	seen   recent               // the call UUIDs last reported to CallKit on this device
	hungUp memo[struct{}]       // calls whose hang-up arrived before their invite
	// voipFailures counts VoIP payloads in a row the app failed to report;
	// it starts at Profile.VoIPFailures.
	voipFailures int
	// tokenBytes is Token decoded at Start (tokenHex): every push's open
	// needs the raw bytes, and decoding them each time was an allocation.
	tokenHex   string
	tokenBytes []byte
}

// Start readies the device; Close stops it and waits for work in flight.
func (d *Callee) Start(ctx context.Context) {
	d.ctx, d.cancel = context.WithCancel(ctx)
	d.spare = make(chan func())
	d.calls = map[string]*incoming{}
	d.seen = recent{limit: recentCalls(d.Profile)}
	d.voipFailures = d.Profile.VoIPFailures
	d.tokenHex = d.Token
	d.tokenBytes, _ = hex.DecodeString(d.Token)
	if d.Clock == nil {
		d.Clock = flow.VirtualClock{}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sink == nil {
		d.Sink = flow.Discard
	}
	if err := d.rotateKey(); err != nil {
		panic("device: rotating the key: " + err.Error()) // crypto/rand failed
	}
}

// Close ends every ringing call and waits for the device to settle.
func (d *Callee) Close() {
	d.qmu.Lock()
	d.cancel() // under qmu: no Deliver starts a worker after this
	d.qmu.Unlock()
	d.wg.Wait()
}

// push is what one delivery carries through the stages of the device.
type push struct {
	flow.Push
	callID   string
	noSignal bool  // a hang-up: its fate does not end the request
	state    State // where the push is in docs/device-rules.md#states; every event carries it
	// ctx is the device's context tagged with the push's trace, for the
	// simulated waits (flow.WithTrace): made once per push, not per wait.
	ctx context.Context
	// plaintext is what the device decrypted, as JSON, once it has: on
	// the events of the lanes that read it (plaintextJSON).
	plaintext json.RawMessage
}

// enter moves the push to state s: the events that follow carry it.
func (p *push) enter(s State) { p.state = s }

func (d *Callee) emit(p *push, stage flow.Stage, name string, at time.Time, dur time.Duration, attrs map[string]string, diag *flow.Diagnosis) {
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: stage, Name: name,
		Time: at, Duration: dur, Attrs: withState(attrs, p.state), Diagnosis: diag})
}

// simulate waits simulated time on the device's clock and records it.
func (d *Callee) simulate(p *push, stage flow.Stage, name string, dur time.Duration, attrs map[string]string) error {
	at := time.Now()
	waited, err := d.Clock.Sleep(p.ctx, dur)
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: stage, Name: name,
		Time: at, Duration: dur, Simulated: true, Waited: waited, Attrs: withState(attrs, p.state)})
	return err
}

func (d *Callee) fail(p *push, stage flow.Stage, name string, diag *flow.Diagnosis) {
	d.emit(p, stage, name, time.Now(), 0, nil, diag)
	if p.noSignal {
		return
	}
	d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: SignalFailed, Diag: diag})
}

// payloadAPS is the part of the payload iOS reads before the extension runs.
type payloadAPS struct {
	APS struct {
		Alert          json.RawMessage `json:"alert"`
		MutableContent int             `json:"mutable-content"`
	} `json:"aps"`
	TraceParent string `json:"traceparent"`
	// VPE is the envelope's header, in clear beside its ciphertext: on
	// record on the device's lane (envelopeAttr).
	// Raw, so that a malformed one changes nothing here: the receiver's
	// checks report it.
	VPE json.RawMessage `json:"vpe"`
}

// receive is S1–S5: the push arrives, iOS decides whether the extension
// runs, the extension opens the envelope and either hands a call to CallKit
// or rewrites a message's notification.
func (d *Callee) receive(pp flow.Push) {
	p := &push{Push: pp, state: S2} // delivered: S1 (in flight) ends, the launch gate decides
	start := time.Now()
	if !pp.Received.IsZero() {
		start = pp.Received // read off the device link: APNs's hop ends there, the queue is the device's
	}
	var pl payloadAPS
	perr := decodePayload(p.Payload, &pl)
	if p.TraceID == "" {
		p.TraceID = traceIDOf(pl.TraceParent)
	}
	p.ctx = flow.WithTrace(d.ctx, p.TraceID)
	d.emit(p, flow.StageExtension, "push-received", start, 0, envelopeAttrValid(pl.VPE, map[string]string{
		"push_type": p.PushType, "priority": strconv.Itoa(p.Priority), "payload_bytes": strconv.Itoa(len(p.Payload)),
		"device": d.Profile.Name,
	}), nil)

	if p.PushType == "voip" {
		// A real PushKit push: no extension; iOS launches the app directly.
		d.async(p, func() { d.voipPush(p) })
		return
	}
	// S2: the NSE launch gate.
	p.enter(S2)
	if why := d.nseGate(p, pl, perr); why != nil {
		d.fail(p, flow.StageExtension, "nse-not-run", why)
		return
	}
	// S3: the extension process starts and gets didReceive(_:withContentHandler:).
	p.enter(S3)
	why, ok := d.nseLimits(p)
	if !ok {
		return // the device is shutting down
	}
	if why != nil {
		d.fail(p, flow.StageExtension, "placeholder-shown", why)
		return
	}
	d.emit(p, flow.StageExtension, "did-receive", time.Now(), 0, map[string]string{"budget": d.Profile.NSEBudget.String() + " (simulated)"}, nil)
	defer d.nseSuspended(p) // nse.go: started, not killed: iOS suspends it when it is done

	// S4: keys from the shared keychain, then decrypt and classify.
	p.enter(S4)
	if why := d.keysReadable(); why != nil {
		d.fail(p, flow.StageExtension, "placeholder-shown", why)
		return
	}
	t0 := time.Now()
	rcfg := d.receiverConfig(p)
	opened, err := receiver.Open(p.Payload, rcfg)
	dur := time.Since(t0)
	if err != nil {
		diag := &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeDecryptFailed, Detail: err.Error(),
			Hint: "the original alert is shown instead: the callee sees the placeholder and no call"}
		var re *receiver.Error
		if errors.As(err, &re) {
			diag.Code, diag.Detail = flow.Code(re.Code), re.Detail
			if re.Explanation != "" {
				diag.Hint = re.Explanation
			}
		}
		d.emit(p, flow.StageExtension, "decrypt-failed", t0, dur, map[string]string{AttrFailedCheck: string(diag.Code)}, nil)
		d.fail(p, flow.StageExtension, "placeholder-shown", heldTooLong(p, rcfg, diag)) // nse.go
		return
	}
	pt := opened.Plaintext
	p.callID, p.plaintext = pt.CallUUID, plaintextJSON(pt)
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, CallID: p.callID, ApnsID: p.ApnsID, Stage: flow.StageExtension, Name: "decrypted",
		Time: t0, Duration: dur, Attrs: withState(decryptedAttrs(opened), p.state), Diagnosis: openedWarning(opened), Plaintext: p.plaintext})
	if why := d.fresh(p, pt); why != nil {
		d.fail(p, flow.StageExtension, "placeholder-shown", why)
		return
	}

	switch pt.Type {
	case "message":
		p.enter(S5) // the NSE hands back the rewritten content
		title := pt.Caller.Name
		if title == "" {
			title = pt.Caller.Handle
		}
		d.emit(p, flow.StageExtension, flow.NameShown, time.Now(), 0, map[string]string{"title": title, "body": pt.Text}, nil)
		d.Signal.Signal(Signal{TraceID: p.TraceID, CallID: p.callID, Device: d.Profile.Name, Kind: SignalShown})
	case "call.invite":
		d.relayCall(p, pt)
	case "call.hangup":
		d.hangup(p, pt)
	default:
		d.fail(p, flow.StageExtension, "unknown-type", &flow.Diagnosis{Stage: flow.StageExtension, Code: "E_PAYLOAD",
			Detail: "plaintext type " + strconv.Quote(pt.Type) + " is neither call.invite nor message"})
	}
}

// nseGate is S2: iOS runs the extension only for an alert with
// mutable-content 1 and a title, subtitle or body, for an app whose alerts are
// allowed.
func (d *Callee) nseGate(p *push, pl payloadAPS, perr error) *flow.Diagnosis {
	diag := func(detail, hint string) *flow.Diagnosis {
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeNSENotRun, Detail: detail, Hint: hint}
	}
	switch {
	case !d.Profile.NSEInstalled:
		return diag("no Notification Service Extension is registered for the app",
			"embed the .appex with extension point com.apple.usernotifications.service")
	case !d.Profile.AlertsEnabled:
		return diag("the user turned off alerts for the app, so iOS never employs the extension",
			"calls via the NSE need notification permission; detect it and warn the user")
	case perr != nil:
		return diag("the payload is not JSON: "+perr.Error(), "")
	case p.PushType != "alert":
		return diag("apns-push-type is "+strconv.Quote(p.PushType)+", not alert: the NSE runs only for alert pushes",
			"send E2EE call requests with apns-push-type: alert")
	case pl.APS.MutableContent != 1:
		return diag("aps.mutable-content is not 1: iOS shows the notification as sent and never runs the extension (NSE not run: no mutable-content)",
			`add "mutable-content": 1 to aps (some push vendors strip it)`)
	case !hasAlertText(pl.APS.Alert):
		return diag("aps.alert has no title, subtitle or body: the extension runs only for a visible alert",
			"send a generic placeholder alert the NSE can replace")
	}
	return nil
}

func hasAlertText(raw json.RawMessage) bool {
	if text, ok := alertTextFast(raw); ok {
		return text
	}
	var a struct{ Title, Subtitle, Body string }
	if json.Unmarshal(raw, &a) != nil {
		return false // a string alert: Apple documents only the dictionary form for the NSE
	}
	return a.Title != "" || a.Subtitle != "" || a.Body != ""
}

func traceIDOf(tp string) string {
	if len(tp) == 55 && tp[2] == '-' && tp[35] == '-' {
		return tp[3:35]
	}
	return ""
}
