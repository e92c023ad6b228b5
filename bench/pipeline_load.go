package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// pipeRun is one load phase: every operation's latency and what the
// phase cost the process.
type pipeRun struct {
	hist    *hdrhistogram.Histogram
	ops     int64
	wall    time.Duration
	cpu     time.Duration
	mallocs uint64
	err     error // the first operation that failed
}

func pipeHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

// pipeLoad runs op from c goroutines (closed model: each starts its next
// operation when the last ended) until count operations ran, or for d when
// count is 0. progress, when set, hears how far it is about 10 times a
// second. It stops at the first error, which it returns in pipeRun.err.
func pipeLoad(ctx context.Context, c, count int, d time.Duration, progress func(float64), op func() error) pipeRun {
	c = max(1, c)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		claimed atomic.Int64
		done    atomic.Int64
		mu      sync.Mutex
		run     = pipeRun{hist: pipeHist()}
		wg      sync.WaitGroup
	)
	from, start := snapshotNow(), time.Now()
	deadline := start.Add(d)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if count > 0 && claimed.Add(1) > int64(count) {
					return
				}
				t0 := time.Now()
				if count == 0 && !t0.Before(deadline) {
					return
				}
				if err := op(); err != nil {
					mu.Lock()
					if run.err == nil {
						run.err = err
					}
					mu.Unlock()
					cancel()
					return
				}
				took := max(1, time.Since(t0).Microseconds())
				// One histogram for all: one per goroutine was 200 kB
				// each, 50 MB at c=256, in the very RSS soak watches.
				mu.Lock()
				_ = run.hist.RecordValue(took)
				mu.Unlock()
				done.Add(1)
			}
		}()
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	if progress == nil {
		close(stopped)
	} else {
		go func() {
			defer close(stopped)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case now := <-tick.C:
					if count > 0 {
						progress(float64(done.Load()) / float64(count))
					} else {
						progress(min(1, float64(now.Sub(start))/float64(d)))
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-stopped // Progress is never called once the phase returned
	if progress != nil {
		progress(1) // a phase quicker than one tick is still reported
	}
	used := snapshotNow().since(from)
	run.wall, run.cpu, run.mallocs = time.Since(start), used.CPU, uint64(used.Allocs)
	run.ops = done.Load()
	if run.err == nil && ctx.Err() != nil && count > 0 && run.ops < int64(count) {
		run.err = context.Cause(ctx)
	}
	return run
}

// perSecond is the phase's throughput.
func (r pipeRun) perSecond() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.ops) / r.wall.Seconds()
}

// latency is the phase's distribution as Result reports it.
func (r pipeRun) latency() *Latency {
	l := LatencyOf(r.hist)
	return &l
}

// result fills the measured fields of a Result from the phase.
func (r pipeRun) result(name, what, unit string) Result {
	res := Result{Name: name, What: what, Ops: r.ops, Unit: unit, Seconds: r.wall.Seconds(), PerSecond: r.perSecond(),
		Latency: r.latency(), PeakRSS: selfPeakRSS()}
	if r.ops > 0 {
		res.CPUPerOpNS = float64(r.cpu.Nanoseconds()) / float64(r.ops)
		a := float64(r.mallocs) / float64(r.ops)
		res.AllocsPerOp = &a
	}
	return res
}
