package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow/bus"
)

// DemoRunner starts a tour step's scenario. It returns once the step is
// set up (an error when it could not be): the step's call runs on its own,
// its events arrive on the screen's subscription, and it ends by itself
// (answered, or failed), so steps never pile up ringing calls.
type DemoRunner interface {
	Start(step DemoStep) error
}

// DemoOptions configure the demo screen.
type DemoOptions struct {
	Screen Options
	Steps  []DemoStep
	// Hold is how long each step is shown before the next starts.
	Hold time.Duration
	// Tick is how often the tour's clock is read; zero: 250 ms.
	Tick time.Duration
}

// captionRows are the rows under the screen the tour's caption takes: a
// rule, the step's title and keys, and two lines of caption.
const captionRows = 4

type demoTickMsg struct{ at time.Time }

// demoStartedMsg is a step that could not start.
type demoStartedMsg struct {
	step DemoStep
	err  error
}

// DemoModel is the screen with the tour running over it: the usual panes
// above, the caption of the step below. space pauses the tour, → (or l)
// skips to the next step, q quits; the keys that would send or answer are
// not offered, since the tour places every call itself.
type DemoModel struct {
	inner  Model
	tour   *demoTour
	runner DemoRunner
	tickD  time.Duration
	last   time.Time
	width  int
	height int
}

// NewDemoModel returns the tour's screen.
func NewDemoModel(ctrl Controller, runner DemoRunner, o DemoOptions) DemoModel {
	if o.Tick <= 0 {
		o.Tick = 250 * time.Millisecond
	}
	o.Screen.Status = "demo · space pause · → next step · q quit"
	o.Screen.Mode = ModeDemo
	return DemoModel{inner: NewModel(ctrl, o.Screen), tour: newDemoTour(o.Steps, o.Hold), runner: runner, tickD: o.Tick}
}

// Init starts the first step and the tour's clock.
func (d DemoModel) Init() tea.Cmd {
	i := d.tour.begin()
	return tea.Batch(d.inner.Init(), d.start(i), d.tick())
}

func (d DemoModel) tick() tea.Cmd {
	return tea.Tick(d.tickD, func(t time.Time) tea.Msg { return demoTickMsg{at: t} })
}

func (d DemoModel) start(i int) tea.Cmd {
	r, s := d.runner, d.tour.steps[i]
	return func() tea.Msg {
		if err := r.Start(s); err != nil {
			return demoStartedMsg{step: s, err: err}
		}
		return nil
	}
}

// Update runs the tour's keys and clock, and passes the rest to the screen.
func (d DemoModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.width, d.height = msg.Width, msg.Height
		msg.Height = max(1, msg.Height-captionRows)
		return d.pass(msg)
	case demoTickMsg:
		dt := d.tickD
		if !d.last.IsZero() {
			dt = msg.at.Sub(d.last)
		}
		d.last = msg.at
		cmds := []tea.Cmd{d.tick()}
		if i := d.tour.tick(dt); i >= 0 {
			cmds = append(cmds, d.start(i))
		}
		return d, tea.Batch(cmds...)
	case demoStartedMsg:
		d.inner.setStatus("demo step "+msg.step.Scenario+" could not start: "+msg.err.Error(), true)
		return d, nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "ctrl+c":
			if d.inner.flt.typing {
				break // text of the filter
			}
			return d, tea.Quit
		}
		// A filter being typed and an opened event keep every key (l is
		// text, space scrolls); the keys that would send or answer are
		// the inner screen's to refuse (ModeDemo, keys.go).
		if d.inner.flt.typing || d.inner.read.insp != nil {
			break
		}
		switch msg.String() {
		case "space":
			d.tour.paused = !d.tour.paused
			return d, nil
		case "right", "l":
			return d, d.start(d.tour.advance())
		}
	}
	return d.pass(msg)
}

func (d DemoModel) pass(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := d.inner.Update(msg)
	d.inner = next.(Model)
	return d, cmd
}

// View is the screen with the caption under it.
func (d DemoModel) View() tea.View {
	v := d.inner.View()
	if d.width == 0 || d.height == 0 {
		return v
	}
	rows := strings.Split(v.Content, "\n")
	v.SetContent(strings.Join(append(rows, d.captionLines(d.width)...), "\n"))
	return v
}

// captionLines are the captionRows rows of the caption, each w cells.
func (d DemoModel) captionLines(w int) []string {
	st, t := d.inner.st, d.tour
	s := t.step()
	state := fmt.Sprintf("next in %ds", int((t.left()+time.Second-1)/time.Second))
	if t.paused {
		state = "paused"
	}
	head := fmt.Sprintf("Demo %d/%d · %s", t.cur+1, len(t.steps), s.Title)
	keys := state
	gap := max(1, w-ansi.StringWidth(head)-ansi.StringWidth(keys))
	rows := []string{
		st.muted.Render(strings.Repeat("─", w)),
		st.title.Render(head) + strings.Repeat(" ", gap) + st.muted.Render(keys),
	}
	wrapped := strings.Split(ansi.Wordwrap(s.Caption, w, ""), "\n")
	for i := 0; i < captionRows-2; i++ {
		l := ""
		if i < len(wrapped) {
			l = wrapped[i]
			if i == captionRows-3 && len(wrapped) > captionRows-2 {
				l = ansi.Truncate(l, w, "…") // the captions are written to fit 80 columns
			}
		}
		rows = append(rows, l)
	}
	for i := range rows {
		rows[i] = fit(rows[i], w)
	}
	return rows
}

// RunDemo opens the tour's screen until the user quits or ctx ends.
func RunDemo(ctx context.Context, ctrl Controller, runner DemoRunner, sub *bus.Subscription, o DemoOptions) error {
	o.Screen = fromEnv(o.Screen)
	m := NewDemoModel(ctrl, runner, o)
	m.inner.dropped = droppedBy(sub)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	go forward(p.Send, sub.Events(), false)
	_, err := p.Run()
	sub.Close()
	return err
}
