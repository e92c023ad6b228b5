package bench

import (
	"runtime"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Measuring helpers for the in-process benchmarks (crypto, trace).

// newNSHist records latencies in nanoseconds, 1 ns to 1 min, three
// significant digits: a seal+open is a few hundred µs, so µs steps would
// lose the difference the ratio is about.
func newNSHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Minute), 3)
}

func recordNS(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(int64(d), 1), int64(time.Minute)))
}

// nsLatency summarises a nanosecond histogram as a Latency in µs, binned
// as every other benchmark's (LatencyOf).
func nsLatency(h *hdrhistogram.Histogram) Latency {
	l := LatencyOf(h) // in h's unit, ns: scaled to µs here
	for _, v := range []*float64{&l.P50, &l.P95, &l.P99, &l.Max, &l.Min} {
		*v /= 1e3
	}
	l.histUS = 1e-3
	return l
}

// usage is this process's CPU time and allocation count at one moment.
type usage struct {
	cpu     time.Duration
	mallocs uint64
}

func usageNow() usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var ru syscall.Rusage
	var cpu time.Duration
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return usage{cpu: cpu, mallocs: ms.Mallocs}
}

// perOp fills CPUPerOpNS and AllocsPerOp for ops operations run between
// from and to.
func (to usage) perOp(from usage, ops int64, r *Result) {
	if ops <= 0 {
		return
	}
	r.CPUPerOpNS = float64(to.cpu-from.cpu) / float64(ops)
	a := float64(to.mallocs-from.mallocs) / float64(ops)
	r.AllocsPerOp = &a
}

// peakRSS is the process's peak resident set so far (Linux: kilobytes).
func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024
}
