package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a closed-loop run that benchmark files can share: Concurrency
// workers each run an operation back to back, until Count operations
// have run or Duration has passed, timing each one. Defaults fill what
// is zero.
type Load struct {
	Duration    time.Duration
	Count       int
	Concurrency int
	// Phase names the run for Progress ("baseline", "measuring").
	Phase    string
	Progress func(phase string, done float64)
}

// Defaults returns l with the options' Duration, Count and Concurrency
// where they are set, and the benchmark's defaults otherwise. A Count
// given replaces the duration.
func (l Load) Defaults(o Options, duration time.Duration, concurrency int) Load {
	l.Duration, l.Count, l.Concurrency = duration, 0, concurrency
	if o.Duration > 0 {
		l.Duration = o.Duration
	}
	if o.Count > 0 {
		l.Count, l.Duration = o.Count, 0
	}
	if o.Concurrency > 0 {
		l.Concurrency = o.Concurrency
	}
	if o.Progress != nil {
		l.Progress = o.Progress
	}
	return l
}

// Measured is what a Load measured.
type Measured struct {
	Ops     int64 // operations that succeeded: only they are timed
	Errors  int64
	Err     error // the first error, nil when none
	Elapsed time.Duration
	Latency Latency
	Usage   Usage // of this process, over the run
}

// Run runs op under l. It stops early when ctx ends. op's errors are
// counted, not fatal: the first is kept for the report.
func (l Load) Run(ctx context.Context, op func(ctx context.Context) error) Measured {
	workers := max(l.Concurrency, 1)
	if l.Count > 0 {
		workers = min(workers, l.Count)
	}
	if l.Count <= 0 && l.Duration <= 0 {
		l.Duration = time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		started, ok, failed atomic.Int64
		firstErr            error
		errOnce             sync.Once
		wg                  sync.WaitGroup
	)
	recs := make([]*Recorder, workers)
	meter := StartMeter()
	start := time.Now()
	var deadline time.Time
	if l.Duration > 0 {
		deadline = start.Add(l.Duration)
	}
	for w := range workers {
		recs[w] = NewRecorder()
		wg.Add(1)
		go func(rec *Recorder) {
			defer wg.Done()
			for ctx.Err() == nil {
				if l.Count > 0 && started.Add(1) > int64(l.Count) {
					return
				}
				t0 := time.Now()
				if !deadline.IsZero() && t0.After(deadline) {
					return
				}
				if err := op(ctx); err != nil {
					if ctx.Err() != nil {
						return // cut short, not failed
					}
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				rec.Record(time.Since(t0))
				ok.Add(1)
			}
		}(recs[w])
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			if l.Progress != nil {
				l.Progress(l.Phase, l.done(ok.Load()+failed.Load(), time.Since(start)))
			}
		}
	}
	m := Measured{Ops: ok.Load(), Errors: failed.Load(), Err: firstErr, Elapsed: time.Since(start), Usage: meter.Stop()}
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	m.Latency = all.Latency()
	if l.Progress != nil {
		l.Progress(l.Phase, 1)
	}
	return m
}

func (l Load) done(ops int64, elapsed time.Duration) float64 {
	if l.Count > 0 {
		return float64(ops) / float64(l.Count)
	}
	return float64(elapsed) / float64(l.Duration)
}

// Result turns a measurement into a Result: rate, latency, CPU time and
// allocations per operation, peak RSS. Errors become a note (and, when
// nothing succeeded, the Result's error).
func (m Measured) Result(name, unit string) Result {
	r := Result{Name: name, Ops: m.Ops, Unit: unit, Seconds: m.Elapsed.Seconds()}
	if m.Elapsed > 0 {
		r.PerSecond = float64(m.Ops) / m.Elapsed.Seconds()
	}
	if m.Latency.Count > 0 {
		l := m.Latency
		r.Latency = &l
	}
	m.Usage.Apply(&r, m.Ops)
	if m.Errors > 0 {
		r.Warnings = append(r.Warnings, fmtErrors(m.Errors, m.Err))
		if m.Ops == 0 {
			r.Error = m.Err.Error()
		}
	}
	return r
}

func fmtErrors(n int64, err error) string {
	return "operations failed: " + formatInt(n) + " (first: " + err.Error() + ")"
}
