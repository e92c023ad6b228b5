package device

// State is a state of docs/device-rules.md#states: S0–S10 on the callee's iPhone, O0–O5 in
// the caller's app. Every device event carries the state it happened in as
// the attribute "state"; the first event of a state is the transition into
// it. A trace thus shows the state machine's path, and a test can assert it.
// S1 (in flight) belongs to APNs's events and S0 to Profile.Lint: the
// device's first event, push-received, is already in S2.
type State string

// The callee's states (docs/device-rules.md#states).
const (
	S0  State = "S0"  // static preconditions: Profile.Lint
	S1  State = "S1"  // push in flight; the device link delivers it
	S2  State = "S2"  // NSE launch gate
	S3  State = "S3"  // NSE running (time budget, memory cap, startup)
	S4  State = "S4"  // keys, decrypt and classify (crypto/receiver)
	S5  State = "S5"  // the NSE hands the call off, or rewrites a message
	S6  State = "S6"  // the system launches the app
	S7  State = "S7"  // PushKit delivers; the app must report to CallKit
	S8  State = "S8"  // ringing
	S9  State = "S9"  // connected
	S10 State = "S10" // ended
)

// The caller's states (docs/device-rules.md#the-callers-side).
const (
	O0 State = "O0" // the user taps call (or composes a message)
	O1 State = "O1" // CXStartCallAction through CXCallController
	O3 State = "O3" // sealed and sent to the provider server
	O4 State = "O4" // the callee answered: reportOutgoingCall(connectedAt:)
	O5 State = "O5" // ended
)

// AttrState is the event attribute that names the state.
const AttrState = "state"

// withState returns attrs with the state added. Callers pass maps they
// built for this one event, or nil: an event with no other attribute gets
// its state's shared map (stateOnly).
func withState(attrs map[string]string, s State) map[string]string {
	if s == "" {
		return attrs
	}
	if attrs == nil {
		if m := stateOnly[s]; m != nil {
			return m
		}
		attrs = make(map[string]string, 1)
	}
	attrs[AttrState] = string(s)
	return attrs
}

// stateOnly holds, per state, the attributes of an event that carries its
// state alone: one map shared by all such events (five a call), which
// each made anew. Emitted attributes are only ever read (flow.Event.Attrs).
var stateOnly = func() map[State]map[string]string {
	m := map[State]map[string]string{}
	for _, s := range []State{S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, O0, O1, O3, O4, O5} {
		m[s] = map[string]string{AttrState: string(s)}
	}
	return m
}()
