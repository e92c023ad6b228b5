package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/replay"
)

// ReplayOptions configure the replay screen.
type ReplayOptions struct {
	// Options are the screen's; Header.Mode is replaced by the timeline.
	Options
	// Speed is the starting speed, 1 (the trace's own time) to MaxSpeed.
	Speed float64
	// Paused starts the replay paused at its first event.
	Paused bool
	// Now reads the wall clock; nil is time.Now. Tests set it.
	Now func() time.Time
}

// Speeds are the steps of + and -: the trace's own time up to MaxSpeed.
var Speeds = []float64{1, 2, 4, 10, 25, 50, 100}

// MaxSpeed is the fastest replay.
const MaxSpeed = 100

// replayFrame is how often a playing replay moves its playhead.
const replayFrame = 50 * time.Millisecond

// replayTickMsg moves a playing replay's playhead to what the wall clock
// says. gen tells a tick of the current play from one of a play paused
// since, which must not run on.
type replayTickMsg struct {
	at  time.Time
	gen int
}

// ReplayModel plays a recorded trace through the live screen's Model: the
// same lanes, ladder, details, in the order the events were recorded.
// Going back rebuilds the screen from the first event up to the new
// position: O(position) per step back, a few milliseconds for a trace of
// ten thousand events, and memory that does not grow with the steps (no
// snapshots).
type ReplayModel struct {
	m        Model
	opts     ReplayOptions
	events   []flow.Event
	tl       replay.Timeline
	observed map[string]bool
	failures []int // positions of events that fail a call, ascending

	pos     int           // events applied
	clock   time.Duration // the playhead on the trace's clock
	speed   float64
	playing bool
	gen     int
	// The wall time and playhead when play last (re)started.
	anchorWall  time.Time
	anchorClock time.Duration
}

// NewReplayModel returns the replay screen over events, in file order.
func NewReplayModel(events []flow.Event, opts ReplayOptions) ReplayModel {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Observer = true   // nothing here sends or answers
	opts.Mode = ModeReplay // its own keys (keys.go)
	speed := min(max(opts.Speed, 1), MaxSpeed)
	r := ReplayModel{opts: opts, events: events, tl: replay.NewTimeline(events),
		observed: replay.ObservedCalls(events), failures: replay.Failures(events), speed: speed}
	r.m = NewModel(nil, opts.Options)
	r.m.status = r.startStatus()
	if !opts.Paused && len(events) > 0 {
		r.play()
	}
	return r
}

func (r ReplayModel) startStatus() string {
	fails := ""
	if n := len(r.failures); n > 0 {
		fails = fmt.Sprintf(" · %d failed (f jumps to the next)", n)
	}
	return fmt.Sprintf("%s events, %s on the trace's clock%s", flow.FormatCount(uint64(len(r.events))),
		clockText(r.tl.Total()), fails)
}

// Init asks for the background colour and, playing, starts the playhead.
func (r ReplayModel) Init() tea.Cmd {
	return tea.Batch(r.m.Init(), r.tick())
}

// RunReplay opens the replay screen until the user quits or ctx ends.
func RunReplay(ctx context.Context, events []flow.Event, opts ReplayOptions) error {
	opts.Options = fromEnv(opts.Options)
	_, err := tea.NewProgram(NewReplayModel(events, opts), tea.WithContext(ctx)).Run()
	return err
}

func (r ReplayModel) tick() tea.Cmd {
	if !r.playing {
		return nil
	}
	gen := r.gen
	return tea.Tick(replayFrame, func(t time.Time) tea.Msg { return replayTickMsg{at: t, gen: gen} })
}

// Update handles the replay's keys and ticks, and hands the rest to the
// screen.
func (r ReplayModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case replayTickMsg:
		if !r.playing || msg.gen != r.gen {
			return r, nil
		}
		r.advanceTo(msg.at)
		return r, r.tick()
	case tea.KeyPressMsg:
		// An opened event (inspect.go) and a filter being typed keep every key.
		if r.m.compose == nil && r.m.read.insp == nil && !r.m.flt.typing {
			if cmd, ok := r.key(msg); ok {
				return r, cmd
			}
		}
	}
	next, cmd := r.m.Update(msg)
	r.m = next.(Model)
	return r, cmd
}

// key handles the replay's own keys; ok is false for the screen's.
func (r *ReplayModel) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch msg.String() {
	case "space":
		if r.playing {
			r.pause()
			r.m.setStatus("paused · → next event · ← previous · space play", false)
			return nil, true
		}
		if r.pos == len(r.events) {
			r.rebuild(0) // from the start again
		}
		r.play()
		return r.tick(), true
	case "right", "l":
		r.pause()
		if r.pos == len(r.events) {
			r.m.setStatus("end of the trace · ← steps back · space plays it again", false)
			return nil, true
		}
		r.step()
		return nil, true
	case "left", "h":
		r.pause()
		if r.pos == 0 {
			r.m.setStatus("at the first event", false)
			return nil, true
		}
		sel := r.selectedTrace()
		r.rebuild(r.pos - 1)
		r.selectTrace(sel)
		if r.pos > 0 {
			r.m.setStatus("back at "+r.describe(r.pos-1), false)
		}
		return nil, true
	case "+", "=":
		r.setSpeed(+1)
		return nil, true
	case "-", "_":
		r.setSpeed(-1)
		return nil, true
	case "f":
		r.nextFailure()
		return nil, true
	case "r":
		r.pause()
		r.rebuild(0)
		r.m.setStatus("at the start · space plays · → steps", false)
		return nil, true
	}
	return nil, false
}

func (r *ReplayModel) play() {
	r.playing = true
	r.gen++
	r.anchorWall, r.anchorClock = r.opts.Now(), r.clock
}

func (r *ReplayModel) pause() {
	if r.playing {
		r.playing = false
		r.gen++
	}
}

// setSpeed moves to the next speed step up (dir > 0) or down; playing, the
// playhead goes on from where it is.
func (r *ReplayModel) setSpeed(dir int) {
	next := r.speed
	if dir > 0 {
		for _, s := range Speeds {
			if s > r.speed {
				next = s
				break
			}
		}
	} else {
		for i := len(Speeds) - 1; i >= 0; i-- {
			if Speeds[i] < r.speed {
				next = Speeds[i]
				break
			}
		}
	}
	if r.playing {
		now := r.opts.Now()
		r.anchorClock = max(r.clock, r.playhead(now))
		r.anchorWall = now
	}
	r.speed = next
	r.m.setStatus("speed "+speedText(next), false)
}

// playhead is where the trace's clock stands at wall time t while playing.
func (r ReplayModel) playhead(t time.Time) time.Duration {
	d := r.anchorClock + time.Duration(float64(t.Sub(r.anchorWall))*r.speed)
	return min(max(d, r.anchorClock), r.tl.Total())
}

// advanceTo applies every event the playhead passed by wall time t.
func (r *ReplayModel) advanceTo(t time.Time) {
	r.clock = r.playhead(t)
	n := r.tl.Before(r.clock, r.pos)
	for r.pos < n {
		r.applyNext()
	}
	if r.pos == len(r.events) {
		r.pause()
		r.clock = r.tl.Total()
		r.m.setStatus("end of the trace · ← steps back · space plays it again", false)
	}
}

// applyNext folds the next event into the screen.
func (r *ReplayModel) applyNext() {
	e := r.events[r.pos]
	r.m.apply(e, r.observed[e.TraceID])
	// The live screen offers to answer a ringing call; a recording cannot.
	r.m.status = strings.TrimSuffix(r.m.status, " · a answer · d decline")
	r.pos++
	r.clock = max(r.clock, r.tl.At[r.pos-1])
}

// step applies one event, selects its call and says what it was, unless
// it changed how the call stands: then the screen's own words stay.
func (r *ReplayModel) step() {
	before := r.m.status
	r.applyNext()
	e := r.events[r.pos-1]
	r.selectTrace(e.TraceID)
	if r.m.status == before {
		r.m.setStatus(r.describe(r.pos-1), false)
	}
}

// nextFailure plays on to the next event that fails a call, and stops
// there with that call selected.
func (r *ReplayModel) nextFailure() {
	r.pause()
	for _, at := range r.failures {
		if at < r.pos {
			continue
		}
		for r.pos <= at {
			r.applyNext()
		}
		r.selectTrace(r.events[at].TraceID)
		c, _ := r.m.selected()
		text := "failed"
		if c.Diag != nil {
			text += ": " + c.Diag.String()
		}
		r.m.setStatus(fmt.Sprintf("%s · event %s", text, flow.FormatCount(uint64(r.pos))), true)
		return
	}
	r.m.setStatus("no failure after this point", false)
}

// rebuild returns the screen to the state after the first n events:
// a new screen, keeping only what the user set (size, theme, help).
func (r *ReplayModel) rebuild(n int) {
	old := r.m
	r.m = NewModel(nil, r.opts.Options)
	r.m.width, r.m.height, r.m.dark, r.m.theme, r.m.st, r.m.help = old.width, old.height, old.dark, old.theme, old.st, old.help
	r.m.flt = old.flt // the filter is the user's too
	r.pos, r.clock = 0, 0
	for r.pos < n {
		r.applyNext()
	}
	r.m.status = old.status
	if n == 0 {
		r.m.status = r.startStatus()
	}
}

func (r ReplayModel) selectedTrace() string {
	c, _ := r.m.selected()
	return c.TraceID
}

// selectTrace selects the call with this trace id, if it is held. A key
// press, not an event: a scan of the calls held is fine.
func (r *ReplayModel) selectTrace(id string) {
	for i := r.m.calls.Len() - 1; i >= 0; i-- {
		if c, _ := r.m.calls.At(i); c.TraceID == id {
			r.m.sel = i
			r.m.follow = i == r.m.calls.Len()-1
			return
		}
	}
}

// describe is one event in the status line.
func (r ReplayModel) describe(i int) string {
	e := r.events[i]
	s := fmt.Sprintf("event %s: %s %s · trace %s · +%s", flow.FormatCount(uint64(i+1)), e.Stage, e.Name,
		short(e.TraceID, 8), clockText(r.tl.At[i]))
	if e.Duration > 0 {
		s += " · took " + flow.FormatDuration(e.Duration)
		if e.Simulated {
			s += " (simulated)"
		}
	}
	return s
}
