package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/callscope/callscope/flow/threshold"
)

// MinSamples is the fewest latencies a distribution needs before its
// percentiles mean what they say: below 100, p99 is the maximum.
const MinSamples = 100

// Report is the whole `callscope bench --json` document; its shape is
// stable (TestBenchJSONShape pins it).
type Report struct {
	Benchmarks []Result `json:"benchmarks"`
	// Thresholds are the --threshold results, never null.
	Thresholds []threshold.JSON `json:"thresholds"`
	Machine    Machine          `json:"machine"`
	// OK is false when a benchmark failed or could not run its baseline,
	// or a threshold failed: the exit status is 1 then.
	OK bool `json:"ok"`
}

// Machine says where the numbers were taken: on a shared machine the load
// is part of the result.
type Machine struct {
	CPUs       int         `json:"cpus"`
	GOMAXPROCS int         `json:"gomaxprocs"`
	Go         string      `json:"go"`
	OS         string      `json:"os"`
	Load       *[3]float64 `json:"load_avg"` // 1, 5, 15 minutes before the run; null where unknown
}

// ThisMachine describes the machine now.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		var l [3]float64
		ok := len(f) >= 3
		for i := 0; ok && i < 3; i++ {
			var err error
			l[i], err = strconv.ParseFloat(f[i], 64)
			ok = err == nil
		}
		if ok {
			m.Load = &l
		}
	}
	return m
}

// Finish applies the honesty rules to a benchmark's result and reports
// whether it stands: a benchmark that failed or measured nothing does not;
// nor does one whose baseline could not run, which then shows no ratio and
// no target met. A ratio the benchmark left out is the rate over the
// baseline's. Too few latency samples add a warning.
func Finish(r *Result) bool {
	ok := r.Error == ""
	if ok && r.Ops <= 0 {
		r.Error = "measured nothing: no operation completed"
		ok = false
	}
	if b := r.Baseline; r.BaselineError == "" && b != nil && (b.Error != "" || b.Ops <= 0 || b.PerSecond <= 0) {
		r.BaselineError = b.Error
		if r.BaselineError == "" {
			r.BaselineError = "the baseline measured nothing"
		}
	}
	if r.BaselineError != "" {
		r.Ratio, r.Met = nil, nil
		ok = false
	} else if r.Ratio == nil && r.Baseline != nil && r.PerSecond > 0 {
		ratio := r.PerSecond / r.Baseline.PerSecond
		r.Ratio = &ratio
	}
	if !ok {
		r.Met = nil
	}
	r.Warnings = append(r.Warnings, fewSamples("", r.Latency)...)
	for _, name := range sortedKeys(r.Stages) {
		l := r.Stages[name]
		r.Warnings = append(r.Warnings, fewSamples(name+" ", &l)...)
	}
	if r.Baseline != nil && r.BaselineError == "" {
		r.Warnings = append(r.Warnings, fewSamples("baseline ", r.Baseline.Latency)...)
	}
	return ok
}

func fewSamples(what string, l *Latency) []string {
	if l == nil || l.Count >= MinSamples {
		return nil
	}
	return []string{fmt.Sprintf("%slatency: only %d samples (fewer than %d): its percentiles are rough, p99 is the maximum; run longer (--duration, --count)",
		what, l.Count, MinSamples)}
}

// Stat answers `bench --threshold` (a threshold.Source). The subject is a
// benchmark (apns), one of its stages (pipeline.apns) or its baseline
// (apns.baseline). Latencies are in seconds; rate is operations per
// second; ratio is against the baseline; count is operations; lost,
// duplicated and failed come from the benchmark's counts.
func (rep *Report) Stat(stat, subject string) (float64, bool) {
	name, part, _ := strings.Cut(subject, ".")
	for i := range rep.Benchmarks {
		if r := &rep.Benchmarks[i]; r.Name == name && r.Error == "" {
			return r.stat(stat, part)
		}
	}
	return 0, false
}

var _ threshold.Source = (*Report)(nil)

func (r *Result) stat(stat, part string) (float64, bool) {
	lat := r.Latency
	switch {
	case part == "baseline":
		if r.Baseline == nil || r.BaselineError != "" || stat == "ratio" {
			return 0, false
		}
		return r.Baseline.stat(stat, "")
	case part != "":
		l, ok := r.Stages[part]
		if !ok {
			return 0, false
		}
		lat = &l
	}
	switch stat {
	case "rate":
		return r.PerSecond, part == "" && r.PerSecond > 0
	case "ratio":
		if r.Ratio == nil || part != "" {
			return 0, false
		}
		return *r.Ratio, true
	case "count":
		if part != "" {
			return float64(lat.Count), true
		}
		return float64(r.Ops), true
	case "lost", "duplicated", "failed":
		n, ok := r.Counts[stat]
		return float64(n), ok && part == ""
	}
	if lat == nil {
		return 0, false
	}
	var us float64
	var ok bool
	switch stat {
	case "max":
		us, ok = lat.Quantile(100)
	case "avg":
		us, ok = lat.Mean()
	default:
		q := threshold.Threshold{Stat: stat}.Quantile()
		if q <= 0 {
			return 0, false
		}
		us, ok = lat.Quantile(q)
	}
	return us * float64(time.Microsecond) / float64(time.Second), ok
}

// CheckThresholds checks ts against the report, records them in it, and
// marks the report failed when one fails.
func (rep *Report) CheckThresholds(ts []threshold.Threshold) []threshold.Result {
	rs := threshold.Check(ts, rep)
	rep.Thresholds = threshold.JSONAll(rs)
	if threshold.Failed(rs) {
		rep.OK = false
	}
	return rs
}
