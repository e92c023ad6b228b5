package device

import (
	"time"

	"github.com/callscope/callscope/flow"
)

// CXCallEndedReason names, as CallKit's enum spells them.
const (
	EndedFailed            = "failed"
	EndedRemoteEnded       = "remoteEnded"
	EndedUnanswered        = "unanswered"
	EndedAnsweredElsewhere = "answeredElsewhere"
	EndedDeclinedElsewhere = "declinedElsewhere"
)

// Signal receives a callee device's news; Caller is a Signaler.
func (c *Caller) Signal(s Signal) {
	c.mu.Lock()
	og := c.outgoing[s.TraceID]
	c.mu.Unlock()
	if og == nil {
		return
	}
	switch s.Kind {
	case SignalRinging:
		return
	case SignalAnswered:
		// O4: reportOutgoingCall(with:connectedAt:).
		c.end(og, flow.OutcomeConnected, "connected", nil, nil)
		return
	case SignalShown:
		c.end(og, flow.OutcomeShown, "delivered", nil, nil)
		return
	case SignalDeclined:
		// The callee said no on one device: the call is over everywhere
		// (the other devices end with declinedElsewhere).
		c.end(og, flow.OutcomeDeclined, "ended", map[string]string{flow.AttrEndedReason: EndedRemoteEnded}, nil)
		return
	}
	c.conclude(og, s)
}

// conclude counts a device that will not answer; when none is left, the
// request ends with the most telling outcome.
func (c *Caller) conclude(og *outgoing, s Signal) {
	c.mu.Lock()
	og.concluded++
	switch s.Kind {
	case SignalUnanswered:
		og.unanswered = true
	case SignalFailed:
		og.lastFail = s.Diag
	}
	last := og.concluded >= og.devices
	c.mu.Unlock()
	if !last {
		return
	}
	switch {
	case og.unanswered:
		c.end(og, flow.OutcomeUnanswered, "ended", map[string]string{flow.AttrEndedReason: EndedUnanswered}, nil)
	default:
		c.fail(og, og.lastFail)
	}
}

// Accepted ends a request whose pushes APNs took for devices this run does
// not drive (a real iPhone): accepted by APNs, which is not delivery. A
// device that later reports through --ingest replaces the outcome.
func (c *Caller) Accepted(traceID string) {
	c.mu.Lock()
	og := c.outgoing[traceID]
	c.mu.Unlock()
	if og != nil {
		c.end(og, flow.OutcomeAccepted, "apns-accepted", map[string]string{
			"note": "APNs accepted the push: not delivery; a real device's events come only through --ingest"}, nil)
	}
}

// Abandon ends a request that got no answer in time.
func (c *Caller) Abandon(traceID string, d *flow.Diagnosis) {
	c.mu.Lock()
	og := c.outgoing[traceID]
	c.mu.Unlock()
	if og != nil {
		c.fail(og, d)
	}
}

func (c *Caller) fail(og *outgoing, d *flow.Diagnosis) {
	if d == nil {
		d = &flow.Diagnosis{Stage: flow.StageSender, Code: flow.CodeSenderFailed, Detail: "no device could be reached"}
	}
	var attrs map[string]string
	if og.kind == flow.KindCall {
		attrs = map[string]string{flow.AttrEndedReason: EndedFailed}
	}
	c.end(og, flow.OutcomeFailed, "failed", attrs, d)
}

// end emits the request's one terminal event and releases its waiter.
func (c *Caller) end(og *outgoing, o flow.Outcome, name string, attrs map[string]string, d *flow.Diagnosis) {
	c.mu.Lock()
	if og.ended {
		c.mu.Unlock()
		return
	}
	og.ended = true
	delete(c.outgoing, og.traceID)
	c.mu.Unlock()
	c.dropSealed(og.traceID)
	c.Sink.Emit(flow.Event{TraceID: og.traceID, CallID: og.callID, Stage: flow.StageSender, Name: name,
		Time: time.Now(), Attrs: withState(attrs, callerStates[name]), Diagnosis: d, Outcome: o})
	og.done <- o
}
