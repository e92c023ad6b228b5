package bench

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is one benchmark's measurement, its same-run baseline and the
// ratio between them. Its JSON is the stable `bench --json` shape.
type Result struct {
	Name string `json:"name"`
	What string `json:"what"`
	// Ops is how many operations ran (pushes, calls, seal+open pairs,
	// trace bytes for trace); Unit names them.
	Ops       int64   `json:"ops"`
	Unit      string  `json:"unit"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	// Latency is per operation; nil where one operation has no latency
	// of its own (trace).
	Latency *Latency `json:"latency,omitempty"`
	// Stages are per-stage latencies (pipeline, soak).
	Stages map[string]Latency `json:"stages,omitempty"`
	// CPUPerOp is user+system CPU time per operation, in nanoseconds,
	// of every process the benchmark ran.
	CPUPerOpNS float64 `json:"cpu_ns_per_op"`
	// AllocsPerOp is nil where it cannot be measured (another process).
	AllocsPerOp *float64 `json:"allocs_per_op"`
	PeakRSS     int64    `json:"peak_rss_bytes"`
	Baseline    *Result  `json:"baseline,omitempty"`
	// BaselineError says why the same-run baseline could not run. Then
	// there is no ratio (the command removes one), no target is met, and
	// `callscope bench` exits 1: a number without its baseline means
	// nothing on a shared machine.
	BaselineError string `json:"baseline_error,omitempty"`
	// Ratio is this run's rate over the baseline's (higher is better);
	// nil when there is no baseline. crypto sets it to the baseline's
	// median time over its own (typical operations, not means that a
	// preempted few decide); Finish computes it only when unset.
	Ratio  *float64 `json:"ratio"`
	Target string   `json:"target"`
	// Met reports whether Target held; nil when the target is not
	// checkable from this run.
	Met    *bool            `json:"met"`
	Counts map[string]int64 `json:"counts,omitempty"` // soak: sent, answered, lost, duplicated …
	// Error is why the benchmark could not run or measured nothing; the
	// command then exits 1.
	Error    string            `json:"error,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
	Warnings []string          `json:"warnings,omitempty"`
	Trace    string            `json:"trace,omitempty"` // a trace file the run wrote
	Extra    map[string]string `json:"extra,omitempty"`
}

// Latency is a distribution from an HdrHistogram, in microseconds.
type Latency struct {
	Count int64   `json:"n"`
	P50   float64 `json:"p50_us"`
	P95   float64 `json:"p95_us"`
	P99   float64 `json:"p99_us"`
	Max   float64 `json:"max_us"`
	// Buckets is the distribution for the terminal histogram: counts in
	// equal-width bins from Min to Max (µs), or, with LogScale, in bins
	// spaced evenly on a log scale (report.Bins; what a Recorder makes: a
	// long tail keeps the shape visible). Not in JSON.
	Buckets  []int64 `json:"-"`
	Min      float64 `json:"-"`
	LogScale bool    `json:"-"`
	// hist, when the Latency came from a Recorder, answers thresholds on
	// any percentile (p90, p99.9) and avg, beyond the four above.
	hist *hdrhistogram.Histogram
	// histUS converts hist's unit to µs (0: it is in µs).
	histUS float64
}

// Duration turns a microsecond figure back into a time.Duration.
func Duration(us float64) time.Duration { return time.Duration(us * float64(time.Microsecond)) }
