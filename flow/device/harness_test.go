package device

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/provider"
)

// wait is how long a test waits on an event before it fails: a deadline,
// never a sleep. Everything runs on a virtual clock, so it is generous.
const wait = 5 * time.Second

// recorder is a flow.Sink and a Signaler that keeps everything it gets.
// Tests wait on it for a signal with a deadline.
type recorder struct {
	mu      sync.Mutex
	events  []flow.Event
	signals []Signal
	taken   map[int]bool  // signals a wait already returned
	changed chan struct{} // closed and replaced on every signal
	// onSignal, when set, sees every signal first (answeredElsewhere).
	onSignal func(Signal)
}

func newRecorder() *recorder { return &recorder{taken: map[int]bool{}, changed: make(chan struct{})} }

func (r *recorder) Emit(e flow.Event) {
	r.mu.Lock()
	r.events = append(r.events, e.Clone())
	r.mu.Unlock()
}

func (r *recorder) Signal(s Signal) {
	if r.onSignal != nil {
		r.onSignal(s)
	}
	r.mu.Lock()
	r.signals = append(r.signals, s)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// trace returns the events of one trace id, in emission order.
func (r *recorder) trace(id string) []flow.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []flow.Event
	for _, e := range r.events {
		if e.TraceID == id {
			out = append(out, e)
		}
	}
	return out
}

// await waits for the first signal matching ok that no wait returned yet.
func (r *recorder) await(t testing.TB, what string, ok func(Signal) bool) Signal {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for i, s := range r.signals {
			if !r.taken[i] && ok(s) {
				r.taken[i] = true
				r.mu.Unlock()
				return s
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no %s within %s", what, wait)
			return Signal{}
		}
	}
}

// next waits for the next signal for traceID other than "ringing".
func (r *recorder) next(t testing.TB, traceID string) Signal {
	t.Helper()
	return r.await(t, "signal for trace "+traceID, func(s Signal) bool { return s.TraceID == traceID && s.Kind != SignalRinging })
}

// ringing waits until the named device rings for callID.
func (r *recorder) ringing(t testing.TB, device, callID string) {
	t.Helper()
	r.await(t, device+" ringing", func(s Signal) bool {
		return s.Kind == SignalRinging && s.Device == device && s.CallID == callID
	})
}

// testCaller signs the harness's requests; every phone trusts it.
var testCaller, _ = keyring.GenerateSigning(rand.Reader)

// phone is one simulated callee device with its key and token.
type phone struct {
	*Callee
	key   *keyring.Key
	token []byte
}

func newPhone(t testing.TB, prof Profile, rec *recorder, clock flow.Clock) *phone {
	t.Helper()
	key, err := keyring.Generate(scheme.Default, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	d := &Callee{Profile: prof, Token: hex.EncodeToString(tok), Ring: keyring.NewRing(key), Replay: replay.NewMemory(),
		Sink: rec, Signal: rec, Clock: clock, Signers: keyring.NewSigners("alice@example.org", testCaller)}
	d.Start(context.Background())
	t.Cleanup(d.Close)
	return &phone{Callee: d, key: key, token: tok}
}

// request is what the tests send: a plaintext and how the server pushes it.
type request struct {
	typ      string // call.invite (default), call.hangup or message
	callID   string // "" = a new UUID
	opts     provider.PushOptions
	backdate time.Duration
}

// push seals rq for the phone and builds the push APNs would hand it, as the
// provider server does. It returns the push and its call UUID.
func (ph *phone) push(t testing.TB, rq request) (flow.Push, string) {
	t.Helper()
	if rq.typ == "" {
		rq.typ = "call.invite"
	}
	if rq.callID == "" {
		rq.callID = strings.ToUpper(uuid.NewString())
	}
	pt := envelope.Plaintext{Type: rq.typ, CallUUID: rq.callID, Text: "hello",
		Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
	env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: ph.key.Public(), DeviceToken: ph.token},
		pt, envelope.SealOptions{TTL: 45 * time.Second, Now: time.Now().Add(-rq.backdate), Signer: testCaller})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	tp, traceID := provider.NewTraceParent()
	payload, _, err := provider.BuildPayload(body, tp, rq.opts)
	if err != nil {
		t.Fatal(err)
	}
	pushType := rq.opts.PushType
	if pushType == "" {
		pushType = "alert"
	}
	return flow.Push{ApnsID: uuid.NewString(), Token: ph.Token, Topic: "org.callscope.demo", PushType: pushType,
		Priority: 10, Payload: payload, Accepted: time.Now(), TraceID: traceID}, rq.callID
}

// settle waits until the phone has nothing queued or running.
func (ph *phone) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ph.Settle(ctx); err != nil {
		t.Fatalf("%s did not settle: %v", ph.Profile.Name, err)
	}
}

// path is the states a trace's device events went through, repeats folded.
func path(evs []flow.Event) string {
	var out []string
	for _, e := range evs {
		s := e.Attrs[AttrState]
		if e.Stage != flow.StageExtension && e.Stage != flow.StageCallKit || s == "" {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// firstDiag is the first diagnosis among evs.
func firstDiag(evs []flow.Event) *flow.Diagnosis {
	for _, e := range evs {
		if e.Diagnosis != nil {
			return e.Diagnosis
		}
	}
	return nil
}

func names(evs []flow.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Attrs[AttrState]+":"+e.Name)
	}
	return strings.Join(out, " ")
}
