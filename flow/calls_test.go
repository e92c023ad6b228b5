package flow

import (
	"testing"
	"time"
)

func TestCallsApply(t *testing.T) {
	cs := NewCalls()
	start := ev(StageSender, "start-call-action", 0)
	start.Attrs = map[string]string{AttrKind: "call", AttrFrom: "alice@example.org", AttrTo: "bob@example.org"}
	start.CallID = "C1"
	ring := ev(StageCallKit, NameRinging, 900)
	ring.ApnsID = "a-1"
	c, _ := cs.Apply(start)
	if c.Kind != KindCall || c.From != "alice@example.org" || c.CallID != "C1" || c.Stage != StageSender {
		t.Fatalf("after start: %+v", c)
	}
	c, _ = cs.Apply(ring)
	if !c.Ringing || c.Stage != StageCallKit || c.ApnsID != "a-1" || c.Done() {
		t.Fatalf("after ringing: %+v", c)
	}
	end := ev(StageSender, "connected", 5000)
	end.Outcome = OutcomeConnected
	c, _ = cs.Apply(end)
	if c.Ringing || c.Outcome != OutcomeConnected || !c.Done() || c.Events != 3 {
		t.Fatalf("after end: %+v", c)
	}
	if _, ok := cs.Apply(Event{Stage: StageSender}); ok {
		t.Fatal("an event without a trace id was applied")
	}
	if cs.Len() != 1 || len(cs.List()) != 1 || cs.Evicted() != 0 {
		t.Fatalf("%d calls held, %d evicted, want 1 and 0", cs.Len(), cs.Evicted())
	}
}

func TestCallsFailureDiagnosisWins(t *testing.T) {
	cs := NewCalls()
	reject := ev(StageServer, "apns-rejected", 100)
	reject.Diagnosis = &Diagnosis{Stage: StageAPNs, Code: CodeAPNsRejected, Apple: "BadDeviceToken"}
	final := ev(StageSender, "failed", 200)
	final.Outcome = OutcomeFailed
	final.Diagnosis = &Diagnosis{Stage: StageAPNs, Code: CodeAPNsRejected, Apple: "BadDeviceToken", Detail: "final"}
	reject.Duration = 60 * time.Microsecond
	cs.Apply(ev(StageSender, "compose", 0))
	cs.Apply(reject)
	c, _ := cs.Apply(final)
	if c.Diag == nil || c.Diag.Detail != "final" || c.Outcome != OutcomeFailed {
		t.Fatalf("got %+v", c)
	}
	if c.Latency.Stages[StageServer] != 60*time.Microsecond || c.Latency.Total != 160*time.Microsecond {
		t.Fatalf("latency %+v", c.Latency)
	}
}

// TestCallsObserved: a request no sender here concludes (the standalone
// mock's screen, events from outside) ends on what its events show, and
// Add without observation keeps leaving the verdict to the sender.
func TestCallsObserved(t *testing.T) {
	received := ev(StageAPNs, "received", 0)
	accepted := ev(StageAPNs, NameAccepted, 100)
	rejected := ev(StageAPNs, "rejected", 100)
	rejected.Diagnosis = &Diagnosis{Stage: StageAPNs, Code: CodeAPNsRejected, Apple: "BadDeviceToken"}
	warning := ev(StageAPNs, NameAccepted, 100)
	warning.Diagnosis = &Diagnosis{Stage: StageAPNs, Code: "W_SOMETHING", Warning: true}
	nseRun := ev(StageExtension, "nse-run", 300)
	nseNotRun := ev(StageExtension, "nse-not-run", 300)
	nseNotRun.Diagnosis = &Diagnosis{Stage: StageExtension, Code: CodeNSENotRun, Detail: "no mutable-content"}
	ringing := ev(StageCallKit, NameRinging, 400)
	shown := ev(StageExtension, NameShown, 500)
	shown.Outcome = OutcomeShown
	connected := ev(StageCallKit, "connected", 900)
	connected.Outcome = OutcomeConnected
	lateFail := ev(StageCallKit, "report-failed", 600)
	lateFail.Diagnosis = &Diagnosis{Stage: StageCallKit, Code: CodeIncomingFailed}

	tests := []struct {
		name     string
		observed bool
		events   []Event
		outcome  Outcome
		stage    Stage // the diagnosis's stage, "" for none
		ringing  bool
	}{
		{"accepted ends as accepted", true, []Event{received, accepted}, OutcomeAccepted, "", false},
		{"received alone is in progress", true, []Event{received}, "", "", false},
		{"a rejection ends as failed", true, []Event{received, rejected}, OutcomeFailed, StageAPNs, false},
		{"a warning does not end it", true, []Event{received, warning}, OutcomeAccepted, StageAPNs, false},
		{"a device stage after accepted keeps it accepted", true, []Event{received, accepted, nseRun}, OutcomeAccepted, "", false},
		{"a device failure after accepted makes it failed", true, []Event{received, accepted, nseNotRun}, OutcomeFailed, StageExtension, false},
		{"a device outcome after accepted replaces it", true, []Event{received, accepted, nseRun, shown}, OutcomeShown, "", false},
		{"a phone ringing after accepted rings", true, []Event{received, accepted, ringing}, OutcomeAccepted, "", true},
		{"and then connects", true, []Event{received, accepted, ringing, connected}, OutcomeConnected, "", false},
		{"accepted arriving after a failure does not undo it", true, []Event{received, nseNotRun, accepted}, OutcomeFailed, StageExtension, false},
		{"the first failure ends it", true, []Event{received, rejected, lateFail}, OutcomeFailed, StageAPNs, false},
		{"a sender's own call stays open on accepted", false, []Event{received, accepted, nseRun}, "", "", false},
		{"a sender's own call stays open on a failure", false, []Event{received, rejected}, "", StageAPNs, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := NewCalls()
			var c Call
			for _, e := range tt.events {
				if tt.observed {
					c, _ = cs.ApplyObserved(e)
				} else {
					c, _ = cs.Apply(e)
				}
			}
			if c.Outcome != tt.outcome || c.Done() != (tt.outcome != "") || c.Ringing != tt.ringing {
				t.Fatalf("outcome %q done %v ringing %v, want %q ringing %v", c.Outcome, c.Done(), c.Ringing, tt.outcome, tt.ringing)
			}
			switch {
			case tt.stage == "" && c.Diag != nil:
				t.Fatalf("diagnosis %v, want none", c.Diag)
			case tt.stage != "" && (c.Diag == nil || c.Diag.Stage != tt.stage):
				t.Fatalf("diagnosis %v, want one at %s", c.Diag, tt.stage)
			}
		})
	}
}
