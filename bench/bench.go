// Package bench measures callscope's stages next to a baseline run on the
// same machine in the same run, because this kind of machine is shared and
// noisy: a number means something only as a ratio to its baseline.
//
// Each benchmark lives in its own file (apns.go, pipeline.go, crypto.go,
// trace.go, soak.go) and registers itself in Benchmarks; `callscope bench`
// runs them and renders Results (cmd_bench.go).
//
// Helpers for benchmark files: Recorder (latencies in an HdrHistogram,
// Latency with log-spaced Buckets for the terminal histogram; LatencyOf
// for a histogram of µs kept elsewhere), Load (a closed-loop driver: C
// workers, a count or a duration, progress), StartMeter (this process's
// CPU time, allocations and peak RSS), StartProcMeter (another process's
// CPU time and peak RSS from /proc), RSS (to sample memory), and Finish,
// the honesty rules the command applies to every Result.
package bench

import (
	"context"
	"time"
)

// Options are the `callscope bench` flags a benchmark honours. Zero values
// mean the benchmark's own default.
type Options struct {
	Duration    time.Duration // run for this long (when Count is 0)
	Count       int           // run exactly this many operations
	Concurrency int
	// Exe is the path of the running callscope binary: benchmarks that
	// drive a separate process (apns) start it from here.
	Exe string
	// Progress, when not nil, is told how far the benchmark is (0–1). It
	// is never called on a benchmark's hot path more than ~20 times a second.
	Progress func(phase string, done float64)
	// TraceDir is where a benchmark that writes a trace (soak) puts it.
	TraceDir string
	// InAll is set when the benchmark runs as part of `bench all`, which
	// must stay short: a benchmark whose own default runs for minutes
	// (soak) takes a smaller default there and says so.
	InAll bool
	// DropTrace asks a benchmark that writes a trace to remove it once
	// its counts are taken (bench all without --trace-dir: a 100 MB file
	// per run in the temporary directory would pile up).
	DropTrace bool
}

// Benchmark is one entry of `callscope bench`.
type Benchmark struct {
	Name   string // apns, pipeline, crypto, trace, soak
	What   string // one line for the help text and the summary
	Target string // the target in words, e.g. "ratio ≥ 0.9"
	// Baseline is the same-run baseline in words ("apns2 → a do-nothing
	// HTTP/2 server"); empty for a benchmark without one (soak). A
	// benchmark that names one and returns no Result.Baseline failed its
	// baseline: the command says so and exits 1.
	Baseline string
	// Stages are the names its Result.Stages may hold: what a threshold
	// may name after the benchmark ("pipeline.apns").
	Stages []string
	Run    func(ctx context.Context, o Options) (Result, error)
}

// Benchmarks is every benchmark in the order `bench all` runs them. Each
// benchmark file appends itself in an init function.
var Benchmarks []Benchmark

// Lookup finds a benchmark by name.
func Lookup(name string) (Benchmark, bool) {
	for _, b := range Benchmarks {
		if b.Name == name {
			return b, true
		}
	}
	return Benchmark{}, false
}
