package flow

import (
	"sort"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Summary accumulates per-stage latency percentiles over many calls. Values
// are kept in microseconds with three significant digits, from 1 µs to 1 h.
type Summary struct {
	stages   map[Stage]*hdrhistogram.Histogram
	instant  map[Stage]int // calls that passed the stage instantaneously
	total    *hdrhistogram.Histogram
	outcomes map[Outcome]int
	calls    int
	// failedAt counts failed calls by the stage their diagnosis blames.
	failedAt map[Stage]int
	// wall is the run's wall time (SetWall), for the rate.
	wall time.Duration
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	s := &Summary{stages: map[Stage]*hdrhistogram.Histogram{}, instant: map[Stage]int{}, total: newHist(), outcomes: map[Outcome]int{}, failedAt: map[Stage]int{}}
	for _, st := range Stages {
		s.stages[st] = newHist()
	}
	return s
}

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

// Add records one finished call.
func (s *Summary) Add(c Call) {
	s.calls++
	s.outcomes[c.Outcome]++
	if c.Outcome == OutcomeFailed && c.Diag != nil {
		s.failedAt[c.Diag.Stage]++
	}
	for st, d := range c.Latency.Stages {
		if c.Latency.Instant[st] {
			s.instant[st]++ // no latency to add to the percentiles
			continue
		}
		if h := s.stages[st]; h != nil {
			_ = h.RecordValue(max(1, d.Microseconds()))
		}
	}
	if c.Latency.Total > 0 {
		_ = s.total.RecordValue(max(1, c.Latency.Total.Microseconds()))
	}
}

// Calls is how many calls were added.
func (s *Summary) Calls() int { return s.calls }

// Outcomes counts calls by outcome.
func (s *Summary) Outcomes() map[Outcome]int { return s.outcomes }

// Percentile returns the q-th percentile (0–100) of a stage's latency and how
// many calls reached the stage. An empty stage gives (0, 0).
func (s *Summary) Percentile(st Stage, q float64) (time.Duration, int64) {
	h := s.stages[st]
	if h == nil || h.TotalCount() == 0 {
		return 0, 0
	}
	return time.Duration(h.ValueAtQuantile(q)) * time.Microsecond, h.TotalCount()
}

// Instant is how many calls passed the stage instantaneously (they are not
// in its percentiles).
func (s *Summary) Instant(st Stage) int { return s.instant[st] }

// TotalPercentile is the q-th percentile of the measured end-to-end time.
func (s *Summary) TotalPercentile(q float64) time.Duration {
	if s.total.TotalCount() == 0 {
		return 0
	}
	return time.Duration(s.total.ValueAtQuantile(q)) * time.Microsecond
}

// FormatDuration prints a latency the way the screen and tables do: µs below
// a millisecond, ms below a second, then seconds.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return itoa(d.Microseconds()) + "µs"
	case d < time.Second:
		return trim(float64(d)/float64(time.Millisecond), 2) + "ms"
	default:
		return trim(d.Seconds(), 2) + "s"
	}
}

// FormatSimulated lists simulated waits by name, "app-launch 350ms", in name
// order, for tables and the screen.
func FormatSimulated(sim map[string]time.Duration) []string {
	names := make([]string, 0, len(sim))
	for n := range sim {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = n + " " + FormatDuration(sim[n])
	}
	return names
}
