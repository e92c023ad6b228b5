package flow

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// SubjectTotal names the whole path in `send --threshold`: p95(total).
const SubjectTotal = "total"

// SetWall records the run's wall time, which Stat's rate needs.
func (s *Summary) SetWall(d time.Duration) { s.wall = d }

// StageHistogram is a stage's latency distribution in microseconds, or the
// measured end-to-end one for SubjectTotal; nil for an unknown stage. The
// caller must not change it.
func (s *Summary) StageHistogram(subject string) *hdrhistogram.Histogram {
	if subject == SubjectTotal {
		return s.total
	}
	return s.stages[Stage(subject)]
}

// FailedAt is how many calls failed at a stage (the one their diagnosis
// blames).
func (s *Summary) FailedAt(st Stage) int { return s.failedAt[st] }

// Stat answers `send --threshold` (a threshold.Source): for a stage or
// total, a latency percentile pNN, max or avg in seconds; count (calls that
// reached it, or all for total); failed (calls that failed there, or all
// failed calls for total). rate(total) is calls per second of wall time.
// A stage every call passed instantaneously has latency 0. ok is false for
// an unknown subject or statistic, or a latency nothing was measured for.
func (s *Summary) Stat(stat, subject string) (float64, bool) {
	var h *hdrhistogram.Histogram
	instant := 0
	if subject == SubjectTotal {
		h = s.total
	} else {
		st, err := ParseStage(subject)
		if err != nil {
			return 0, false
		}
		h, instant = s.stages[st], s.instant[st]
	}
	switch stat {
	case "rate":
		if subject != SubjectTotal || s.wall <= 0 {
			return 0, false
		}
		return float64(s.calls) / s.wall.Seconds(), true
	case "count":
		if subject == SubjectTotal {
			return float64(s.calls), true
		}
		return float64(h.TotalCount()) + float64(instant), true
	case "failed":
		if subject == SubjectTotal {
			return float64(s.outcomes[OutcomeFailed]), true
		}
		return float64(s.failedAt[Stage(subject)]), true
	}
	if h.TotalCount() == 0 {
		// Passed by system calls alone: no latency, not an unmeasured one.
		return 0, instant > 0
	}
	us := 0.0
	switch {
	case stat == "max":
		us = float64(h.Max())
	case stat == "avg":
		us = h.Mean()
	case strings.HasPrefix(stat, "p"):
		q, err := strconv.ParseFloat(stat[1:], 64)
		if err != nil || q <= 0 || q > 100 || math.IsNaN(q) {
			return 0, false
		}
		us = float64(h.ValueAtQuantile(q))
	default:
		return 0, false
	}
	return us * float64(time.Microsecond) / float64(time.Second), true
}

// StatSubjects are the subjects Stat knows, for a flag's error message.
func StatSubjects() []string {
	out := make([]string, 0, len(Stages)+1)
	for _, st := range Stages {
		out = append(out, string(st))
	}
	return append(out, SubjectTotal)
}
