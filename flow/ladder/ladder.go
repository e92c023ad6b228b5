// Package ladder lays out one call as a ladder: a column per stage, a row
// per hop, each arrow labelled with the measured latency of the stage it
// leaves. It renders as plain text (for a ticket) and as SVG, without
// terminal styles, so the screen and export can share one layout.
package ladder

import (
	"strings"

	"github.com/callscope/callscope/flow"
)

// Kind is what a hop's arrow stands for.
type Kind int

const (
	// None: the request never left this stage this way.
	None Kind = iota
	// Measured: a latency measured on one clock.
	Measured
	// Instant: a system call in process, no boundary and no measured work.
	Instant
	// Cross: the two ends were timed on different clocks (the machine's and
	// a phone's); the difference is not a latency.
	Cross
	// Failed: the stage where the request failed.
	Failed
	// Pending: the request is still at this stage.
	Pending
	// Ringing and Reached mark the last stage's own row: CallKit rang, or
	// the request reached it without ringing.
	Ringing
	Reached
)

// Hop is one row of the ladder: from stage From towards From+1 (or, for the
// last row, CallKit's own work).
type Hop struct {
	From  flow.Stage `json:"from"`
	Kind  Kind       `json:"-"`
	Label string     `json:"label,omitempty"`
	// Labels are shorter forms of Label, longest first, for narrow columns.
	Labels []string `json:"-"`
}

// Ladder is a call laid out for drawing.
type Ladder struct {
	Call flow.Call
	// Hops has one row per stage boundary (sender→server … extension→callkit)
	// and a last row for CallKit itself.
	Hops []Hop
	// Notes are lines under the ladder: simulated waits, cross-clock hops.
	Notes []string
	// Outcome and End close the ladder: "connected", "measured 12.3ms".
	Outcome string
	End     string
}

// Build lays out c.
func Build(c flow.Call) Ladder {
	l := Ladder{Call: c, Outcome: outcome(c), End: endLabel(c)}
	failedAt := -1
	if c.Diag != nil && c.Outcome == flow.OutcomeFailed {
		failedAt = c.Diag.Stage.Index()
	}
	reached := c.Stage.Index()
	last := len(flow.Stages) - 1
	for i := range last {
		s := flow.Stages[i]
		h := Hop{From: s}
		d, has := c.Latency.Get(s)
		switch {
		case failedAt == i:
			h.Kind, h.Label = Failed, "✗ "+string(c.Diag.Code)
		case i < reached && has && c.Latency.Instant[s]:
			h.Kind, h.Label = Instant, flow.InstantLabel
		case i < reached && has:
			h.Kind, h.Label = Measured, flow.FormatDuration(d)
		case i < reached && c.Latency.Reached(s):
			labels := flow.CrossClockLabels(c.Latency.CrossClock[s])
			h.Kind, h.Label, h.Labels = Cross, labels[0], labels
		case i == reached && c.Outcome == "":
			h.Kind, h.Label = Pending, "…"
		}
		l.Hops = append(l.Hops, h)
	}
	h := Hop{From: flow.StageCallKit}
	switch {
	case failedAt == last:
		h.Kind, h.Label = Failed, "✗ "+string(c.Diag.Code)
	case c.Ringing && c.Latency.Instant[flow.StageCallKit]:
		h.Kind, h.Label = Ringing, "◉ ringing · "+flow.InstantLabel
	case c.Ringing:
		h.Kind, h.Label = Ringing, "◉ ringing "+c.Latency.Label(flow.StageCallKit)
	case c.Stage == flow.StageCallKit:
		h.Kind, h.Label = Reached, "● "+c.Latency.Label(flow.StageCallKit)
	}
	l.Hops = append(l.Hops, h)
	if sim := flow.FormatSimulated(c.Latency.Simulated); len(sim) > 0 {
		l.Notes = append(l.Notes, "sim: "+strings.Join(sim, " · ")+" (simulated)")
	}
	if len(c.Latency.CrossClock) > 0 {
		l.Notes = append(l.Notes, "╌ cross-device: "+flow.CrossClockNote)
	}
	return l
}

func outcome(c flow.Call) string {
	switch {
	case c.Outcome == flow.OutcomeFailed && c.Diag != nil:
		s := "failed at " + c.Diag.Stage.Title() + ": " + string(c.Diag.Code)
		if c.Diag.Apple != "" {
			s += " (" + c.Diag.Apple + ")"
		}
		return s
	case c.Outcome != "":
		return string(c.Outcome)
	case c.Ringing:
		return "ringing"
	}
	return "in flight (no outcome in the trace)"
}

func endLabel(c flow.Call) string {
	switch {
	case c.Reason != "":
		return "CXCallEndedReason." + c.Reason
	case c.Latency.Total > 0 && len(c.Latency.CrossClock) > 0:
		return "measured " + flow.FormatDuration(c.Latency.Total) + " (cross-device hops apart)"
	case c.Latency.Total > 0:
		return "measured " + flow.FormatDuration(c.Latency.Total)
	}
	return ""
}
