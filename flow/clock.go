package flow

import (
	"context"
	"time"
)

// Clock runs the simulated iPhone's waits: app launch, ringing, the callee
// reaching for the phone. A virtual clock returns at once, so a headless run
// costs no wall time for them; a real clock sleeps, scaled.
type Clock interface {
	// Sleep waits for simulated duration d (or until ctx ends) and returns the
	// wall time it actually spent.
	Sleep(ctx context.Context, d time.Duration) (waited time.Duration, err error)
	// Virtual reports whether simulated time costs no wall time.
	Virtual() bool
}

// VirtualClock spends no wall time on simulated waits. It keeps no order
// between waits: SimClock does, for runs with several devices.
type VirtualClock struct{}

// Sleep returns at once unless ctx is already done; a Forever wait lasts
// until ctx ends.
func (VirtualClock) Sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	if d == Forever {
		<-ctx.Done()
	}
	return 0, ctx.Err()
}

// Virtual is true.
func (VirtualClock) Virtual() bool { return true }

// RealClock sleeps simulated durations divided by Scale (1 when zero).
type RealClock struct{ Scale float64 }

// Sleep waits d/Scale of wall time.
func (c RealClock) Sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	if d == Forever {
		start := time.Now()
		<-ctx.Done()
		return time.Since(start), ctx.Err()
	}
	if c.Scale > 0 {
		d = time.Duration(float64(d) / c.Scale)
	}
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	}
	return time.Since(start), nil
}

// Virtual is false.
func (RealClock) Virtual() bool { return false }
