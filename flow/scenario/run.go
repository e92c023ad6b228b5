package scenario

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/report"
)

// Result is what one scenario run produced.
type Result struct {
	Scenario Scenario
	Call     flow.Call
	// Observed is the first diagnosis any stage raised, in publication order.
	Observed *flow.Diagnosis
	Events   []flow.Event
	Dropped  uint64
	Wall     time.Duration
	Err      error // callscope itself failed to run the scenario
}

// Pass reports whether the run produced what the scenario declares.
func (r Result) Pass() bool { return r.Err == nil && r.Mismatch() == "" }

// Mismatch says how the run differs from the declaration, or "" when it does not.
func (r Result) Mismatch() string {
	e := r.Scenario.Expect
	var diffs []string
	if e.Outcome != "" && r.Call.Outcome != e.Outcome {
		diffs = append(diffs, fmt.Sprintf("outcome %s, want %s", r.Call.Outcome, e.Outcome))
	}
	o := r.Observed
	switch {
	case e.Code == "" && o != nil:
		diffs = append(diffs, fmt.Sprintf("unexpected diagnosis %s", o))
	case e.Code != "" && o == nil:
		diffs = append(diffs, fmt.Sprintf("no diagnosis, want %s %s", e.Stage, e.Code))
	case e.Code != "":
		if e.Stage != "" && o.Stage != e.Stage || o.Code != e.Code {
			diffs = append(diffs, fmt.Sprintf("diagnosis %s %s, want %s %s", o.Stage, o.Code, e.Stage, e.Code))
		}
		if e.Apple != "" && !strings.Contains(o.Apple, e.Apple) {
			diffs = append(diffs, fmt.Sprintf("Apple name %q, want %q", o.Apple, e.Apple))
		}
	}
	if r.Dropped > 0 {
		// The observation is the events: with some missing, a pass could be
		// luck and a mismatch could be the gap.
		diffs = append(diffs, fmt.Sprintf("%s events dropped: the observation is incomplete", flow.FormatCount(r.Dropped)))
	}
	return strings.Join(diffs, "; ")
}

// Warnings are the precondition lint (Profile.Lint) of the scenario's
// devices, as plain send shows it: a profile scenario's knob is usually one.
func (s Scenario) Warnings() []report.Warning {
	return report.Lint(append([]device.Profile{s.Profile}, s.ExtraDevices...)...)
}

// Config builds the pipeline configuration that injects the scenario.
func (s Scenario) Config() pipeline.Config {
	devs := append([]device.Profile{s.Profile}, s.ExtraDevices...)
	return pipeline.Config{
		Clock:       flow.NewSimClock(),
		Devices:     devs,
		Sender:      s.Sender,
		Push:        s.Push,
		APNs:        s.APNs,
		Scheme:      s.Scheme,
		CallTimeout: 3 * time.Second,
	}
}

// Run places the scenario's request on a fresh embedded pipeline, waits for
// every stage to settle, and reports what was observed.
func Run(ctx context.Context, s Scenario) Result {
	start := time.Now()
	r := Result{Scenario: s}
	p, err := pipeline.New(ctx, s.Config())
	if err != nil {
		r.Err = err
		return r
	}
	sub := p.Bus().Subscribe(1 << 14)
	connect := sync.OnceValue(p.ConnectDevices)
	if s.APNs.Offline && s.APNs.Reconnect {
		go reconnectOnHold(p.Bus().Subscribe(64), func() { _ = connect() })
	}
	req := p.Compose()
	req.Kind, req.Video = s.Kind, s.Video
	r.Call = p.Place(ctx, req)
	if err := connect(); err != nil {
		r.Err = err
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_ = p.Settle(sctx) // late events (a hang-up, a replay, a second device) are in
	cancel()
	p.Close()
	for e := range sub.Events() {
		r.Events = append(r.Events, e)
	}
	r.Dropped = sub.Dropped()
	sort.Slice(r.Events, func(i, j int) bool { return r.Events[i].Seq < r.Events[j].Seq })
	for _, e := range r.Events {
		if e.Diagnosis != nil {
			d := *e.Diagnosis
			r.Observed = &d
			break
		}
	}
	r.Wall = time.Since(start)
	return r
}

// reconnectOnHold brings the offline devices back once APNs has done what it
// does with a push for an offline device (kept it, stored it or dropped it),
// so the device comes back while the call is still up. A delay's hold is not
// that: the push has not yet met the offline device.
func reconnectOnHold(sub *bus.Subscription, connect func()) {
	defer sub.Close()
	for e := range sub.Events() {
		kept := e.Name == "held" && e.Attrs["fault"] == "hold-while-offline"
		if e.Stage == flow.StageAPNs && (kept || e.Name == "stored" || e.Name == "dropped") {
			connect()
			return
		}
	}
}

// RunAll runs scenarios one after another and calls each with every result.
func RunAll(ctx context.Context, ss []Scenario, each func(Result)) {
	for _, s := range ss {
		if ctx.Err() != nil {
			return
		}
		each(Run(ctx, s))
	}
}
