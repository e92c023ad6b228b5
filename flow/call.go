package flow

import "time"

// Outcome is how a request ended.
type Outcome string

const (
	OutcomeConnected  Outcome = "connected"  // the callee answered
	OutcomeDeclined   Outcome = "declined"   // the callee declined (CXCallEndedReason.remoteEnded on the caller)
	OutcomeUnanswered Outcome = "unanswered" // the ring timed out (CXCallEndedReason.unanswered)
	OutcomeShown      Outcome = "shown"      // a message was shown to the callee
	OutcomeFailed     Outcome = "failed"     // a stage failed: see the diagnosis
	// OutcomeAccepted ends a request seen only from APNs on (the standalone
	// mock's screen, events from outside): APNs answered 200, which means
	// accepted, not delivered. No sender here will conclude it, so it counts
	// as done; a device event that reports later (a real phone through
	// --ingest) replaces it with where the push really ended.
	OutcomeAccepted Outcome = "accepted"
)

// Succeeded reports whether the outcome is what the sender wanted: a call
// that connected or a message that was shown.
func (o Outcome) Succeeded() bool { return o == OutcomeConnected || o == OutcomeShown }

// Request is what the caller composes: a call invite or a message.
type Request struct {
	Kind Kind `json:"kind"`
	// To names the callee: a user known to the provider server.
	To string `json:"to"`
	// From is the caller's handle, shown by CallKit.
	From       string `json:"from"`
	FromName   string `json:"from_name,omitempty"`
	HandleType string `json:"handle_type,omitempty"` // generic, phone or email
	Video      bool   `json:"video,omitempty"`
	Text       string `json:"text,omitempty"` // message body
	// TTL is how long the request stays valid, in seconds (envelope ttl,
	// apns-expiration).
	TTL int `json:"ttl,omitempty"`
}

// Call is what callscope knows of one request, rebuilt from its events.
type Call struct {
	TraceID string    `json:"trace_id"`
	CallID  string    `json:"call_id,omitempty"`
	ApnsID  string    `json:"apns_id,omitempty"`
	Kind    Kind      `json:"kind"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Started time.Time `json:"started"`
	// Stage is the furthest stage the request reached.
	Stage   Stage `json:"stage"`
	Ringing bool  `json:"ringing,omitempty"`
	// Observed: no sender here concludes the request; its events decide
	// (Calls.AddObserved). Nothing here can answer it either.
	Observed bool       `json:"observed,omitempty"`
	Outcome  Outcome    `json:"outcome,omitempty"`
	Reason   string     `json:"ended_reason,omitempty"` // CXCallEndedReason, when CallKit ended it
	Latency  Latency    `json:"latency"`
	Diag     *Diagnosis `json:"diagnosis,omitempty"`
	Events   int        `json:"events"`
}

// Done reports whether the call has ended. An accepted push has, as far as
// anyone here knows.
func (c *Call) Done() bool { return c.Outcome != "" }

// Push is a notification as APNs accepted it and hands it to a device: the
// data that crosses the device link.
type Push struct {
	ApnsID     string    `json:"apns_id"`
	Token      string    `json:"token"` // device token, hex
	Topic      string    `json:"topic"`
	PushType   string    `json:"push_type"`
	Priority   int       `json:"priority"`
	Expiration time.Time `json:"expiration,omitzero"` // zero: none given; Unix 0: deliver once or drop
	CollapseID string    `json:"collapse_id,omitempty"`
	Payload    []byte    `json:"payload"`
	Accepted   time.Time `json:"accepted"`
	// TraceID is read from the payload's traceparent key, when there is one.
	TraceID string `json:"trace_id,omitempty"`
	// Forward is what the mock's store-and-forward faults did to the push
	// (nil: it went straight through).
	Forward *Forwarding `json:"forward,omitempty"`
	// Received is when the device read the push off its link to APNs; zero
	// when it was handed over in process.
	Received time.Time `json:"received,omitzero"`
}
