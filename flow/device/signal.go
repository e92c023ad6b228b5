package device

import "github.com/callscope/callscope/flow"

// SignalKind is what a callee device tells the caller over the apps' own
// connection (not APNs: Apple asks apps not to use pushes to update a call).
type SignalKind string

const (
	SignalShown      SignalKind = "shown"      // a message was shown
	SignalRinging    SignalKind = "ringing"    // CallKit is ringing
	SignalAnswered   SignalKind = "answered"   // the callee answered
	SignalDeclined   SignalKind = "declined"   // the callee declined
	SignalUnanswered SignalKind = "unanswered" // the ring ran out
	SignalFailed     SignalKind = "failed"     // the device could not ring or show it
)

// Signal is one device's news about one request, keyed by the trace id that
// travels in clear beside the envelope: a device that cannot open the
// envelope still knows it.
type Signal struct {
	TraceID string
	CallID  string
	Device  string // device name
	Kind    SignalKind
	Diag    *flow.Diagnosis
}

// Signaler receives signals from callee devices.
type Signaler interface {
	Signal(Signal)
}
