package device

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// askClock is a virtual clock that records every simulated wait asked of it.
type askClock struct {
	mu    sync.Mutex
	asked []time.Duration
}

func (c *askClock) Sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	c.mu.Lock()
	c.asked = append(c.asked, d)
	c.mu.Unlock()
	return 0, ctx.Err()
}
func (c *askClock) Virtual() bool { return true }

func (c *askClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.asked)
}

// TestIOSLimitsRunOnTheClock: each iOS time limit is one wait on the
// device's clock, and only the earlier of a limit and the work it bounds is
// asked for, so a virtual clock gives the answer a real one would.
func TestIOSLimitsRunOnTheClock(t *testing.T) {
	def := DefaultProfile()
	tests := []struct {
		name  string
		prof  func(*Profile)
		waits []time.Duration // in order
		code  flow.Code
		event string        // the simulated event that bears the limit
		dur   time.Duration // its simulated duration
	}{
		{name: "30 s NSE budget", prof: func(p *Profile) { p.NSEWork = 2 * time.Minute },
			waits: []time.Duration{def.NSEStartup, 30 * time.Second}, code: CodeNSETimeExpired, event: "nse-work", dur: 30 * time.Second},
		{name: "7 s PushKit deadline", prof: func(p *Profile) { p.DelegateBlock = time.Minute },
			waits: []time.Duration{def.NSEStartup, def.AppLaunch, 7 * time.Second}, code: flow.CodeAppKilled, event: "delegate-blocked", dur: 7 * time.Second},
		{name: "60 s ring limit", prof: func(p *Profile) { p.AnswerPolicy = AnswerIgnore },
			waits: []time.Duration{def.NSEStartup, def.AppLaunch, 60 * time.Second}, code: flow.CodeUnanswered, event: "ring-timeout", dur: 60 * time.Second},
		{name: "think time before the limit", prof: func(p *Profile) { p.AnswerAfter = 12 * time.Second },
			waits: []time.Duration{def.NSEStartup, def.AppLaunch, 12 * time.Second, def.AnswerFulfill}, event: "answered", dur: 12 * time.Second},
		{name: "action timeout", prof: func(p *Profile) { p.AnswerFulfill = time.Minute },
			waits: []time.Duration{def.NSEStartup, def.AppLaunch, def.AnswerAfter, 10 * time.Second}, code: CodeActionTimedOut, event: "answer-fulfil", dur: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prof := DefaultProfile()
			tt.prof(&prof)
			clk := &askClock{}
			rec := newRecorder()
			ph := newPhone(t, prof, rec, clk)
			p, _ := ph.push(t, request{})
			ph.Deliver(p)
			rec.next(t, p.TraceID)
			ph.settle(t)
			if got := clk.waits(); !slices.Equal(got, tt.waits) {
				t.Errorf("clock asked for %v, want %v", got, tt.waits)
			}
			evs := rec.trace(p.TraceID)
			var code flow.Code
			if d := firstDiag(evs); d != nil {
				code = d.Code
			}
			if code != tt.code {
				t.Errorf("diagnosis %q, want %q", code, tt.code)
			}
			i := slices.IndexFunc(evs, func(e flow.Event) bool { return e.Name == tt.event })
			if i < 0 || !evs[i].Simulated || evs[i].Duration != tt.dur {
				t.Fatalf("no simulated %s of %s:\n%s", tt.event, tt.dur, names(evs))
			}
		})
	}
}

// gateClock holds every simulated wait until the test lets it go: the
// screen's real clock, with the test as time.
type gateClock struct {
	asked   chan time.Duration
	release chan struct{}
}

func (c *gateClock) Sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	select {
	case c.asked <- d:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case <-c.release:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
func (c *gateClock) Virtual() bool { return false }

// TestDeviceWaitsForTheClock: nothing after a simulated wait happens before
// the clock says the time has passed, and the wall time it took is recorded.
func TestDeviceWaitsForTheClock(t *testing.T) {
	clk := &gateClock{asked: make(chan time.Duration), release: make(chan struct{})}
	rec := newRecorder()
	ph := newPhone(t, DefaultProfile(), rec, clk)
	p, _ := ph.push(t, request{})
	ph.Deliver(p)
	want := []string{"nse-launch", "app-launch", "answered", "answer-fulfil"}
	for _, name := range want {
		select {
		case <-clk.asked:
		case <-time.After(wait):
			t.Fatalf("no wait asked for %s", name)
		}
		// The device is blocked on the clock: the event that ends the wait
		// is not out yet.
		for _, e := range rec.trace(p.TraceID) {
			if e.Name == name {
				t.Fatalf("%s emitted before its simulated time passed", name)
			}
		}
		clk.release <- struct{}{}
	}
	if s := rec.next(t, p.TraceID); s.Kind != SignalAnswered {
		t.Fatalf("signal %s", s.Kind)
	}
	ph.settle(t)
	for _, e := range rec.trace(p.TraceID) {
		if e.Name == "app-launch" && (e.Waited != DefaultProfile().AppLaunch || !e.Simulated) {
			t.Fatalf("app-launch waited %s, simulated %v", e.Waited, e.Simulated)
		}
	}
}

// TestCloseInterruptsAWait: closing the phone ends a simulated wait in
// progress; a closed device takes no more pushes.
func TestCloseInterruptsAWait(t *testing.T) {
	clk := &gateClock{asked: make(chan time.Duration), release: make(chan struct{})}
	rec := newRecorder()
	ph := newPhone(t, DefaultProfile(), rec, clk)
	p, _ := ph.push(t, request{})
	ph.Deliver(p)
	select {
	case <-clk.asked:
	case <-time.After(wait):
		t.Fatal("no wait asked")
	}
	ph.Close() // returns only once the wait is interrupted and the worker is gone
	before := len(rec.trace(p.TraceID))
	p2, _ := ph.push(t, request{})
	ph.Deliver(p2)
	if evs := rec.trace(p2.TraceID); len(evs) != 1 || evs[0].Name != "not-taken" {
		t.Fatalf("a closed device handled a push: %+v, want only not-taken", evs)
	}
	if after := len(rec.trace(p.TraceID)); after != before {
		t.Fatalf("events after Close: %d, then %d", before, after)
	}
}
