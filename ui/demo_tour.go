package ui

import "time"

// DemoStep is one stop of the demo tour: a scenario run on its own
// simulated iPhone, and what to tell the audience about it.
type DemoStep struct {
	// Scenario names the library scenario the step runs.
	Scenario string
	// Title is the step's headline ("A call that connects").
	Title string
	// Caption says, for someone who does not write code, what happened and
	// why it matters.
	Caption string
}

// demoTour is the tour's step machine, kept apart from the screen and from
// the wall clock so a test can drive it with a fake clock: each step is
// shown for hold, then the next one starts; after the last the tour starts
// over. Paused, time does not count.
type demoTour struct {
	steps   []DemoStep
	hold    time.Duration
	cur     int
	elapsed time.Duration
	paused  bool
	// started counts the steps begun, loops included.
	started int
}

func newDemoTour(steps []DemoStep, hold time.Duration) *demoTour {
	return &demoTour{steps: steps, hold: hold}
}

// step is the step shown.
func (t *demoTour) step() DemoStep { return t.steps[t.cur] }

// loop is how many times the tour went round before this step (0 first).
func (t *demoTour) loop() int { return max(0, t.started-1) / len(t.steps) }

// begin starts the first step; it returns the step's index to run.
func (t *demoTour) begin() int {
	t.cur, t.elapsed, t.started = 0, 0, 1
	return 0
}

// advance moves to the next step at once (→), wrapping round, and returns
// its index to run.
func (t *demoTour) advance() int {
	t.cur = (t.cur + 1) % len(t.steps)
	t.elapsed = 0
	t.started++
	return t.cur
}

// tick lets dt pass. It returns the index of a step to start when the
// current one's time is up, or -1.
func (t *demoTour) tick(dt time.Duration) int {
	if t.paused {
		return -1
	}
	t.elapsed += dt
	if t.elapsed < t.hold {
		return -1
	}
	return t.advance()
}

// left is the time until the next step.
func (t *demoTour) left() time.Duration { return max(0, t.hold-t.elapsed) }
