package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/themes"
)

// Controller is what the screen asks the running pipeline to do. Its methods
// may do I/O: they are called from tea.Cmds only.
type Controller interface {
	Compose() flow.Request
	Send(req flow.Request) (traceID string, err error)
	Answer(callID string) error
	Decline(callID string) error
}

// Header is the run's description in the header line.
type Header struct {
	Mode, Endpoints, Device, Clock string
	// Target is the APNs pushes go to, as a badge ("sandbox APNs"); red
	// while Production, when the first send also asks to confirm.
	Target     string
	Production bool
	// Lint is what the device profiles break before any push (Profile.Lint):
	// counted in the header, listed under ? and on an empty screen.
	Lint []report.Warning
}

// Options configure the screen.
type Options struct {
	Header Header
	// Theme is --theme as given: "" (dark or light by the terminal's
	// background), a built-in or a theme file (themes.Choose; the command
	// checked it, an unreadable one here is the background's choice).
	Theme string
	// NoColor draws without colour: bold and reverse only, symbols
	// marking failure (NO_COLOR: the Run functions read it).
	NoColor  bool
	Location *time.Location // times in the call list; nil = local
	// Observer is a screen that only watches (the standalone mock): nothing
	// can be sent or answered from it, so n, enter, a and d are not offered,
	// and every request is observed (see Outside).
	Observer bool
	// Mode is the kind of screen (keys.go): which keys it offers. Zero is
	// ModeWatch with Observer, else ModeLive.
	Mode Mode
	// Outside are events from outside the process (--ingest): no sender on
	// this screen concludes their requests, so those end on what their
	// events show (flow.Calls.AddObserved): accepted by APNs, or failed.
	Outside *bus.Subscription
	// Status is the first status line; "" for the composer's hint.
	Status string
	// APNs is the base URL pushes go to, for y's curl command; "" is
	// Apple's sandbox.
	APNs string
	// Lost are the run's other losses, each in the header while not zero:
	// events not sent to --events-to, not written by --record.
	Lost []Loss
}

// Loss counts events a run lost outside the screen's own subscriptions,
// e.g. {"not sent to --events-to", sink.Undelivered}.
type Loss struct {
	What  string
	Count func() uint64
}

// EventMsg carries one event from the bus into Update. Outside marks an
// event whose request no sender on this screen concludes.
type EventMsg struct {
	Event   flow.Event
	Outside bool
}

type sentMsg struct {
	traceIDs []string
	composed Composed
	err      error
}

type actedMsg struct {
	verb, callID string
	err          error
}

// maxCalls bounds the calls the screen holds. Past it the oldest call goes,
// finished or not (flow.NewCallsLimit): the list is always the newest calls,
// the header counts the ones dropped, and the outcome counts in the list's
// title keep every call seen. Keeping unfinished calls instead let calls that
// never end (a phone that never reports back through --ingest) pin the
// screen: tens of thousands held, every event slower.
const maxCalls = 500

// Model is the root of the screen.
type Model struct {
	ctrl Controller
	opts Options
	mode Mode // which keys act here (keys.go)

	width, height int
	dark          bool
	theme         themes.Choice
	st            *styles // shared by the Model's copies: replaced, never changed

	calls  *flow.Calls // the calls held, oldest first: sel indexes them
	sel    int
	follow bool // keep the newest call selected
	tally  *tally
	lat    *latencyStats
	// dropped counts events the screen's subscriptions lost; nil in tests.
	dropped func() uint64

	help bool
	read readState // focus, event cursor, opened event (focus.go)
	// waterfall shows the selected call's stages on a time axis in place
	// of the ladder (w).
	waterfall bool
	compose   *composer
	// sheet is a preview (e) or a push as curl (y) taking the body
	// (preview.go); sentLog is what each call sent here was composed as (r).
	sheet   *sheet
	sentLog *sentLog
	// pick is a scenario's call to select when it shows (compose_send.go).
	pick   string
	status string
	failed bool
	// confirming is a send held for the production prompt (production.go).
	confirming    *Composed
	prodConfirmed bool

	flt   filterState // the call list's filter (filter.go)
	pause *paused     // the view frozen, events still arriving (pause.go)
}

// NewModel returns the screen for a controller.
func NewModel(ctrl Controller, opts Options) Model {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	theme, err := themes.Choose(opts.Theme)
	if err != nil {
		theme = themes.Choice{}
	}
	m := Model{ctrl: ctrl, opts: opts, mode: opts.mode(), dark: true, theme: theme, follow: true,
		status: "n compose a call · enter send it · ? help"}
	m.holdCalls(maxCalls)
	switch {
	case opts.Status != "":
		m.status = opts.Status
	case opts.Observer:
		m.status = "watching · ? help"
	}
	m.st = newStyles(m.theme.Theme(m.dark), opts.NoColor)
	if opts.Outside != nil {
		m.dropped = droppedBy(opts.Outside)
	}
	return m
}

// droppedBy counts what subs dropped, together.
func droppedBy(subs ...*bus.Subscription) func() uint64 {
	return func() uint64 {
		var n uint64
		for _, s := range subs {
			n += s.Dropped()
		}
		return n
	}
}

// Init asks the terminal for its background to pick light or dark colours.
func (m Model) Init() tea.Cmd { return tea.RequestBackgroundColor }

// Run opens the screen and forwards every event of sub to it until the user
// quits or ctx ends.
func Run(ctx context.Context, ctrl Controller, sub *bus.Subscription, opts Options) error {
	opts = fromEnv(opts)
	m := NewModel(ctrl, opts)
	subs := []*bus.Subscription{sub}
	if opts.Outside != nil {
		subs = append(subs, opts.Outside)
	}
	m.dropped = droppedBy(subs...)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	for i, s := range subs {
		outside := opts.Observer || i > 0
		go forward(p.Send, s.Events(), outside)
	}
	_, err := p.Run()
	for _, s := range subs {
		s.Close()
	}
	return err
}

// holdCalls gives the screen an empty store of at most limit calls, and the
// totals that follow it.
func (m *Model) holdCalls(limit int) {
	m.calls, m.tally, m.lat = flow.NewCallsLimit(limit), newTally(), newLatencyStats()
	if m.sentLog == nil {
		m.sentLog = newSentLog()
	}
	t, l, s := m.tally, m.lat, m.sentLog
	m.calls.OnEvict(func(c flow.Call) {
		t.forget(c.TraceID)
		l.forget(c.TraceID)
		s.forget(c.TraceID)
	})
}
