package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad: a counted run does exactly Count operations with at most
// Concurrency at once, counts failures apart from the timed successes,
// and reports progress ending at 1.
func TestLoad(t *testing.T) {
	var inFlight, peak, n atomic.Int64
	var last float64
	l := Load{Phase: "measuring", Progress: func(phase string, done float64) {
		if phase != "measuring" {
			t.Errorf("phase %q", phase)
		}
		last = done
	}}.Defaults(Options{Count: 500, Concurrency: 4}, time.Hour, 64)
	m := l.Run(context.Background(), func(context.Context) error {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		if n.Add(1)%100 == 0 {
			return errors.New("every hundredth fails")
		}
		return nil
	})
	if n.Load() != 500 || m.Ops != 495 || m.Errors != 5 || m.Err == nil || m.Latency.Count != 495 {
		t.Fatalf("ran %d: ops %d errors %d (%v), %d latencies; want 500: 495, 5", n.Load(), m.Ops, m.Errors, m.Err, m.Latency.Count)
	}
	if peak.Load() > 4 {
		t.Fatalf("%d in flight at once, want at most 4", peak.Load())
	}
	if last != 1 {
		t.Fatalf("last progress %v, want 1", last)
	}
	r := m.Result("fake", "ops")
	if r.Ops != 495 || r.PerSecond <= 0 || r.Latency == nil || len(r.Warnings) != 1 || r.Error != "" || r.AllocsPerOp == nil {
		t.Fatalf("Result %+v", r)
	}
}

// TestLoadStops: a duration run ends by itself, a cancelled one at once,
// and a run where everything fails is an error.
func TestLoadStops(t *testing.T) {
	m := Load{Duration: 20 * time.Millisecond, Concurrency: 2}.Run(context.Background(), func(context.Context) error { return nil })
	if m.Ops == 0 || m.Elapsed < 20*time.Millisecond {
		t.Fatalf("duration run: %d ops in %s", m.Ops, m.Elapsed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m = Load{Duration: time.Hour, Concurrency: 3}.Run(ctx, func(ctx context.Context) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	if m.Errors != 0 {
		t.Fatalf("cancelled operations counted as failures: %d", m.Errors)
	}
	m = Load{Count: 10, Concurrency: 2}.Run(context.Background(), func(context.Context) error { return errors.New("refused") })
	if r := m.Result("x", "ops"); r.Error != "refused" || r.Ops != 0 {
		t.Fatalf("all failed: %+v", r)
	}
}
