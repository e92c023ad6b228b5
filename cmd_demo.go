package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/scenario"
	"github.com/callscope/callscope/ui"
)

// demoSteps is the tour: two calls that work, then three ways a call fails
// that teams meet in the field. Each caption is for someone who does not
// write code: what happened, and why it matters. They are written to fit
// two lines at 80 columns.
var demoSteps = []ui.DemoStep{
	{Scenario: "audio-call", Title: "A call that connects",
		Caption: "Alice calls Bob. The push crosses Apple's servers, Bob's iPhone rings and he answers. Every stage is green: the path every call should take."},
	{Scenario: "message", Title: "A message",
		Caption: "Alice sends Bob a message. The phone decrypts it on the device and shows the real text, so Apple's servers only ever carry ciphertext."},
	{Scenario: "no-mutable-content", Title: "Failure: a flag missing from the push",
		Caption: "The server left one flag (mutable-content) out of the push. iOS never wakes the app's decryptor, so Bob sees a generic placeholder and the call never rings."},
	{Scenario: "nse-memory-limit", Title: "Failure: the extension uses too much memory",
		Caption: "The app's notification extension needs 30 MB, but iOS allows 24 MB. iOS kills it mid-work: the call is lost, and nothing on the caller's side says why."},
	{Scenario: "app-never-reports", Title: "Failure: the app does not show the call",
		Caption: "iOS woke the app for a call, but the app never showed the incoming-call screen. iOS kills it, and after a few such pushes stops waking it for calls at all."},
}

// demoHold is how long each step stays on screen at --time-scale 1: long
// enough to read the caption and for the slowest step (the app killed after
// its reporting deadline, 7 s) to end.
const demoHold = 12 * time.Second

type demoOptions struct {
	timeScale float64
	hold      time.Duration
	theme     string
}

func demoCommand() *cobra.Command {
	o := demoOptions{timeScale: 1, hold: demoHold}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "A self-running tour of the screen: a call, a message and three failures, with captions",
		Long: `demo runs a tour of callscope on the embedded default, for people who do not
debug calls for a living: a call that connects, a message, then three failures
(no mutable-content in the push, the extension killed for memory, the app
killed by PushKit for not reporting a call), each with a caption that says
what happened and why it matters. The tour loops until q.

Each step runs on its own simulated iPhone and its call ends by itself
(answered, or failed), so ringing calls never pile up to CallKit's limit.

Keys: space pause · → (or l) next step · j/k choose a call · ? help · q quit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), o)
		},
	}
	cmd.Flags().Float64Var(&o.timeScale, "time-scale", 1, "run simulated iPhone time, and the tour, this many times faster than real time")
	cmd.Flags().DurationVar(&o.hold, "hold", demoHold, "how long each step stays on screen (at --time-scale 1)")
	addThemeFlag(cmd.Flags(), &o.theme)
	return cmd
}

func runDemo(ctx context.Context, o demoOptions) error {
	if o.timeScale <= 0 {
		return usageError{fmt.Errorf("--time-scale must be positive (got %g)", o.timeScale)}
	}
	if o.hold <= 0 {
		return usageError{fmt.Errorf("--hold must be positive (got %s)", o.hold)}
	}
	if err := checkTheme(o.theme); err != nil {
		return err
	}
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError{errors.New("no terminal: the demo needs one on stdin and stdout; `callscope send --scenario NAME` runs its scenarios headless")}
	}
	ctx, cancel := context.WithCancel(ctx)
	r, err := newDemoRunner(ctx, o.timeScale)
	if err != nil {
		cancel()
		return err
	}
	sub := r.out.Subscribe(screenBuffer)
	defer func() {
		cancel()
		r.wait()
		if l := screenDrops(dropSource{"of the demo's", sub}); l != "" {
			fmt.Fprintln(os.Stderr, l)
		}
	}()
	clock := "real time"
	if o.timeScale != 1 {
		clock = fmt.Sprintf("simulated time ×%g", o.timeScale)
	}
	return ui.RunDemo(ctx, demoController{}, r, sub, ui.DemoOptions{
		Steps: demoSteps,
		Hold:  time.Duration(float64(o.hold) / o.timeScale),
		Screen: ui.Options{Theme: o.theme, Header: ui.Header{
			Mode:      "demo",
			Endpoints: "embedded default, one simulated iPhone per step",
			Device:    "iPhone 16 (simulated)",
			Clock:     clock,
		}},
	})
}

// demoRunner runs each step's scenario on a pipeline of its own (a fresh
// simulated iPhone, as scenario.Run does) on a real clock, and forwards the
// events onto one bus for the screen. Each pipeline closes once its call has
// ended and every stage settled: no call is left ringing for the next step,
// so CallKit's limit of ringing calls (CALL_LIMIT) cannot interrupt the tour.
type demoRunner struct {
	ctx   context.Context
	scale float64
	lib   *scenario.Library
	out   *bus.Bus
	wg    sync.WaitGroup
}

func newDemoRunner(ctx context.Context, scale float64) (*demoRunner, error) {
	lib, err := scenario.NewLibrary()
	if err != nil {
		return nil, err
	}
	for _, s := range demoSteps {
		if _, err := lib.Get(s.Scenario); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return &demoRunner{ctx: ctx, scale: scale, lib: lib, out: bus.New()}, nil
}

// Start sets up the step's pipeline and runs its call in the background.
func (r *demoRunner) Start(step ui.DemoStep) error {
	s, err := r.lib.Get(step.Scenario)
	if err != nil {
		return err
	}
	if r.ctx.Err() != nil {
		return nil // quitting
	}
	p, err := r.pipeline(s)
	if err != nil {
		return err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.place(p, s)
	}()
	return nil
}

// pipeline is the step's own embedded default, on a real clock.
func (r *demoRunner) pipeline(s scenario.Scenario) (*pipeline.Pipeline, error) {
	cfg := s.Config()
	cfg.Clock, cfg.CallTimeout = flow.RealClock{Scale: r.scale}, 0 // 0: the default for a real clock
	return pipeline.New(r.ctx, cfg)
}

// run is Start, waiting for the call.
func (r *demoRunner) run(s scenario.Scenario) (flow.Call, error) {
	p, err := r.pipeline(s)
	if err != nil {
		return flow.Call{}, err
	}
	return r.place(p, s), nil
}

// place places the scenario's call and returns it once it has ended and
// the pipeline has closed.
func (r *demoRunner) place(p *pipeline.Pipeline, s scenario.Scenario) flow.Call {
	sub := p.Bus().Subscribe(screenBuffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range sub.Events() {
			r.out.Emit(e)
		}
	}()
	req := p.Compose()
	req.Kind, req.Video = s.Kind, s.Video
	c := p.Place(r.ctx, req)
	sctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	_ = p.Settle(sctx)
	cancel()
	p.Close()
	<-done
	return c
}

func (r *demoRunner) wait() { r.wg.Wait() }

// demoController refuses what the tour does itself: the demo screen does
// not offer these keys.
type demoController struct{}

var errDemo = errors.New("the tour places its own calls")

func (demoController) Compose() flow.Request             { return flow.Request{} }
func (demoController) Send(flow.Request) (string, error) { return "", errDemo }
func (demoController) Answer(string) error               { return errDemo }
func (demoController) Decline(string) error              { return errDemo }
