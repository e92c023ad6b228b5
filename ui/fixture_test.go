package ui

import (
	"fmt"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
)

var base = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeController records what the screen asked for; when emit is set it
// answers like the pipeline does, with events.
type fakeController struct {
	mu       sync.Mutex
	sent     []flow.Request
	answered []string
	declined []string
	emit     func(flow.Event)
}

func (f *fakeController) Compose() flow.Request {
	return flow.Request{Kind: flow.KindCall, To: "bob@example.org", From: "alice@example.org", TTL: 45}
}

func (f *fakeController) Send(req flow.Request) (string, error) {
	f.mu.Lock()
	f.sent = append(f.sent, req)
	n := len(f.sent)
	emit := f.emit
	f.mu.Unlock()
	id := fmt.Sprintf("%032x", n)
	if emit != nil {
		for _, e := range ringingEvents(id, callUUID(n), base.Add(time.Duration(n)*time.Second)) {
			emit(e)
		}
	}
	return id, nil
}

func (f *fakeController) Answer(callID string) error {
	f.mu.Lock()
	f.answered = append(f.answered, callID)
	emit := f.emit
	f.mu.Unlock()
	if emit != nil {
		for _, e := range endEvents(traceOf(callID), callID, base.Add(10*time.Second), flow.OutcomeConnected) {
			emit(e)
		}
	}
	return nil
}

func (f *fakeController) Decline(callID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.declined = append(f.declined, callID)
	return nil
}

func callUUID(n int) string { return fmt.Sprintf("E621E1F8-C36C-495A-93FC-%012d", n) }

func traceOf(callID string) string {
	var n int
	fmt.Sscanf(callID[len(callID)-12:], "%d", &n)
	return fmt.Sprintf("%032x", n)
}

func ev(trace, callID string, stage flow.Stage, name string, at time.Time, d time.Duration) flow.Event {
	return flow.Event{TraceID: trace, CallID: callID, Stage: stage, Name: name, Time: at, Duration: d}
}

// ringingEvents is one call from the sender's first event to CallKit ringing,
// with round latencies so goldens stay readable.
func ringingEvents(trace, callID string, t0 time.Time) []flow.Event {
	us := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Microsecond) }
	start := ev(trace, callID, flow.StageSender, "start-call-action", us(0), 0)
	start.Instant = true // CXStartCallAction: a system call, as the caller emits it
	start.Attrs = map[string]string{flow.AttrKind: "call", flow.AttrFrom: "alice@example.org", flow.AttrTo: "bob@example.org"}
	sealed := ev(trace, callID, flow.StageSender, "sealed", us(20), 110*time.Microsecond)
	sealed.Attrs = map[string]string{"alg": "hpke-x25519-sha256-chacha20poly1305"}
	server := ev(trace, "", flow.StageServer, "received", us(400), 0)
	apns := ev(trace, "", flow.StageAPNs, "received", us(1400), 0)
	apns.ApnsID = "5e9d7d40-bca0-405c-95ef-eb8910a73cb4"
	accepted := ev(trace, "", flow.StageAPNs, "accepted", us(1500), 90*time.Microsecond)
	accepted.Attrs = map[string]string{"status": "200"}
	nse := ev(trace, "", flow.StageExtension, "push-received", us(1700), 0)
	launch := ev(trace, "", flow.StageExtension, "nse-launch", us(1710), 20*time.Millisecond)
	launch.Simulated = true
	decrypted := ev(trace, callID, flow.StageExtension, "decrypted", us(1720), 60*time.Microsecond)
	app := ev(trace, callID, flow.StageCallKit, "app-launch", us(2000), 350*time.Millisecond)
	app.Simulated = true
	ring := ev(trace, callID, flow.StageCallKit, flow.NameRinging, us(2300), 0)
	ring.Instant = true // CallKit's part is system calls around the simulated launch
	return []flow.Event{start, sealed, server, apns, accepted, nse, launch, decrypted, app, ring}
}

func endEvents(trace, callID string, at time.Time, o flow.Outcome) []flow.Event {
	think := ev(trace, callID, flow.StageCallKit, string(o), at, 2*time.Second)
	think.Simulated = true
	end := ev(trace, callID, flow.StageSender, "ended", at.Add(time.Millisecond), 0)
	end.Outcome = o
	return []flow.Event{think, end}
}

// failedEvents is a call that dies in the extension: no filtering entitlement.
func failedEvents(trace, callID string, t0 time.Time) []flow.Event {
	all := ringingEvents(trace, callID, t0)[:8]
	f := ev(trace, callID, flow.StageExtension, "report-voip-payload", t0.Add(1800*time.Microsecond), 0)
	f.Diagnosis = &flow.Diagnosis{Stage: flow.StageExtension, Code: "REPORT_FAILED",
		Apple:  "missingNotificationFilteringEntitlement",
		Detail: "reportNewIncomingVoIPPushPayload failed with code 2",
		Hint:   "request com.apple.developer.usernotifications.filtering for the NSE"}
	f.Outcome = flow.OutcomeFailed
	return append(all, f)
}
