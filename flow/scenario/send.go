package scenario

import (
	"context"
	"encoding/json"
	"io"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/report"
)

// ResultJSON is one run in `send --scenario … --json`.
type ResultJSON struct {
	Scenario string `json:"scenario"`
	// Injects is the kind of knob the scenario turns; Knob the one that
	// causes what it shows, and Knobs all of them, the cause first.
	Injects string   `json:"injects"`
	Knob    string   `json:"knob,omitempty"`
	Knobs   []string `json:"knobs"`
	// Warnings are the precondition lint of the scenario's device profiles,
	// as plain send reports them; never null.
	Warnings []report.Warning `json:"warnings"`
	Expected Expect           `json:"expected"`
	Observed *flow.Diagnosis  `json:"observed,omitempty"`
	Call     report.CallJSON  `json:"call"`
	Pass     bool             `json:"pass"`
	Mismatch string           `json:"mismatch,omitempty"`
	Error    string           `json:"error,omitempty"`
}

func toJSON(r Result) ResultJSON {
	knobs := causeFirst(r.Scenario.Injects, r.Scenario.Knobs())
	j := ResultJSON{Scenario: r.Scenario.Name, Injects: r.Scenario.Injects, Knobs: knobs, Warnings: r.Scenario.Warnings(), Expected: r.Scenario.Expect, Observed: r.Observed,
		Call: report.ToJSON(r.Call), Pass: r.Pass(), Mismatch: r.Mismatch()}
	if len(knobs) > 0 {
		j.Knob = knobs[0]
	}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	return j
}

// SendOne runs one scenario and prints its diagnosis. ok is true only for a
// happy scenario that ran as declared: a failure scenario's call failed, by
// design, and the exit status says so.
func SendOne(ctx context.Context, s Scenario, asJSON bool, w io.Writer) (ok bool, err error) {
	r := Run(ctx, s)
	if r.Err != nil {
		return false, r.Err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(toJSON(r)); err != nil {
			return false, err
		}
	} else {
		Report(w, r)
	}
	return r.Pass() && s.Happy(), nil
}

// SendAll runs every scenario and prints expected against observed. ok is
// true when every scenario was diagnosed as declared.
func SendAll(ctx context.Context, ss []Scenario, asJSON bool, w io.Writer) (ok bool, err error) {
	if asJSON {
		var out []ResultJSON
		ok = true
		RunAll(ctx, ss, func(r Result) {
			ok = ok && r.Pass()
			out = append(out, toJSON(r))
		})
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return ok, enc.Encode(out)
	}
	t := NewTable(w)
	RunAll(ctx, ss, t.Row)
	return t.Close(w), nil
}
