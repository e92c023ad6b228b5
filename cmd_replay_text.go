package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/replay"
	"github.com/callscope/callscope/flow/report"
)

// replayCallJSON is one call of `replay --json`: send --json's call, the
// stages it reached in path order, and the push as APNs saw it (null in
// traces recorded before pushes were kept).
type replayCallJSON struct {
	report.CallJSON
	Stages  []flow.Stage     `json:"stages"`
	Started time.Time        `json:"started"`
	Events  int              `json:"events"`
	Push    *flow.PushRecord `json:"push"`
}

// printReplay prints the calls picked: a table row and a ladder line each,
// then the stages' percentiles; or, asJSON, one object per line.
func printReplay(w io.Writer, fold *replay.Fold, calls []flow.Call, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, c := range calls {
			if err := enc.Encode(toReplayJSON(fold, c)); err != nil {
				return err
			}
		}
		return nil
	}
	t := report.NewTable(w)
	sum := flow.NewSummary()
	var first, last time.Time
	for _, c := range calls {
		t.Row(c)
		fmt.Fprintln(w, "  "+ladderText(c))
		sum.Add(c)
		if first.IsZero() || c.Started.Before(first) {
			first = c.Started
		}
		for _, e := range fold.Events(c.TraceID) {
			if e.Clock == "" && e.Time.After(last) {
				last = e.Time
			}
		}
	}
	return t.Summary(sum, last.Sub(first))
}

func toReplayJSON(fold *replay.Fold, c flow.Call) replayCallJSON {
	j := replayCallJSON{CallJSON: report.ToJSON(c), Stages: []flow.Stage{}, Started: c.Started,
		Events: c.Events, Push: fold.Push(c.TraceID)}
	for _, s := range flow.Stages {
		if c.Latency.Reached(s) {
			j.Stages = append(j.Stages, s)
		}
	}
	return j
}

// ladderText is a call's ladder on one line: each stage reached with the
// latency of the hop that leaves it, then where the path ended.
//
//	sender ─1.2ms→ server ─800µs→ apns ─2ms→ extension ─300µs→ callkit ◉ instant · connected
func ladderText(c flow.Call) string {
	var b strings.Builder
	failedAt := -1
	if c.Outcome == flow.OutcomeFailed && c.Diag != nil {
		failedAt = c.Diag.Stage.Index()
	}
	for i, s := range flow.Stages {
		if !c.Latency.Reached(s) && i != failedAt {
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(string(s))
		if i == failedAt {
			b.WriteString(" ✗ " + string(c.Diag.Code))
			break
		}
		label := c.Latency.Label(s)
		if i == len(flow.Stages)-1 {
			b.WriteString(" ◉ " + label)
			break
		}
		next := flow.Stages[i+1]
		if c.Latency.Reached(next) || failedAt == i+1 {
			b.WriteString(" ─" + label + "→")
		} else {
			b.WriteString(" " + label)
		}
	}
	switch {
	case c.Outcome == "":
		b.WriteString(" · not ended in the trace")
	default:
		b.WriteString(" · " + string(c.Outcome))
	}
	return b.String()
}
