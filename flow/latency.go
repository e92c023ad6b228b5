package flow

import (
	"encoding/json"
	"time"
)

// Latency is the measured time a request spent at each stage. A stage's
// latency runs from its first event to the first event of the next stage
// reached (for the last stage: to the ringing or shown event, or to the
// failure), less the wall time spent in simulated waits inside that span.
// Simulated time is kept apart, by event name. A stage whose span holds only
// instant system calls and simulated waits crosses no boundary and does no
// measurable work: it is Instant, with no latency (zero), not the few
// microseconds the simulation's function calls take.
type Latency struct {
	Stages    map[Stage]time.Duration  `json:"-"`
	Simulated map[string]time.Duration `json:"-"`
	Instant   map[Stage]bool           `json:"-"`
	// CrossClock holds the stages whose span starts on one clock and ends
	// on another (the server's and a real phone's, Event.Clock): the
	// difference of the two times, which the clocks' skew may even make
	// negative. It is not a latency: such a stage is not in Stages, and
	// counts neither towards Total nor towards per-stage statistics.
	CrossClock map[Stage]time.Duration `json:"-"`
	// Total is the measured time from the sender's first event to the end of
	// the path (ringing, shown or failure), without simulated waits and
	// without cross-clock hops.
	Total time.Duration `json:"-"`
}

// Get returns a stage's measured latency and whether there is one: false
// for a stage the request did not reach, and for a cross-clock one.
func (l Latency) Get(s Stage) (time.Duration, bool) {
	d, ok := l.Stages[s]
	return d, ok
}

// Reached reports whether the request reached stage s: with a measured
// latency, an instant one or a cross-clock hop.
func (l Latency) Reached(s Stage) bool {
	_, ok := l.Stages[s]
	_, cross := l.CrossClock[s]
	return ok || cross
}

// InstantLabel is how an instantaneous stage or event is shown where a
// latency would be: it marks a system call, not a duration.
const InstantLabel = "instant"

// Label is a reached stage's latency as screens and tables print it, or
// InstantLabel for an instantaneous stage.
func (l Latency) Label(s Stage) string {
	if l.Instant[s] {
		return InstantLabel
	}
	if d, ok := l.CrossClock[s]; ok {
		return CrossClockLabel(d)
	}
	return FormatDuration(l.Stages[s])
}

type latencyJSON struct {
	StagesUS    map[Stage]float64  `json:"stages_us"`
	Instant     []Stage            `json:"instant,omitempty"`
	SimulatedMS map[string]float64 `json:"simulated_ms,omitempty"`
	// CrossClockUS are the cross-clock differences, not latencies.
	CrossClockUS map[Stage]float64 `json:"cross_clock_us,omitempty"`
	TotalUS      float64           `json:"total_us"`
}

// MarshalJSON writes stage latencies in microseconds under the stage keys
// (sender, server, apns, extension, callkit), instantaneous stages by name,
// and simulated time apart.
func (l Latency) MarshalJSON() ([]byte, error) {
	j := latencyJSON{StagesUS: map[Stage]float64{}, TotalUS: us(l.Total)}
	for s, d := range l.Stages {
		if l.Instant[s] {
			continue
		}
		j.StagesUS[s] = us(d)
	}
	for _, s := range Stages {
		if l.Instant[s] {
			j.Instant = append(j.Instant, s)
		}
	}
	if len(l.Simulated) > 0 {
		j.SimulatedMS = map[string]float64{}
		for n, d := range l.Simulated {
			j.SimulatedMS[n] = float64(d) / float64(time.Millisecond)
		}
	}
	if len(l.CrossClock) > 0 {
		j.CrossClockUS = map[Stage]float64{}
		for s, d := range l.CrossClock {
			j.CrossClockUS[s] = us(d)
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var j latencyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	l.Stages = map[Stage]time.Duration{}
	for s, v := range j.StagesUS {
		l.Stages[s] = time.Duration(v * float64(time.Microsecond))
	}
	for _, s := range j.Instant {
		if l.Instant == nil {
			l.Instant = map[Stage]bool{}
		}
		l.Instant[s] = true
		l.Stages[s] = 0
	}
	if len(j.SimulatedMS) > 0 {
		l.Simulated = map[string]time.Duration{}
		for n, v := range j.SimulatedMS {
			l.Simulated[n] = time.Duration(v * float64(time.Millisecond))
		}
	}
	for s, v := range j.CrossClockUS {
		if l.CrossClock == nil {
			l.CrossClock = map[Stage]time.Duration{}
		}
		l.CrossClock[s] = time.Duration(v * float64(time.Microsecond))
	}
	l.Total = time.Duration(j.TotalUS * float64(time.Microsecond))
	return nil
}

func us(d time.Duration) float64 {
	return float64(d) / float64(time.Microsecond)
}

// ComputeLatency derives per-stage latency from one request's events, in any
// order. Only events of one trace should be passed.
func ComputeLatency(events []Event) Latency {
	l := Latency{Stages: map[Stage]time.Duration{}}
	var first [len(Stages)]time.Time
	var firstClock [len(Stages)]string
	var end time.Time
	var endClock string
	for _, e := range events {
		i := e.Stage.Index()
		if i < 0 {
			continue
		}
		if e.Simulated {
			if l.Simulated == nil {
				l.Simulated = map[string]time.Duration{}
			}
			l.Simulated[e.Name] += e.Duration
		}
		if first[i].IsZero() || e.Time.Before(first[i]) {
			first[i], firstClock[i] = e.Time, e.Clock
		}
		if isPathEnd(e) {
			if t := e.Time.Add(measured(e)); end.IsZero() || t.Before(end) {
				end, endClock = t, e.Clock
			}
		}
	}
	last := -1
	for i := range Stages {
		if !first[i].IsZero() {
			last = i
		}
	}
	if last < 0 {
		return l
	}
	if end.IsZero() {
		// No ringing or shown: the path ended at the last event seen.
		for _, e := range events {
			if e.Stage.Index() == last && e.Time.Add(measured(e)).After(end) {
				end, endClock = e.Time.Add(measured(e)), e.Clock
			}
		}
	}
	for i := 0; i <= last; i++ {
		if first[i].IsZero() {
			continue
		}
		stop, stopClock := end, endClock
		for j := i + 1; j <= last; j++ {
			if !first[j].IsZero() {
				stop, stopClock = first[j], firstClock[j]
				break
			}
		}
		instant := instantWithin(events, Stages[i], first[i], stop)
		if !instant && stopClock != firstClock[i] {
			// Read on two clocks: their difference includes the clocks'
			// skew, so it is shown as such and measures nothing.
			if l.CrossClock == nil {
				l.CrossClock = map[Stage]time.Duration{}
			}
			l.CrossClock[Stages[i]] = stop.Sub(first[i])
			continue
		}
		d := stop.Sub(first[i]) - waitedWithin(events, Stages[i], first[i], stop)
		if d < 0 {
			d = 0
		}
		if instant {
			if l.Instant == nil {
				l.Instant = map[Stage]bool{}
			}
			l.Instant[Stages[i]] = true
			d = 0
		}
		l.Stages[Stages[i]] = d
		l.Total += d
	}
	return l
}

// instantWithin reports whether every event of stage s in [from, to] is an
// instant system call or a simulated wait: then the stage did no work a
// clock could measure.
func instantWithin(events []Event, s Stage, from, to time.Time) bool {
	n := 0
	for _, e := range events {
		if e.Stage != s || e.Time.Before(from) || e.Time.After(to) {
			continue
		}
		if !e.Instant && !e.Simulated {
			return false
		}
		n++
	}
	return n > 0
}

// waitedWithin is the wall time a stage spent in simulated waits that began
// inside [from, to): waits after the path ended (the callee thinking before
// answering) belong to no stage's latency.
func waitedWithin(events []Event, s Stage, from, to time.Time) time.Duration {
	var w time.Duration
	for _, e := range events {
		if e.Simulated && e.Stage == s && !e.Time.Before(from) && e.Time.Before(to) {
			w += e.Waited
		}
	}
	return w
}

func isPathEnd(e Event) bool {
	return (e.Stage == StageCallKit && e.Name == NameRinging) ||
		(e.Stage == StageExtension && e.Name == NameShown) ||
		(e.Diagnosis != nil && !e.Diagnosis.Warning)
}

func measured(e Event) time.Duration {
	if e.Simulated {
		return e.Waited
	}
	return e.Duration
}
