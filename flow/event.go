package flow

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Event is one thing that happened to one request at one stage.
//
// Time is when the thing began; Duration is how long it took. A simulated
// event stands for time that passes on the simulated iPhone (app launch, the
// callee reaching for the phone): its Duration is simulated time and Waited is
// the wall time the run actually spent on it (zero on a virtual clock). Only
// measured time counts towards a stage's latency.
type Event struct {
	Seq     uint64    `json:"seq,omitempty"`
	TraceID string    `json:"trace_id"`
	CallID  string    `json:"call_id,omitempty"`
	ApnsID  string    `json:"apns_id,omitempty"`
	Stage   Stage     `json:"stage"`
	Name    string    `json:"name"`
	Time    time.Time `json:"time"`
	// Clock names the clock Time was read on: "" is this machine's, where
	// callscope and its simulation run; events from elsewhere (a real
	// iPhone through --ingest) say whose, "device:<name>". Times on two
	// clocks differ by the clocks' skew as well as by what happened, so a
	// hop between them is not a measured latency (Latency.CrossClock).
	Clock     string        `json:"clock,omitempty"`
	Duration  time.Duration `json:"duration_ns,omitempty"`
	Simulated bool          `json:"simulated,omitempty"`
	Waited    time.Duration `json:"waited_ns,omitempty"`
	// Instant marks a system call that does no measurable work in the
	// simulation (CXStartCallAction, PushKit handing over the payload,
	// reportNewIncomingCall, CallKit ringing): it has no duration, and a
	// stage made only of instant and simulated events is shown as
	// instantaneous, not as latency (Latency.Instant).
	Instant bool `json:"instant,omitempty"`
	// Attrs are read-only once emitted: a stage may share one map between
	// events (flow/device does for events that carry only their state), and
	// readers get the map itself. Clone before changing one.
	Attrs     map[string]string `json:"attrs,omitempty"`
	Diagnosis *Diagnosis        `json:"diagnosis,omitempty"`
	// Outcome is set on the event that ends the request, and only there.
	Outcome Outcome `json:"outcome,omitempty"`
	// Push is the request as it crossed the wire, on the event of the
	// stage that saw it (the APNs stage's receipt; a device's arrival),
	// and the answer when there was one. Never the signed JWT.
	Push *PushRecord `json:"push,omitempty"`
	// Plaintext is what the device decrypted, as JSON, on the device lanes'
	// events that read it (the extension's "decrypted", CallKit's report):
	// the request's own fields, never a key. A trace keeps it only with
	// --record-plaintext (RedactPlaintext).
	Plaintext json.RawMessage `json:"plaintext,omitempty"`
}

// Names of the events that mark where a request's path ends. The latency of
// the last stage reached runs up to one of these.
const (
	NameRinging = "ringing" // callkit: CallKit shows the incoming call
	NameShown   = "shown"   // extension: a message's rewritten notification is shown
)

// Sink receives events. Implementations must not block the caller for long:
// stages emit from their hot paths.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard is a Sink that drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// Clone returns a copy of e that shares no maps or pointers with it.
func (e Event) Clone() Event {
	if e.Attrs != nil {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			a[k] = v
		}
		e.Attrs = a
	}
	if e.Diagnosis != nil {
		d := *e.Diagnosis
		e.Diagnosis = &d
	}
	e.Plaintext = slices.Clone(e.Plaintext)
	if e.Push != nil {
		p := *e.Push
		p.Headers = maps.Clone(p.Headers)
		p.Payload = slices.Clone(p.Payload)
		e.Push = &p
	}
	return e
}

// PushRecord is one push as APNs saw it: what a trace keeps so a replay,
// a diff or a re-run has the request itself, not only its size.
type PushRecord struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Headers as received, lower-case names; authorization holds the JWT's
	// header and claims only ("bearer <header>.<claims>.<signature redacted>").
	Headers map[string]string `json:"headers,omitempty"`
	// Payload is the body as sent: already encrypted, the envelope opaque.
	Payload json.RawMessage `json:"payload,omitempty"`
	// The answer: HTTP status, Apple's reason, apns-id, apns-unique-id.
	Status   int    `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	ApnsID   string `json:"apns_id,omitempty"`
	UniqueID string `json:"apns_unique_id,omitempty"`
}
