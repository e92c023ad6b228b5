package bench

import (
	"strings"
	"testing"
	"time"
)

func latency(n int) *Latency {
	r := NewRecorder()
	for i := 1; i <= n; i++ {
		r.Record(time.Duration(i) * time.Millisecond)
	}
	l := r.Latency()
	return &l
}

func ptr[T any](v T) *T { return &v }

// TestFinish: the honesty rules. A failed or missing baseline removes the
// ratio and any target met and fails the benchmark; a good baseline
// gives the rate ratio; too few samples warn; nothing measured fails.
func TestFinish(t *testing.T) {
	base := func() *Result { return &Result{Ops: 1000, PerSecond: 2000, Latency: latency(1000)} }
	tests := []struct {
		name      string
		r         Result
		ok        bool
		ratio     *float64
		met       *bool
		baseErr   string
		warnings  int
		errSubstr string
	}{
		{name: "ratio from rates", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Baseline: base(), Met: ptr(true)},
			ok: true, ratio: ptr(0.9), met: ptr(true)},
		{name: "own ratio kept", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Baseline: base(), Ratio: ptr(0.95)},
			ok: true, ratio: ptr(0.95)},
		{name: "baseline error", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), BaselineError: "refused", Ratio: ptr(2.0), Met: ptr(true)},
			ok: false, baseErr: "refused"},
		{name: "baseline measured nothing", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Baseline: &Result{}, Met: ptr(true)},
			ok: false, baseErr: "the baseline measured nothing"},
		{name: "baseline failed", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Baseline: &Result{Error: "exec: not found"}},
			ok: false, baseErr: "exec: not found"},
		{name: "no baseline by design", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Met: ptr(false)}, ok: true, met: ptr(false)},
		{name: "few samples", r: Result{Ops: 10, PerSecond: 1800, Latency: latency(10), Stages: map[string]Latency{"apns": *latency(5)}},
			ok: true, warnings: 2},
		{name: "few baseline samples", r: Result{Ops: 1000, PerSecond: 1800, Latency: latency(1000), Baseline: &Result{Ops: 3, PerSecond: 1, Latency: latency(3)}},
			ok: true, ratio: ptr(1800.0), warnings: 1},
		{name: "nothing measured", r: Result{}, ok: false, errSubstr: "measured nothing"},
		{name: "error", r: Result{Error: "boom", Ops: 5, Met: ptr(true)}, ok: false, errSubstr: "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if ok := Finish(&r); ok != tt.ok {
				t.Fatalf("Finish = %v, want %v (%+v)", ok, tt.ok, r)
			}
			if (r.Ratio == nil) != (tt.ratio == nil) || r.Ratio != nil && abs(*r.Ratio-*tt.ratio) > 1e-9 {
				t.Fatalf("ratio %v, want %v", deref(r.Ratio), deref(tt.ratio))
			}
			if (r.Met == nil) != (tt.met == nil) || r.Met != nil && *r.Met != *tt.met {
				t.Fatalf("met %v, want %v", r.Met, tt.met)
			}
			if r.BaselineError != tt.baseErr {
				t.Fatalf("baseline error %q, want %q", r.BaselineError, tt.baseErr)
			}
			if len(r.Warnings) != tt.warnings {
				t.Fatalf("warnings %q, want %d", r.Warnings, tt.warnings)
			}
			if !strings.Contains(r.Error, tt.errSubstr) {
				t.Fatalf("error %q, want %q in it", r.Error, tt.errSubstr)
			}
		})
	}
}

func abs(f float64) float64 { return max(f, -f) }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestReportStat: the --threshold subjects a run answers.
func TestReportStat(t *testing.T) {
	rep := &Report{Benchmarks: []Result{
		{Name: "pipeline", Ops: 1000, PerSecond: 5000, Latency: latency(1000), Stages: map[string]Latency{"apns": *latency(100)},
			Baseline: &Result{Ops: 1000, PerSecond: 6000, Latency: latency(1000)}, Ratio: ptr(5000.0 / 6000)},
		{Name: "soak", Ops: 100000, PerSecond: 3000, Counts: map[string]int64{"lost": 0, "duplicated": 0}},
		{Name: "trace", Ops: 100e6, PerSecond: 150e6, Latency: &Latency{Count: 5, P50: 1, P95: 2, P99: 3, Max: 4}},
		{Name: "broken", Error: "boom", Ops: 5},
	}}
	tests := []struct {
		stat, subject string
		want          float64
		ok            bool
	}{
		{"rate", "pipeline", 5000, true},
		{"ratio", "pipeline", 5000.0 / 6000, true},
		{"count", "pipeline", 1000, true},
		{"p50", "pipeline", 0.5, true},
		{"p90", "pipeline", 0.9, true},
		{"p99.9", "pipeline", 0.999, true},
		{"max", "pipeline", 1.0, true},
		{"avg", "pipeline", 0.5005, true},
		{"p50", "pipeline.apns", 0.05, true},
		{"count", "pipeline.apns", 100, true},
		{"rate", "pipeline.apns", 0, false},
		{"rate", "pipeline.baseline", 6000, true},
		{"ratio", "pipeline.baseline", 0, false},
		{"p50", "pipeline.nosuch", 0, false},
		{"lost", "soak", 0, true},
		{"duplicated", "soak", 0, true},
		{"failed", "soak", 0, false},
		{"p95", "soak", 0, false},
		{"rate", "trace", 150e6, true},
		{"p95", "trace", 2e-6, true},
		{"p90", "trace", 0, false}, // a Latency without its histogram knows four figures only
		{"avg", "trace", 0, false},
		{"rate", "broken", 0, false},
		{"rate", "nosuch", 0, false},
	}
	for _, tt := range tests {
		got, ok := rep.Stat(tt.stat, tt.subject)
		if ok != tt.ok || ok && abs(got-tt.want) > 0.01*tt.want {
			t.Errorf("Stat(%s, %s) = %v, %v; want %v, %v", tt.stat, tt.subject, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStageOrder(t *testing.T) {
	got := stageOrder(map[string]Latency{"total c=1": {}, "callkit": {}, "apns": {}, "sender": {}, "extension": {}, "server": {}, "a-part": {}})
	want := []string{"sender", "server", "apns", "extension", "callkit", "a-part", "total c=1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order %q, want %q", got, want)
	}
}
