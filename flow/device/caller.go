package device

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/provider"
)

// Caller is the caller's app: it starts calls through CallKit
// (CXStartCallAction), seals them for each of the callee's devices and hands
// the envelopes to its provider server. It learns the outcome from the
// callee's devices over the apps' own connection (Signal).
type Caller struct {
	Handle   string // the caller's handle, e.g. alice@example.org
	Name     string
	Provider Provider
	Sink     flow.Sink
	Rand     io.Reader // nil: crypto/rand
	Faults   SenderFaults
	// Signer is the caller's Ed25519 identity key; nil sends unsigned
	// requests (W_UNSIGNED at the callee). See crypto.go.
	Signer *keyring.SigningKey

	mu       sync.Mutex
	outgoing map[string]*outgoing // by trace id
	sealedMu sync.Mutex
	sealed   map[string][]*envelope.Envelope // by trace id, as sealed (crypto.go), until the request ends
	dirs     map[string][]provider.Device
}

// Provider is the caller app's provider server as the app uses it: look up
// a user's devices, hand over an envelope for one. *provider.Client is
// callscope's built-in server; a team's own server is reached through a
// request template (flow/pipeline).
type Provider interface {
	Devices(ctx context.Context, user string) ([]provider.Device, error)
	Push(ctx context.Context, req provider.PushRequest) (provider.PushResult, error)
}

// outgoing is one request in flight and what its devices said so far.
type outgoing struct {
	traceID, callID string
	kind            flow.Kind
	devices         int
	concluded       int
	lastFail        *flow.Diagnosis
	unanswered      bool
	done            chan flow.Outcome
	ended           bool
}

// Placed is a request the caller has handed to the server.
type Placed struct {
	TraceID string
	CallID  string
	// Done receives the outcome once, when the request ends.
	Done <-chan flow.Outcome
}

// Place composes, seals and posts a request to every device of req.To,
// tagged with traceparent (see provider.NewTraceParent). It
// returns once the server has answered for each device; the outcome arrives on
// Placed.Done. A request that cannot be sent ends at once with a diagnosis.
func (c *Caller) Place(ctx context.Context, req flow.Request, traceparent string) Placed {
	traceID := provider.TraceID(traceparent)
	// The call_uuid is the trace id as a UUID: a real phone that opens the
	// envelope posts its events under this call without a byte more in the
	// padded plaintext (envelope.TraceIDOf, docs/ingest-swift.md).
	callID := envelope.CallUUIDFor(traceID)
	if callID == "" {
		callID = strings.ToUpper(uuid.NewString())
	}
	og := &outgoing{traceID: traceID, callID: callID, kind: req.Kind, done: make(chan flow.Outcome, 1)}
	c.mu.Lock()
	if c.outgoing == nil {
		c.outgoing = map[string]*outgoing{}
	}
	c.outgoing[traceID] = og
	c.mu.Unlock()
	p := Placed{TraceID: traceID, CallID: callID, Done: og.done}

	ev := flow.Event{TraceID: traceID, CallID: callID, Stage: flow.StageSender}
	emit := func(name string, at time.Time, d time.Duration, attrs map[string]string) {
		e := ev
		e.Name, e.Time, e.Duration, e.Attrs = name, at, d, withState(attrs, callerStates[name])
		if callerSyscalls[name] {
			e.Instant, e.Duration = true, 0
		}
		c.Sink.Emit(e)
	}
	start := time.Now()
	attrs := map[string]string{flow.AttrKind: string(req.Kind), flow.AttrFrom: c.Handle, flow.AttrTo: req.To}
	if req.Kind == flow.KindCall {
		// O1–O2: CXStartCallAction through CXCallController; the provider
		// delegate fulfils it at once (waiting makes CallKit show "Failed Call").
		attrs["video"] = strconv.FormatBool(req.Video)
		emit("start-call-action", start, time.Since(start), attrs)
	} else {
		emit("compose", start, time.Since(start), attrs)
	}

	devs, err := c.devices(ctx, req.To)
	if err != nil {
		c.fail(og, &flow.Diagnosis{Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: err.Error(),
			Hint: "the callee must have registered a device with the provider server"})
		return p
	}
	pt, ttl := c.plaintext(req, callID)
	f := c.Faults
	pushes := 1
	if f.Replay || f.DuplicateUUID {
		pushes = 2
	}
	c.mu.Lock()
	og.devices = len(devs) * pushes
	c.mu.Unlock()
	hangup := envelope.Plaintext{Type: "call.hangup", CallUUID: callID,
		Caller: &envelope.Caller{Handle: c.Handle, HandleType: handleType(req, c.Handle), Name: c.Name}}
	if req.Kind == flow.KindCall {
		// O3: reportOutgoingCall(with:startedConnectingAt:) as signalling
		// starts, not after it: the callee may answer before the server's
		// HTTP answer is back.
		emit("started-connecting", time.Now(), 0, nil)
	}
	for _, d := range devs {
		if f.Hangup == "before" {
			if body, ok := c.seal(og, emit, d, hangup, ttl); ok {
				c.post(ctx, og, emit, d, body, traceparent, false)
			}
		}
		body, ok := c.seal(og, emit, d, pt, ttl)
		if !ok {
			continue
		}
		c.post(ctx, og, emit, d, body, traceparent, true)
		switch {
		case f.Replay:
			c.post(ctx, og, emit, d, body, traceparent, true)
		case f.DuplicateUUID:
			if body, ok := c.seal(og, emit, d, pt, ttl); ok {
				c.post(ctx, og, emit, d, body, traceparent, true)
			}
		}
		if f.FollowUp {
			// From this caller: its key signs only for its own handle.
			msg := envelope.Plaintext{Type: "message", CallUUID: strings.ToUpper(uuid.NewString()), Text: "(another conversation)",
				Caller: &envelope.Caller{Handle: c.Handle, HandleType: handleType(req, c.Handle), Name: c.Name}}
			if body, ok := c.seal(og, emit, d, msg, ttl); ok {
				tp, _ := provider.NewTraceParent()
				c.post(ctx, og, emit, d, body, tp, false)
			}
		}
		if f.Hangup == "after" {
			if body, ok := c.seal(og, emit, d, hangup, ttl); ok {
				c.post(ctx, og, emit, d, body, traceparent, false)
			}
		}
	}
	c.mu.Lock()
	ended := og.ended
	c.mu.Unlock()
	if ended {
		// It ended while we were still sealing for its other devices:
		// end dropped what was sealed before, this drops the rest.
		c.dropSealed(traceID)
	}
	return p
}

// plaintext is what Place seals for req, and for how long: Preview shows
// the same.
func (c *Caller) plaintext(req flow.Request, callID string) (envelope.Plaintext, time.Duration) {
	pt := envelope.Plaintext{Type: "call.invite", CallUUID: callID, Video: req.Video,
		Caller: &envelope.Caller{Handle: c.Handle, HandleType: handleType(req, c.Handle), Name: c.Name}}
	if req.Kind == flow.KindMessage {
		pt = envelope.Plaintext{Type: "message", CallUUID: callID, Text: req.Text,
			Caller: &envelope.Caller{Handle: c.Handle, HandleType: handleType(req, c.Handle), Name: c.Name}}
	}
	ttl := time.Duration(req.TTL) * time.Second
	if ttl <= 0 {
		ttl = 45 * time.Second
	}
	if c.Faults.PadBytes > 0 {
		pt.Caller.Name += strings.Repeat(" ", c.Faults.PadBytes)
	}
	return pt, ttl
}

// callerStates places the caller's events in O0–O5 (docs/device-rules.md#the-callers-side). O2, the
// system accepting the transaction and the delegate fulfilling it, happens
// within start-call-action.
var callerStates = map[string]State{
	"compose": O0, "start-call-action": O1, "sealed": O3, "posted": O3, "started-connecting": O3,
	"connected": O4, "delivered": O5, "ended": O5, "failed": O5,
}

type emitFunc func(name string, at time.Time, d time.Duration, attrs map[string]string)

// seal seals pt for one device; a failure concludes that device.
func (c *Caller) seal(og *outgoing, emit emitFunc, d provider.Device, pt envelope.Plaintext, ttl time.Duration) ([]byte, bool) {
	t0 := time.Now()
	body, _, err := c.sealDevice(og.traceID, d, pt, ttl)
	if err != nil {
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: "device " + d.Name + ": " + err.Error()}})
		return nil, false
	}
	emit("sealed", t0, time.Since(t0), map[string]string{
		"scheme": d.Scheme, "kid": d.KID, "device": d.Name, "envelope_bytes": strconv.Itoa(len(body)),
		"ttl": strconv.Itoa(int(ttl / time.Second)), "type": pt.Type,
	})
	return body, true
}

// sealDevice seals pt for one device as the server listed it, with the
// sender's faults: the envelope's JSON and the envelope. Preview seals
// through it too.
func (c *Caller) sealDevice(traceID string, d provider.Device, pt envelope.Plaintext, ttl time.Duration) ([]byte, *envelope.Envelope, error) {
	pub, err := base64.RawURLEncoding.DecodeString(d.PublicKey)
	if err != nil {
		return nil, nil, errors.New("the public key from the server does not decode: " + err.Error())
	}
	tok, err := hex.DecodeString(d.Token)
	if err != nil {
		return nil, nil, errors.New("the token from the server is not hex")
	}
	rnd := c.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	f := c.Faults
	if f.WrongKey {
		// A stale key directory: the device has since rotated its key.
		k, err := keyring.Generate(d.Scheme, rnd)
		if err != nil {
			return nil, nil, err
		}
		pub = k.Public()
	}
	if f.MisrouteRcpt {
		tok = append([]byte(nil), tok...)
		tok[0] ^= 0xff // another device's token: a stale registration on the server
	}
	env, err := c.sealFor(traceID, envelope.Recipient{Scheme: d.Scheme, PublicKey: pub, DeviceToken: tok}, pt, ttl, rnd)
	if err != nil {
		return nil, nil, errors.New("sealing: " + err.Error())
	}
	// MarshalJSON itself: what json.Marshal returns for an Envelope (its
	// JSON is compact and escaped already), without compacting and
	// checking the whole envelope again, on every call's path.
	body, err := env.MarshalJSON()
	if err != nil {
		return nil, nil, err
	}
	return body, env, nil
}

// post hands one envelope to the server. Only pushes that can end the
// request (invites and messages) conclude a device when they fail.
func (c *Caller) post(ctx context.Context, og *outgoing, emit emitFunc, d provider.Device, body []byte, traceparent string, concludes bool) {
	t1 := time.Now()
	res, err := c.Provider.Push(ctx, provider.PushRequest{Token: d.Token, Envelope: body, TraceParent: traceparent})
	rtt := time.Since(t1)
	attrs := map[string]string{"device": d.Name, "status": strconv.Itoa(res.Status)}
	if res.ApnsID != "" {
		attrs["apns-id"] = res.ApnsID
	}
	if res.Reason != "" {
		attrs["reason"] = res.Reason
	}
	emit("posted", t1, rtt, attrs)
	var diag *flow.Diagnosis
	switch {
	case err != nil:
		diag = &flow.Diagnosis{Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: err.Error(),
			Hint: "is the provider server running and reachable?"}
	case res.Status == 200:
		return
	case res.Status != 0:
		diag = provider.RejectDiagnosis(res.Status, res.Reason)
	default:
		code := flow.CodeServerFailed
		if !strings.HasPrefix(res.Error, "push to APNs failed") {
			code = flow.CodeServerRejected
		}
		diag = &flow.Diagnosis{Stage: flow.StageServer, Code: code, Detail: res.Error}
	}
	if concludes {
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: diag})
	}
}

func handleType(req flow.Request, handle string) string {
	if req.HandleType != "" {
		return req.HandleType
	}
	if strings.Contains(handle, "@") {
		return "email"
	}
	if strings.HasPrefix(handle, "+") {
		return "phone"
	}
	return "generic"
}

// devices returns the callee's devices, cached as apps cache their contacts' keys.
func (c *Caller) devices(ctx context.Context, user string) ([]provider.Device, error) {
	c.mu.Lock()
	d, ok := c.dirs[user]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := c.Provider.Devices(ctx, user)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.dirs == nil {
		c.dirs = map[string][]provider.Device{}
	}
	c.dirs[user] = d
	c.mu.Unlock()
	return d, nil
}

// Forget drops cached device lists, as after a key change.
func (c *Caller) Forget() {
	c.mu.Lock()
	c.dirs = nil
	c.mu.Unlock()
}

// dropSealed forgets the envelopes sealed for a request that has ended: a
// long run must not keep every call it made. A push of that request still
// on its way (a late hang-up) is then diagnosed without the sender's copy,
// as a real extension always is.
func (c *Caller) dropSealed(traceID string) {
	c.sealedMu.Lock()
	delete(c.sealed, traceID)
	c.sealedMu.Unlock()
}

// Pending is how many requests the caller still holds state for (in flight,
// or with envelopes kept for diagnosis); zero once every request has ended.
func (c *Caller) Pending() int {
	c.mu.Lock()
	n := len(c.outgoing)
	c.mu.Unlock()
	c.sealedMu.Lock()
	defer c.sealedMu.Unlock()
	return max(n, len(c.sealed))
}
