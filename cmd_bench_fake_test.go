package main

import (
	"context"
	"errors"
	"time"

	"github.com/callscope/callscope/bench"
)

// fakeBenchmarks stand in for the real ones in the command's tests: they
// return in microseconds, and each exercises one rule of the command.
func fakeBenchmarks() []bench.Benchmark {
	return []bench.Benchmark{
		{Name: "fast", What: "a fake that runs 1,000 operations", Target: "ratio ≥ 0.5", Baseline: "a fake baseline", Run: fakeRun(1000, true)},
		{Name: "nobase", What: "a fake whose baseline cannot run", Target: "ratio ≥ 0.9", Baseline: "a server that is not there",
			Run: func(ctx context.Context, o bench.Options) (bench.Result, error) {
				r, _ := fakeRun(1000, false)(ctx, o)
				r.BaselineError = "connection refused"
				ratio := 1.2 // a benchmark that forgot: the command removes it
				r.Ratio = &ratio
				return r, nil
			}},
		{Name: "silent", What: "a fake that names a baseline and returns none", Baseline: "something", Run: fakeRun(1000, false)},
		{Name: "few", What: "a fake with too few samples", Run: fakeRun(10, false)},
		{Name: "broken", What: "a fake that fails", Run: func(context.Context, bench.Options) (bench.Result, error) {
			return bench.Result{}, errors.New("the mock did not start")
		}},
	}
}

// fakeRun records n latencies from 100 µs to 100·n µs... spread so the
// percentiles are known: p50 is the n/2-th.
func fakeRun(n int, withBaseline bool) func(context.Context, bench.Options) (bench.Result, error) {
	return func(_ context.Context, o bench.Options) (bench.Result, error) {
		m := bench.StartMeter()
		rec := bench.NewRecorder()
		for i := 1; i <= n; i++ {
			rec.Record(time.Duration(i) * 10 * time.Microsecond)
			if o.Progress != nil && i%(n/10+1) == 0 {
				o.Progress("measuring", float64(i)/float64(n))
			}
		}
		l := rec.Latency()
		r := bench.Result{Ops: int64(n), Unit: "ops", Seconds: 0.5, PerSecond: float64(n) / 0.5, Latency: &l}
		m.Stop().Apply(&r, r.Ops)
		if withBaseline {
			// Every optional field once, so that the JSON shape test
			// pins them all.
			r.Stages = map[string]bench.Latency{"apns": l}
			r.Counts = map[string]int64{"lost": 0}
			r.Notes = []string{"a note"}
			r.Trace = "/tmp/fake.jsonl"
			r.Extra = map[string]string{"k": "v"}
			bl := l
			r.Baseline = &bench.Result{Name: "baseline", Ops: int64(n), Unit: "ops", Seconds: 0.625, PerSecond: float64(n) / 0.625, Latency: &bl}
			met := r.PerSecond/r.Baseline.PerSecond >= 0.5
			r.Met = &met
		}
		return r, nil
	}
}
