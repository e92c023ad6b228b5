// Package threshold parses and checks k6-style pass/fail criteria such as
// `p95(apns)<50ms`, `rate(pipeline)>=5000` or `ratio(apns)>=0.9`, so that
// teams can gate CI on `callscope send` and `callscope bench`.
//
// A threshold is STAT(SUBJECT) OP VALUE. STAT is p50, p90, p95, p99, p99.9,
// max, avg (latencies, VALUE a Go duration such as 50ms or 1.5s), rate
// (per second), ratio (against the same-run baseline), or count, lost,
// failed (plain numbers). SUBJECT names a stage (sender, server, apns,
// extension, callkit, total) for send, or a benchmark for bench. OP is one
// of < <= > >= ==.
package threshold

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Threshold is one parsed criterion.
type Threshold struct {
	Expr    string // as the user wrote it
	Stat    string // p95, max, rate, ratio, …
	Subject string // a stage or benchmark name, lower-case
	Op      string // <, <=, >, >=, ==
	Value   float64
	// Duration is set for latency statistics; Value then holds it in
	// seconds.
	Duration bool
}

var ops = []string{"<=", ">=", "==", "<", ">"}

// Parse reads one threshold. Its error names the part that is wrong.
func Parse(expr string) (Threshold, error) {
	t := Threshold{Expr: expr}
	s := strings.TrimSpace(expr)
	open := strings.IndexByte(s, '(')
	closing := strings.IndexByte(s, ')')
	if open <= 0 || closing < open {
		return t, fmt.Errorf("threshold %q: want STAT(SUBJECT) OP VALUE, e.g. 'p95(apns)<50ms'", expr)
	}
	t.Stat = strings.ToLower(strings.TrimSpace(s[:open]))
	t.Subject = strings.ToLower(strings.TrimSpace(s[open+1 : closing]))
	if t.Subject == "" {
		return t, fmt.Errorf("threshold %q: the subject in parentheses is empty (a stage such as apns, or a benchmark)", expr)
	}
	rest := strings.TrimSpace(s[closing+1:])
	for _, op := range ops {
		if strings.HasPrefix(rest, op) {
			t.Op = op
			rest = strings.TrimSpace(rest[len(op):])
			break
		}
	}
	if t.Op == "" {
		return t, fmt.Errorf("threshold %q: after %s(%s) comes one of < <= > >= ==", expr, t.Stat, t.Subject)
	}
	switch {
	case isLatency(t.Stat):
		d, err := time.ParseDuration(rest)
		if err != nil {
			return t, fmt.Errorf("threshold %q: %s is a latency: the value %q must be a duration such as 50ms", expr, t.Stat, rest)
		}
		if d < 0 {
			return t, fmt.Errorf("threshold %q: a latency is never negative (got %s)", expr, rest)
		}
		t.Value, t.Duration = d.Seconds(), true
	case t.Stat == "rate" || t.Stat == "ratio" || t.Stat == "count" || t.Stat == "lost" || t.Stat == "failed" || t.Stat == "duplicated":
		v, err := strconv.ParseFloat(strings.TrimSuffix(rest, "/s"), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return t, fmt.Errorf("threshold %q: the value %q must be a number", expr, rest)
		}
		t.Value = v
	default:
		return t, fmt.Errorf("threshold %q: unknown statistic %q (p50 p90 p95 p99 p99.9 max avg rate ratio count lost failed duplicated)", expr, t.Stat)
	}
	return t, nil
}

// ParseAll parses each expression; the first error stops it.
func ParseAll(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := Parse(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func isLatency(stat string) bool {
	switch stat {
	case "max", "avg":
		return true
	}
	if !strings.HasPrefix(stat, "p") {
		return false
	}
	q, err := strconv.ParseFloat(stat[1:], 64)
	return err == nil && q > 0 && q <= 100
}

// Quantile is the percentile a pNN statistic asks for (0–100), or -1 for
// statistics that are not percentiles.
func (t Threshold) Quantile() float64 {
	if !strings.HasPrefix(t.Stat, "p") {
		return -1
	}
	q, err := strconv.ParseFloat(t.Stat[1:], 64)
	if err != nil {
		return -1
	}
	return q
}

// Source gives the measured value of a statistic for a subject, in the
// units Threshold.Value uses (seconds for latencies). ok is false when the
// run has no such subject or statistic.
type Source interface {
	Stat(stat, subject string) (v float64, ok bool)
}

// Result is one threshold checked against a run.
type Result struct {
	Threshold
	Got  float64
	Have bool // false: the run measured nothing for it, which fails
	Pass bool
}

func (r Result) String() string {
	mark := "pass"
	if !r.Pass {
		mark = "FAIL"
	}
	if !r.Have {
		return fmt.Sprintf("%s  %s  (nothing measured for %s(%s))", mark, r.Expr, r.Stat, r.Subject)
	}
	got := strconv.FormatFloat(r.Got, 'g', 4, 64)
	if r.Duration {
		got = time.Duration(r.Got * float64(time.Second)).Round(time.Microsecond).String()
	}
	return fmt.Sprintf("%s  %s  (got %s)", mark, r.Expr, got)
}

// Check evaluates every threshold against src.
func Check(ts []Threshold, src Source) []Result {
	out := make([]Result, len(ts))
	for i, t := range ts {
		v, ok := src.Stat(t.Stat, t.Subject)
		r := Result{Threshold: t, Got: v, Have: ok}
		if ok {
			switch t.Op {
			case "<":
				r.Pass = v < t.Value
			case "<=":
				r.Pass = v <= t.Value
			case ">":
				r.Pass = v > t.Value
			case ">=":
				r.Pass = v >= t.Value
			case "==":
				r.Pass = v == t.Value
			}
		}
		out[i] = r
	}
	return out
}

// Failed reports whether any result failed.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if !r.Pass {
			return true
		}
	}
	return false
}

// JSON is a checked threshold as `send --json` and `bench --json` print it.
type JSON struct {
	Expr string `json:"expr"`
	Pass bool   `json:"pass"`
	// Got is the measured value, in seconds for latencies; null when the
	// run measured nothing for it (which fails).
	Got *float64 `json:"got"`
}

// JSON is r for a JSON document.
func (r Result) JSON() JSON {
	j := JSON{Expr: r.Expr, Pass: r.Pass}
	if r.Have {
		got := r.Got
		j.Got = &got
	}
	return j
}

// JSONAll converts results, never nil.
func JSONAll(rs []Result) []JSON {
	out := make([]JSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.JSON())
	}
	return out
}
