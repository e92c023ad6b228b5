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
	cs.Forget("t")
	if cs.Len() != 0 || len(cs.List()) != 0 {
		t.Fatal("Forget left the call")
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
