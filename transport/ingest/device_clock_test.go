package ingest_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/transport/ingest"
)

// TestDeviceClockEvents: the sender seals a call whose trace id travels
// inside the envelope; the "phone" opens it, reads the trace id from the
// plaintext as docs/ingest-swift.md does, and posts its events on its own
// clock, 12 ms behind (or 40 ms ahead of) this machine's. The server's events
// arrive as a second stream. Both land on one call, the hop from APNs to the
// phone is shown as cross-device, and no negative latency appears.
func TestDeviceClockEvents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		skew  time.Duration
		label string
	}{
		{"phone 12 ms behind", -12 * time.Millisecond, "clock skew ("},
		{"phone 40 ms ahead", 40 * time.Millisecond, "(cross-device clocks)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bus.New()
			defer b.Close()
			sub := b.Subscribe(64)
			srv, err := ingest.Start(ingest.Config{Sink: b})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()

			// The sender: a trace id, the call sealed for the phone.
			traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
			key, _ := keyring.Generate(scheme.Default, rand.Reader)
			token := bytes.Repeat([]byte{0xab}, 32)
			t0 := time.Now()
			env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: key.Public(), DeviceToken: token},
				envelope.Plaintext{Type: "call.invite", CallUUID: envelope.CallUUIDFor(traceID),
					Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email"}}, envelope.SealOptions{Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
			post(t, srv.URL(), []flow.Event{
				{TraceID: traceID, Stage: flow.StageSender, Name: "start-call-action", Time: ms(0)},
				{TraceID: traceID, Stage: flow.StageServer, Name: "received", Time: ms(2)},
				{TraceID: traceID, Stage: flow.StageAPNs, Name: "received", Time: ms(5)},
			})

			// The phone: opens the push, takes the trace id from inside.
			payload, _ := json.Marshal(envelope.Payload{Envelope: env})
			o, err := receiver.Open(payload, receiver.Config{Ring: keyring.NewRing(key), DeviceToken: token})
			if err != nil {
				t.Fatal(err)
			}
			phoneTrace := envelope.TraceIDOf(o.Plaintext)
			if phoneTrace != traceID {
				t.Fatalf("the phone reads trace id %q from the plaintext, want %q", phoneTrace, traceID)
			}
			// Its clock: the true time plus its skew.
			phone := func(n int) time.Time { return ms(n).Add(tc.skew) }
			clock := flow.DeviceClock("Bob's iPhone")
			post(t, srv.URL(), []flow.Event{
				{TraceID: phoneTrace, Clock: clock, Stage: flow.StageExtension, Name: "nse-run", Time: phone(8)},
				{TraceID: phoneTrace, Clock: clock, Stage: flow.StageExtension, Name: "decrypted", Time: phone(9), Duration: 900 * time.Microsecond},
				{TraceID: phoneTrace, Clock: clock, Stage: flow.StageCallKit, Name: "pushkit-delivered", Time: phone(11)},
				{TraceID: phoneTrace, Clock: clock, Stage: flow.StageCallKit, Name: flow.NameRinging, Time: phone(15)},
			})

			// The screen folds what the endpoint emitted into its calls.
			calls := flow.NewCalls()
			deadline := time.After(5 * time.Second)
			for range 7 {
				select {
				case e := <-sub.Events():
					calls.AddObserved(e)
				case <-deadline:
					t.Fatalf("%d calls, events missing", calls.Len())
				}
			}
			if calls.Len() != 1 {
				t.Fatalf("%d calls, want the server's and the phone's events on one", calls.Len())
			}
			c, _ := calls.Get(traceID)
			if c.Stage != flow.StageCallKit || !c.Ringing {
				t.Fatalf("call reached %s, ringing %v", c.Stage, c.Ringing)
			}
			if got := c.Latency.Label(flow.StageAPNs); !strings.Contains(got, tc.label) {
				t.Errorf("APNs→phone hop %q, want it shown as %q", got, tc.label)
			}
			if _, measured := c.Latency.Get(flow.StageAPNs); measured {
				t.Error("the cross-device hop counts as a measured latency")
			}
			for _, s := range flow.Stages {
				if d, ok := c.Latency.Get(s); ok && d < 0 {
					t.Errorf("%s: negative latency %v", s, d)
				}
				if regexp.MustCompile(`[-−][0-9.]+(µs|ms|s)\b`).MatchString(c.Latency.Label(s)) {
					t.Errorf("%s: label %q shows a negative time", s, c.Latency.Label(s))
				}
			}
			// Hops on one clock stay measured: the server's and the phone's own.
			for s, want := range map[flow.Stage]time.Duration{flow.StageServer: 3 * time.Millisecond,
				flow.StageExtension: 3 * time.Millisecond, flow.StageCallKit: 4 * time.Millisecond} {
				if d, ok := c.Latency.Get(s); !ok || d != want {
					t.Errorf("%s: %v (%v), want %v measured", s, d, ok, want)
				}
			}
			if c.Latency.Total != 12*time.Millisecond {
				t.Errorf("total %v, want 12ms: the cross-device hop left out", c.Latency.Total)
			}
		})
	}
}

func post(t *testing.T, url string, events []flow.Event) {
	t.Helper()
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.Post(url, "application/x-ndjson", &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ans struct{ Accepted, Rejected int }
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil || res.StatusCode != 200 || ans.Accepted != len(events) {
		t.Fatalf("%s: %+v, %v", res.Status, ans, err)
	}
}
