package report

import (
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/threshold"
)

// CallJSON is one call in `send --json` output.
type CallJSON struct {
	TraceID string `json:"trace_id"`
	CallID  string `json:"call_uuid,omitempty"`
	ApnsID  string `json:"apns_id,omitempty"`
	Kind    string `json:"kind"`
	Outcome string `json:"outcome"`
	Reason  string `json:"ended_reason,omitempty"`
	// LatencyUS has one key per stage reached: sender, server, apns,
	// extension, callkit. Measured time only, in microseconds.
	LatencyUS map[flow.Stage]float64 `json:"latency_us"`
	// Instant lists the stages passed by system calls that do no
	// measurable work: they have no latency.
	Instant     []flow.Stage       `json:"instant,omitempty"`
	TotalUS     float64            `json:"total_us"`
	SimulatedMS map[string]float64 `json:"simulated_ms,omitempty"`
	Diagnosis   *flow.Diagnosis    `json:"diagnosis,omitempty"`
	// CrossClockUS are hops between this machine's clock and a device's
	// (events from a real phone): the difference of two clocks' times,
	// possibly negative, not a latency.
	CrossClockUS map[flow.Stage]float64 `json:"cross_clock_us,omitempty"`
}

// SummaryJSON is the summary in `send --json` output.
type SummaryJSON struct {
	Calls    int                            `json:"calls"`
	Outcomes map[flow.Outcome]int           `json:"outcomes"`
	Stages   map[flow.Stage]PercentilesJSON `json:"stages"`
	// Instant counts, per stage, the calls that passed it instantaneously
	// (system calls, no latency): they are not in its percentiles.
	Instant map[flow.Stage]int `json:"instant,omitempty"`
	Total   PercentilesJSON    `json:"total"`
	Wall    float64            `json:"wall_ms"`
	Rate    float64            `json:"calls_per_s"`
	Notes   []string           `json:"notes,omitempty"`
	// NotRecorded counts, with --record, the events the trace file lacks
	// (dropped because the disk fell behind, or lost to a failed write):
	// 0 when it has them all; absent without --record. Not zero, the run
	// also fails with an error saying so.
	NotRecorded *uint64 `json:"events_not_recorded,omitempty"`
	// Thresholds are the --threshold results, pass or fail; absent
	// without --threshold.
	Thresholds []threshold.JSON `json:"thresholds,omitempty"`
}

// PercentilesJSON holds one stage's percentiles in microseconds.
type PercentilesJSON struct {
	P50 float64 `json:"p50_us"`
	P95 float64 `json:"p95_us"`
	P99 float64 `json:"p99_us"`
	N   int64   `json:"n,omitempty"`
}

// Output is the whole `send --json` document. Every key is lower-case
// snake_case, map keys included.
type Output struct {
	// Warnings are the device profiles' lint, never null.
	Warnings []Warning   `json:"warnings"`
	Calls    []CallJSON  `json:"calls"`
	Summary  SummaryJSON `json:"summary"`
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// ToJSON converts a call.
func ToJSON(c flow.Call) CallJSON {
	j := CallJSON{TraceID: c.TraceID, CallID: c.CallID, ApnsID: c.ApnsID, Kind: string(c.Kind),
		Outcome: string(c.Outcome), Reason: c.Reason, LatencyUS: map[flow.Stage]float64{},
		TotalUS: us(c.Latency.Total), Diagnosis: c.Diag}
	for s, d := range c.Latency.Stages {
		if c.Latency.Instant[s] {
			j.Instant = append(j.Instant, s)
			continue
		}
		j.LatencyUS[s] = us(d)
	}
	for s, d := range c.Latency.CrossClock {
		if j.CrossClockUS == nil {
			j.CrossClockUS = map[flow.Stage]float64{}
		}
		j.CrossClockUS[s] = us(d)
	}
	if len(c.Latency.Simulated) > 0 {
		j.SimulatedMS = map[string]float64{}
		for n, d := range c.Latency.Simulated {
			// Keys as the rest: app-launch is app_launch.
			j.SimulatedMS[strings.ReplaceAll(n, "-", "_")] = float64(d) / float64(time.Millisecond)
		}
	}
	return j
}

// SummaryToJSON converts a summary of a run that took wall time.
func SummaryToJSON(s *flow.Summary, wall time.Duration) SummaryJSON {
	j := SummaryJSON{Calls: s.Calls(), Outcomes: s.Outcomes(), Stages: map[flow.Stage]PercentilesJSON{},
		Wall: float64(wall) / float64(time.Millisecond)}
	if wall > 0 {
		j.Rate = float64(s.Calls()) / wall.Seconds()
	}
	for _, st := range flow.Stages {
		if k := s.Instant(st); k > 0 {
			if j.Instant == nil {
				j.Instant = map[flow.Stage]int{}
			}
			j.Instant[st] = k
		}
		p50, n := s.Percentile(st, 50)
		if n == 0 {
			continue
		}
		p95, _ := s.Percentile(st, 95)
		p99, _ := s.Percentile(st, 99)
		j.Stages[st] = PercentilesJSON{P50: us(p50), P95: us(p95), P99: us(p99), N: n}
	}
	j.Total = PercentilesJSON{P50: us(s.TotalPercentile(50)), P95: us(s.TotalPercentile(95)), P99: us(s.TotalPercentile(99))}
	return j
}
