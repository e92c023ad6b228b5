package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
)

var testSteps = []DemoStep{
	{Scenario: "audio-call", Title: "A call that connects", Caption: "Alice calls Bob and he answers."},
	{Scenario: "message", Title: "A message", Caption: "Alice sends Bob a message."},
	{Scenario: "no-mutable-content", Title: "Failure: a flag missing from the push",
		Caption: "The server left one flag (mutable-content) out of the push. iOS never wakes the app's decryptor, so Bob sees a generic placeholder and the call never rings."},
	{Scenario: "nse-memory-limit", Title: "Failure: too much memory", Caption: "iOS kills the extension."},
	{Scenario: "app-never-reports", Title: "Failure: no call shown", Caption: "iOS kills the app."},
}

// TestDemoTourClock drives the step machine with a fake clock: two minutes
// unattended go round the tour in order, a pause stops the clock, → skips.
func TestDemoTourClock(t *testing.T) {
	const hold = 10 * time.Second
	tour := newDemoTour(testSteps, hold)
	started := []int{tour.begin()}
	for range 2 * time.Minute / (250 * time.Millisecond) {
		if i := tour.tick(250 * time.Millisecond); i >= 0 {
			started = append(started, i)
		}
	}
	if len(started) != 13 { // the first step plus one every 10 s
		t.Fatalf("%d steps started in 2 min, want 13: %v", len(started), started)
	}
	for k, i := range started {
		if i != k%len(testSteps) {
			t.Fatalf("step %d was %d, want %d: %v", k, i, k%len(testSteps), started)
		}
	}
	if tour.loop() != 2 {
		t.Errorf("loop %d, want 2", tour.loop())
	}

	for _, tc := range []struct {
		name  string
		do    func(*demoTour) int
		want  int // step started, or -1
		cur   int
		pause bool
	}{
		{"paused: time does not count", func(d *demoTour) int { d.paused = true; return d.tick(time.Hour) }, -1, 0, true},
		{"not yet", func(d *demoTour) int { return d.tick(hold - time.Millisecond) }, -1, 0, false},
		{"time up", func(d *demoTour) int { return d.tick(hold) }, 1, 1, false},
		{"→ skips", func(d *demoTour) int { return d.advance() }, 1, 1, false},
		{"→ wraps", func(d *demoTour) int {
			for range len(testSteps) - 1 {
				d.advance()
			}
			return d.advance()
		}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDemoTour(testSteps, hold)
			d.begin()
			if got := tc.do(d); got != tc.want || d.cur != tc.cur || d.paused != tc.pause {
				t.Errorf("started %d cur %d paused %v, want %d %d %v", got, d.cur, d.paused, tc.want, tc.cur, tc.pause)
			}
		})
	}
}

// fakeRunner plays each step as a call that connects or fails, by name.
// With ready set it plays the steps in tour order, whatever order the
// program's commands run in, once ready is closed (when emit is in place).
type fakeRunner struct {
	ready   chan struct{}
	mu      sync.Mutex
	turn    *sync.Cond
	played  int
	started []string
	emit    func(flow.Event)
	// played, when set, hears each step's scenario once its events are sent.
	playedCh chan string
}

func (f *fakeRunner) Start(s DemoStep) error {
	idx := 0
	for i, t := range testSteps {
		if t.Scenario == s.Scenario {
			idx = i
		}
	}
	if f.ready != nil {
		<-f.ready
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ready != nil {
		for f.played != idx {
			f.turn.Wait()
		}
		defer f.turn.Broadcast()
	}
	f.played++
	f.started = append(f.started, s.Scenario)
	if f.emit == nil {
		return nil
	}
	id := callUUID(idx + 1)
	t0 := base.Add(secs(6 * (idx + 1)))
	var evs []flow.Event
	if strings.HasPrefix(s.Scenario, "audio") || s.Scenario == "message" {
		evs = append(ringingEvents(traceOf(id), id, t0), endEvents(traceOf(id), id, t0.Add(secs(3)), flow.OutcomeConnected)...)
	} else {
		evs = failedEvents(traceOf(id), id, t0)
	}
	for _, e := range evs {
		f.emit(e)
	}
	if f.playedCh != nil {
		f.playedCh <- s.Scenario
	}
	return nil
}

// TestDemoKeys: space pauses, → starts the next step, the keys that send or
// answer do nothing, q quits.
func TestDemoKeys(t *testing.T) {
	ctrl, r := &fakeController{}, &fakeRunner{}
	d := NewDemoModel(ctrl, r, DemoOptions{Screen: Options{NoColor: true, Location: time0Loc()}, Steps: testSteps, Hold: time.Minute})
	d.tour.begin()
	step := func(k string) tea.Cmd {
		next, cmd := d.Update(key(k))
		d = next.(DemoModel)
		return cmd
	}
	step("space")
	if !d.tour.paused {
		t.Fatal("space did not pause the tour")
	}
	step("space")
	if d.tour.paused {
		t.Fatal("space did not resume the tour")
	}
	if cmd := step("l"); cmd == nil || cmd() != nil || d.tour.cur != 1 || len(r.started) != 1 || r.started[0] != "message" {
		t.Fatalf("→: step %d, started %v", d.tour.cur, r.started)
	}
	for _, k := range []string{"n", "enter", "a", "d"} {
		if cmd := step(k); cmd != nil {
			cmd()
		}
	}
	if len(ctrl.sent)+len(ctrl.answered)+len(ctrl.declined) != 0 || d.inner.compose != nil {
		t.Fatalf("the demo sent or answered: %v %v %v", ctrl.sent, ctrl.answered, ctrl.declined)
	}
	if !isQuit(step("q")) {
		t.Fatal("q does not quit")
	}
}

// TestDemoGolden runs the demo program to its third step (a failure) and
// compares the final screen at both sizes.
func TestDemoGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		t.Run(size.name, func(t *testing.T) {
			r := &fakeRunner{ready: make(chan struct{}), playedCh: make(chan string, 8)}
			r.turn = sync.NewCond(&r.mu)
			// The tour's clock never ticks in the test: "next in 12s" stays.
			d := NewDemoModel(&fakeController{}, r, DemoOptions{Screen: Options{NoColor: true, Location: time0Loc(),
				Header: Header{Mode: "demo", Endpoints: "embedded default, one simulated iPhone per step", Device: "iPhone 16 (simulated)", Clock: "real time"}},
				Steps: testSteps, Hold: 12 * time.Second, Tick: time.Hour})
			tm := teatest.NewTestModel(t, d, teatest.WithInitialTermSize(size.w, size.h))
			r.mu.Lock()
			r.emit = func(e flow.Event) { tm.Send(EventMsg{Event: e}) }
			r.mu.Unlock()
			close(r.ready)
			// Wait on the runner, not on the renderer's output: it writes only
			// the cells that changed, so a phrase may never appear whole.
			waitPlayed := func(want string) {
				t.Helper()
				for {
					select {
					case got := <-r.playedCh:
						if got == want {
							return
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("step %s never played", want)
					}
				}
			}
			waitPlayed("audio-call")
			tm.Send(tea.KeyPressMsg{Code: tea.KeyRight})
			waitPlayed("message")
			tm.Send(tea.KeyPressMsg{Code: tea.KeyRight})
			waitPlayed("no-mutable-content")
			tm.Type("q")
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(DemoModel)
			content := final.View().Content
			lines := strings.Split(content, "\n")
			if len(lines) != size.h {
				t.Fatalf("%d lines, want %d", len(lines), size.h)
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n != size.w {
					t.Errorf("line %d is %d cells wide, want %d: %q", i+1, n, size.w, ansi.Strip(l))
				}
			}
			golden.RequireEqual(t, ansi.Strip(content))
		})
	}
}
