package device

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/crypto/envelope"
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
	Provider *provider.Client
	Sink     flow.Sink
	Rand     io.Reader // nil: crypto/rand

	mu       sync.Mutex
	outgoing map[string]*outgoing // by trace id
	dirs     map[string][]provider.Device
}

// outgoing is one request in flight and what its devices said so far.
type outgoing struct {
	traceID, callID string
	kind            flow.Kind
	devices         int
	concluded       int
	lastFail        *flow.Diagnosis
	declined        bool
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
	callID := strings.ToUpper(uuid.NewString())
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
		e.Name, e.Time, e.Duration, e.Attrs = name, at, d, attrs
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
	c.mu.Lock()
	og.devices = len(devs)
	c.mu.Unlock()
	for _, d := range devs {
		c.sealAndPost(ctx, og, emit, d, pt, ttl, traceparent)
	}
	if req.Kind == flow.KindCall {
		// O3: reportOutgoingCall(with:startedConnectingAt:) once signalling starts.
		emit("started-connecting", time.Now(), 0, nil)
	}
	return p
}

func (c *Caller) sealAndPost(ctx context.Context, og *outgoing, emit func(string, time.Time, time.Duration, map[string]string),
	d provider.Device, pt envelope.Plaintext, ttl time.Duration, traceparent string) {
	pub, err := base64.RawURLEncoding.DecodeString(d.PublicKey)
	tok, err2 := hex.DecodeString(d.Token)
	if err != nil || err2 != nil {
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageSender, Code: flow.CodeSenderFailed,
			Detail: fmt.Sprintf("device %s: public key or token from the server does not decode", d.Name)}})
		return
	}
	rnd := c.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	t0 := time.Now()
	env, err := envelope.Seal(rnd, envelope.Recipient{Scheme: d.Scheme, PublicKey: pub, DeviceToken: tok}, pt, ttl, t0)
	if err != nil {
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: "sealing for " + d.Name + ": " + err.Error()}})
		return
	}
	body, err := json.Marshal(env)
	if err != nil {
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: err.Error()}})
		return
	}
	emit("sealed", t0, time.Since(t0), map[string]string{
		"scheme": d.Scheme, "kid": d.KID, "device": d.Name, "envelope_bytes": strconv.Itoa(len(body)),
		"ttl": strconv.Itoa(int(ttl / time.Second)),
	})
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
	switch {
	case err != nil:
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: err.Error(),
			Hint: "is the provider server running and reachable?"}})
	case res.Status == 200:
	case res.Status != 0:
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: provider.RejectDiagnosis(res.Status, res.Reason)})
	default:
		code := flow.CodeServerFailed
		if !strings.HasPrefix(res.Error, "push to APNs failed") {
			code = flow.CodeServerRejected
		}
		c.conclude(og, Signal{TraceID: og.traceID, Device: d.Name, Kind: SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageServer, Code: code, Detail: res.Error}})
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
