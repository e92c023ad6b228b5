package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
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
type Header struct{ Mode, Endpoints, Device, Clock string }

// Options configure the screen.
type Options struct {
	Header   Header
	Theme    string
	NoColor  bool
	Location *time.Location // times in the call list; nil = local
	// Observer is a screen that only watches (the standalone mock): with no
	// sender to conclude a request, its first failure ends it.
	Observer bool
	// Status is the first status line; "" for the composer's hint.
	Status string
}

// EventMsg carries one event from the bus into Update.
type EventMsg struct{ Event flow.Event }

type sentMsg struct {
	traceID string
	err     error
}

type actedMsg struct {
	verb, callID string
	err          error
}

// maxCalls bounds the calls kept on screen; older finished ones are dropped.
const maxCalls = 500

// Model is the root of the screen.
type Model struct {
	ctrl Controller
	opts Options

	width, height int
	dark          bool
	themeName     string
	st            styles

	calls      *flow.Calls
	order      []string // trace ids, oldest first
	sel        int
	follow     bool // keep the newest call selected
	summary    *flow.Summary
	summarized map[string]bool

	help    bool
	compose *composer
	status  string
	failed  bool
}

// NewModel returns the screen for a controller.
func NewModel(ctrl Controller, opts Options) Model {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	name := opts.Theme
	if _, err := themes.Get(name, true); err != nil || name == "" {
		name = themes.Names()[0]
	}
	m := Model{ctrl: ctrl, opts: opts, dark: true, themeName: name, calls: flow.NewCalls(), follow: true,
		summary: flow.NewSummary(), summarized: map[string]bool{},
		status: "n compose a call · enter send it · ? help"}
	if opts.Status != "" {
		m.status = opts.Status
	}
	m.st = newStyles(m.themeName, m.dark, opts.NoColor)
	return m
}

// Init asks the terminal for its background to pick light or dark colours.
func (m Model) Init() tea.Cmd { return tea.RequestBackgroundColor }

// Run opens the screen and forwards every event of sub to it until the user
// quits or ctx ends.
func Run(ctx context.Context, ctrl Controller, sub *bus.Subscription, opts Options) error {
	p := tea.NewProgram(NewModel(ctrl, opts), tea.WithContext(ctx))
	go func() {
		for e := range sub.Events() {
			p.Send(EventMsg{Event: e})
		}
	}()
	_, err := p.Run()
	sub.Close()
	return err
}
