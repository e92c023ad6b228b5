package bench

import (
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
