package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/callscope/callscope/flow"
)

// thenNowJSON is one call of `replay --rerun --json`.
type thenNowJSON struct {
	TraceThen   string                        `json:"trace_id_then"`
	TraceNow    string                        `json:"trace_id_now"`
	OutcomeThen flow.Outcome                  `json:"outcome_then"`
	OutcomeNow  flow.Outcome                  `json:"outcome_now"`
	DiagNow     *flow.Diagnosis               `json:"diagnosis_now,omitempty"`
	Stages      map[flow.Stage]stageThenNowUS `json:"stages"`
}

// stageThenNowUS: null where the stage was not reached, or where it was
// instant (a system call, no latency: Instant says when).
type stageThenNowUS struct {
	Instant []string `json:"instant,omitempty"` // "then", "now"
	Then    *float64 `json:"then_us"`
	Now     *float64 `json:"now_us"`
	Delta   *float64 `json:"delta_us"`
}

// printThenNow prints each call's stages then and now, and the stages'
// p50s then and now; same is false when any call ended otherwise now.
func printThenNow(w io.Writer, runs []recorded, now []flow.Call, asJSON bool) (same bool) {
	same = true
	thenSum, nowSum := flow.NewSummary(), flow.NewSummary()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	enc := json.NewEncoder(w)
	if !asJSON {
		fmt.Fprintln(tw, "CALL\tSTAGE\tTHEN\tNOW\tDELTA\tOUTCOME THEN → NOW")
	}
	for i, r := range runs {
		then, cur := r.then, now[i]
		thenSum.Add(then)
		nowSum.Add(cur)
		changed := then.Outcome != cur.Outcome
		same = same && !changed
		if asJSON {
			j := thenNowJSON{TraceThen: then.TraceID, TraceNow: cur.TraceID, OutcomeThen: then.Outcome,
				OutcomeNow: cur.Outcome, Stages: map[flow.Stage]stageThenNowUS{}}
			if changed {
				j.DiagNow = cur.Diag
			}
			for _, s := range flow.Stages {
				a, okA := then.Latency.Get(s)
				b, okB := cur.Latency.Get(s)
				if !okA && !okB {
					continue
				}
				var st stageThenNowUS
				if then.Latency.Instant[s] {
					st.Instant, okA = append(st.Instant, "then"), false
				}
				if cur.Latency.Instant[s] {
					st.Instant, okB = append(st.Instant, "now"), false
				}
				if okA {
					st.Then = usp(a)
				}
				if okB {
					st.Now = usp(b)
				}
				if okA && okB {
					st.Delta = usp(b - a)
				}
				j.Stages[s] = st
			}
			enc.Encode(j)
			continue
		}
		for k, s := range flow.Stages {
			if !then.Latency.Reached(s) && !cur.Latency.Reached(s) {
				continue
			}
			name, outcome := "", ""
			if k == 0 {
				name = head8(then.TraceID) + " → " + head8(cur.TraceID)
				outcome = string(then.Outcome) + " → " + string(cur.Outcome)
				if changed {
					outcome += "  ✗ changed"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, s, label(then, s), label(cur, s), delta(then, cur, s), outcome)
		}
		if changed && cur.Diag != nil {
			fmt.Fprintf(tw, "\t  now: %s\t\t\t\t\n", cur.Diag)
		}
	}
	if asJSON {
		return same
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "STAGE\tP50 THEN\tP50 NOW\tDELTA\tP95 THEN\tP95 NOW")
	for _, s := range flow.Stages {
		a, na := thenSum.Percentile(s, 50)
		b, nb := nowSum.Percentile(s, 50)
		if na == 0 && nb == 0 {
			continue
		}
		a95, _ := thenSum.Percentile(s, 95)
		b95, _ := nowSum.Percentile(s, 95)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s, flow.FormatDuration(a), flow.FormatDuration(b), signed(b-a),
			flow.FormatDuration(a95), flow.FormatDuration(b95))
	}
	tw.Flush()
	changedN := 0
	for i, r := range runs {
		if r.then.Outcome != now[i].Outcome {
			changedN++
		}
	}
	fmt.Fprintf(w, "%d calls: %d ended as they did then, %d otherwise\n", len(runs), len(runs)-changedN, changedN)
	return same
}

func usp(d time.Duration) *float64 {
	v := float64(d.Nanoseconds()) / 1e3
	return &v
}

func label(c flow.Call, s flow.Stage) string {
	if !c.Latency.Reached(s) {
		return "—"
	}
	return c.Latency.Label(s)
}

func delta(then, now flow.Call, s flow.Stage) string {
	a, okA := then.Latency.Get(s)
	b, okB := now.Latency.Get(s)
	if !okA || !okB || then.Latency.Instant[s] || now.Latency.Instant[s] {
		return ""
	}
	return signed(b - a)
}

func signed(d time.Duration) string {
	if d < 0 {
		return "-" + flow.FormatDuration(-d)
	}
	return "+" + flow.FormatDuration(d)
}

func head8(s string) string {
	if len(s) <= 8 {
		return s
	}
	return s[:8]
}
