// Package tracediff compares two recorded runs: it matches their calls
// (by scenario, then call or trace id, then order), and reports per-stage
// latency percentiles and their change, outcome and diagnosis changes per
// call, and changes in the push's stable headers and payload shape. It is
// pure: two event streams in, a Diff out; reading files and printing
// belong to the command.
package tracediff

import (
	"github.com/callscope/callscope/flow"
)

// AttrScenario is the event attribute that names the scenario a call ran,
// when the recorder knew it.
const AttrScenario = "scenario"

// Side collects one run's events. Add them in file order.
type Side struct {
	Name    string
	byTrace map[string][]flow.Event
	order   []string
	// Ignored counts events without a trace id: they belong to no call.
	Ignored int
}

// NewSide returns an empty side called name (a file name, for output).
func NewSide(name string) *Side { return &Side{Name: name, byTrace: map[string][]flow.Event{}} }

// Add takes one event.
func (s *Side) Add(e flow.Event) {
	if e.TraceID == "" {
		s.Ignored++
		return
	}
	if _, ok := s.byTrace[e.TraceID]; !ok {
		s.order = append(s.order, e.TraceID)
	}
	s.byTrace[e.TraceID] = append(s.byTrace[e.TraceID], e)
}

// callInfo is what the diff needs of one call.
type callInfo struct {
	call     flow.Call
	scenario string
	push     *pushShape // nil: no push on record
}

// calls rebuilds the side's calls in the order their first event appears.
// A call with a sender event was concluded by its sender; one without (a
// trace of the standalone mock, events from outside) ends on what its
// events show, as the screen decides it.
func (s *Side) calls() []callInfo {
	out := make([]callInfo, 0, len(s.order))
	for _, id := range s.order {
		evs := s.byTrace[id]
		observed := true
		for _, e := range evs {
			if e.Stage == flow.StageSender {
				observed = false
				break
			}
		}
		cs := flow.NewCalls()
		ci := callInfo{}
		var pushStage flow.Stage
		for _, e := range evs {
			if observed {
				cs.AddObserved(e)
			} else {
				cs.Add(e)
			}
			if v := e.Attrs[AttrScenario]; v != "" && ci.scenario == "" {
				ci.scenario = v
			}
			// The push as APNs saw it wins over a device's copy, and a
			// whole record over the APNs event's header attributes.
			if p := shapeOf(e); p != nil && better(p, e.Stage, ci.push, pushStage) {
				ci.push, pushStage = p, e.Stage
			}
		}
		ci.call, _ = cs.Get(id)
		out = append(out, ci)
	}
	return out
}

// better reports whether push p, seen at stage st, is a better record of
// the call's push than cur, seen at curStage.
func better(p *pushShape, st flow.Stage, cur *pushShape, curStage flow.Stage) bool {
	switch {
	case cur == nil:
		return true
	case cur.fromAttrs != p.fromAttrs:
		return cur.fromAttrs
	}
	return st == flow.StageAPNs && curStage != flow.StageAPNs
}

// Calls are the side's calls, rebuilt from their events, in the order
// their first event appears: what export and replay draw.
func (s *Side) Calls() []flow.Call {
	cs := s.calls()
	out := make([]flow.Call, len(cs))
	for i, c := range cs {
		out[i] = c.call
	}
	return out
}
