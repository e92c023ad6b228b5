package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/ui"
)

// TestDemoLoops runs the tour's real calls for three loops at simulated
// time ×20 (two loops one step after another, as the tour plays them
// unattended, then every step at once, as a presenter pressing → fast
// does): each step ends as its scenario declares, and no call ever fails
// on CallKit's limit of ringing calls.
func TestDemoLoops(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 15 calls on real pipelines")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := newDemoRunner(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.out.Subscribe(1 << 16)
	var (
		mu     sync.Mutex
		limits []flow.Event
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range sub.Events() {
			if e.Diagnosis != nil && e.Diagnosis.Code == device.CodeCallLimit {
				mu.Lock()
				limits = append(limits, e)
				mu.Unlock()
			}
		}
	}()
	check := func(step ui.DemoStep, c flow.Call) {
		t.Helper()
		s, _ := r.lib.Get(step.Scenario)
		if c.Outcome != s.Expect.Outcome {
			t.Errorf("%s: outcome %s, want %s (%v)", step.Scenario, c.Outcome, s.Expect.Outcome, c.Diag)
		}
		if s.Expect.Code != "" && (c.Diag == nil || c.Diag.Code != s.Expect.Code) {
			t.Errorf("%s: diagnosis %v, want %s", step.Scenario, c.Diag, s.Expect.Code)
		}
	}
	for range 2 {
		for _, step := range demoSteps {
			s, _ := r.lib.Get(step.Scenario)
			c, err := r.run(s)
			if err != nil {
				t.Fatal(err)
			}
			check(step, c)
		}
	}
	for _, step := range demoSteps {
		if err := r.Start(step); err != nil {
			t.Fatal(err)
		}
	}
	r.wait()
	r.out.Close()
	wg.Wait()
	if sub.Dropped() > 0 {
		t.Fatalf("%d events dropped: the check is incomplete", sub.Dropped())
	}
	if len(limits) > 0 {
		t.Fatalf("%d calls failed on the call limit, first: %+v", len(limits), limits[0])
	}
}

// TestDemoSteps: every step's scenario is in the library, and its caption
// fits the caption's two lines at 80 columns.
func TestDemoSteps(t *testing.T) {
	if _, err := newDemoRunner(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	for _, s := range demoSteps {
		if n := len(strings.Split(ansi.Wordwrap(s.Caption, 80, ""), "\n")); n > 2 {
			t.Errorf("%s: caption takes %d lines at 80 columns, want at most 2", s.Scenario, n)
		}
	}
}
