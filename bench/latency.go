package bench

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/callscope/callscope/flow/report"
)

// Recorder collects operation latencies in an HdrHistogram (1 µs to 1 h,
// three significant digits) for Result.Latency and Result.Stages. It is
// safe for concurrent use: workers record into one Recorder, or each into
// their own, merged at the end (cheaper at high rates).
type Recorder struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{h: hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)}
}

// Record adds one latency. Below a microsecond counts as 1 µs, beyond an
// hour as an hour: HdrHistogram's range, and far outside any benchmark's.
func (r *Recorder) Record(d time.Duration) {
	us := min(max(d.Microseconds(), 1), int64(time.Hour/time.Microsecond))
	r.mu.Lock()
	_ = r.h.RecordValue(us)
	r.mu.Unlock()
}

// Since records the time since start and returns now, for loops that time
// one operation after another.
func (r *Recorder) Since(start time.Time) time.Time {
	now := time.Now()
	r.Record(now.Sub(start))
	return now
}

// Merge adds other's latencies to r.
func (r *Recorder) Merge(other *Recorder) {
	other.mu.Lock()
	o := other.h.Clone()
	other.mu.Unlock()
	r.mu.Lock()
	r.h.Merge(o)
	r.mu.Unlock()
}

// Count is how many latencies were recorded.
func (r *Recorder) Count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.h.TotalCount()
}

// Latency summarises what was recorded, with Buckets for the terminal
// histogram.
func (r *Recorder) Latency() Latency {
	r.mu.Lock()
	h := r.h.Clone()
	r.mu.Unlock()
	return recorded(h)
}

// LatencyOf summarises a histogram of microseconds that a benchmark kept
// itself (flow.Summary's per-stage ones, for instance).
func LatencyOf(h *hdrhistogram.Histogram) Latency {
	if h == nil {
		return Latency{}
	}
	return recorded(h.Clone())
}

func recorded(h *hdrhistogram.Histogram) Latency {
	l := Latency{Count: h.TotalCount(), hist: h, LogScale: true}
	if l.Count == 0 {
		return l
	}
	l.P50 = float64(h.ValueAtQuantile(50))
	l.P95 = float64(h.ValueAtQuantile(95))
	l.P99 = float64(h.ValueAtQuantile(99))
	l.Max = float64(h.Max())
	l.Min, _, l.Buckets = report.Bins(h, report.HistogramBins)
	return l
}

// Quantile is the q-th percentile (0–100) in µs: exact from the histogram
// when the Latency came from a Recorder; otherwise only p50, p95, p99 and
// max (100) are known.
func (l Latency) Quantile(q float64) (float64, bool) {
	if l.Count == 0 {
		return 0, false
	}
	if l.hist != nil {
		if q >= 100 {
			return l.Max, true
		}
		return float64(l.hist.ValueAtQuantile(q)) * l.unit(), true
	}
	switch q {
	case 50:
		return l.P50, true
	case 95:
		return l.P95, true
	case 99:
		return l.P99, true
	case 100:
		return l.Max, true
	}
	return 0, false
}

// Mean is the average in µs, known only from a Recorder's histogram.
func (l Latency) Mean() (float64, bool) {
	if l.hist == nil || l.Count == 0 {
		return 0, false
	}
	return l.hist.Mean() * l.unit(), true
}

// unit is what one of hist's values is in µs.
func (l Latency) unit() float64 {
	if l.histUS == 0 {
		return 1
	}
	return l.histUS
}
