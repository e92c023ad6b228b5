package flow

import (
	"math"
	"testing"
	"time"
)

// TestSummaryStat: the statistics `send --threshold` reads from a run.
func TestSummaryStat(t *testing.T) {
	s := NewSummary()
	for i := 1; i <= 100; i++ {
		c := Call{Outcome: OutcomeConnected, Latency: Latency{
			Stages:  map[Stage]time.Duration{StageAPNs: time.Duration(i) * time.Millisecond, StageCallKit: 0},
			Instant: map[Stage]bool{StageCallKit: true},
			Total:   time.Duration(2*i) * time.Millisecond,
		}}
		if i > 98 {
			c.Outcome = OutcomeFailed
			c.Diag = &Diagnosis{Stage: StageAPNs}
		}
		s.Add(c)
	}
	s.SetWall(2 * time.Second)
	tests := []struct {
		stat, subject string
		want          float64
		ok            bool
	}{
		{"p50", "apns", 0.050, true},
		{"p95", "apns", 0.095, true},
		{"p99.9", "apns", 0.100, true},
		{"max", "apns", 0.100, true},
		{"avg", "apns", 0.0505, true},
		{"p99", "total", 0.198, true},
		{"count", "apns", 100, true},
		{"count", "total", 100, true},
		{"count", "server", 0, true},
		{"failed", "apns", 2, true},
		{"failed", "server", 0, true},
		{"failed", "total", 2, true},
		{"rate", "total", 50, true},
		{"rate", "apns", 0, false},
		{"p95", "callkit", 0, true}, // instant: no latency, not unmeasured
		{"p95", "server", 0, false}, // never reached
		{"p95", "nosuch", 0, false},
		{"ratio", "total", 0, false},
		{"lost", "total", 0, false},
	}
	for _, tt := range tests {
		got, ok := s.Stat(tt.stat, tt.subject)
		if ok != tt.ok || math.Abs(got-tt.want) > 0.002*math.Max(1, tt.want) {
			t.Errorf("Stat(%s, %s) = %v, %v; want %v, %v", tt.stat, tt.subject, got, ok, tt.want, tt.ok)
		}
	}
	if s.FailedAt(StageAPNs) != 2 {
		t.Errorf("FailedAt(apns) = %d", s.FailedAt(StageAPNs))
	}
	if s.StageHistogram("apns").TotalCount() != 100 || s.StageHistogram("total").TotalCount() != 100 || s.StageHistogram("x") != nil {
		t.Error("StageHistogram")
	}
	// No wall time yet: no rate.
	if _, ok := NewSummary().Stat("rate", "total"); ok {
		t.Error("rate without wall time")
	}
}
