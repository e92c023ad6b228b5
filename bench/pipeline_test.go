package bench

import (
	"context"
	"testing"
)

// TestPipelineBenchmark: `bench pipeline` runs the full call and its parts
// alone in the same run, and reports the ratio, the stages and the target.
func TestPipelineBenchmark(t *testing.T) {
	b, ok := Lookup("pipeline")
	if !ok {
		t.Fatal("no pipeline benchmark registered")
	}
	var phases []string
	res, err := b.Run(context.Background(), Options{Count: 60, Concurrency: 8, Progress: func(phase string, done float64) {
		if done < 0 || done > 1 {
			t.Errorf("progress %v outside 0–1", done)
		}
		if len(phases) == 0 || phases[len(phases)-1] != phase {
			phases = append(phases, phase)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 60 || res.Unit != "calls" || res.PerSecond <= 0 || res.Latency == nil || res.Latency.Count != 60 {
		t.Errorf("ops %d %s at %v/s, latency %+v; want 60 calls measured", res.Ops, res.Unit, res.PerSecond, res.Latency)
	}
	for _, st := range []string{"sender", "server", "apns", "extension", "callkit", "total c=1"} {
		if l, ok := res.Stages[st]; !ok || l.Count == 0 {
			t.Errorf("stage %s: %+v, %v", st, l, ok)
		}
	}
	if res.Baseline == nil || res.Ratio == nil || *res.Ratio <= 0 || res.Met == nil {
		t.Fatalf("baseline %+v ratio %v met %v", res.Baseline, res.Ratio, res.Met)
	}
	for _, part := range []string{"device", "provider-hop", "apns-hop"} {
		if l, ok := res.Baseline.Stages[part]; !ok || l.Count != 60 {
			t.Errorf("part %s: %+v", part, l)
		}
	}
	if res.CPUPerOpNS <= 0 || res.AllocsPerOp == nil || *res.AllocsPerOp <= 0 || res.PeakRSS <= 0 {
		t.Errorf("cpu %v ns/op, allocs %v, peak RSS %d", res.CPUPerOpNS, res.AllocsPerOp, res.PeakRSS)
	}
	if len(res.Warnings) == 0 {
		t.Error("60 calls gave no warning about too few samples")
	}
	if len(phases) < 2 {
		t.Errorf("progress phases %v", phases)
	}
	t.Logf("%.0f calls/s (baseline %.0f, ratio %.2f), c=1 p50 %s µs, stages %v, notes %v %v", res.PerSecond, res.Baseline.PerSecond, *res.Ratio, res.Extra["c1_p50_us"], res.Stages, res.Notes, res.Baseline.Notes)
}
