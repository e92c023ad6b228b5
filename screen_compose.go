package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/scenario"
	"github.com/callscope/callscope/ui"
)

// screenCtl is the screen's controller: the embedded pipeline sends plain
// requests; what the compose form asks beyond them (a scenario, another
// device profile or scheme) runs on a pipeline of its own, whose events
// join the screen's bus, so the screen, --record and --otlp see them as
// they see the rest.
type screenCtl struct {
	*pipeline.Pipeline
	ctx  context.Context
	lib  *scenario.Library
	prof device.Profile // the screen's iPhone, --device-profile and --device-set applied

	mu    sync.Mutex
	sides []*pipeline.Pipeline // running, for Answer and Decline
	wg    sync.WaitGroup
	// dropped counts the composed runs' events their forwarders lost.
	dropped atomic.Uint64
}

func newScreenCtl(ctx context.Context, p *pipeline.Pipeline, lib *scenario.Library, prof device.Profile) *screenCtl {
	return &screenCtl{Pipeline: p, ctx: ctx, lib: lib, prof: prof}
}

// Choices are the scenario library and the schemes, the run's first.
func (s *screenCtl) Choices() ui.ComposeChoices {
	var out ui.ComposeChoices
	if cfg := s.Config(); cfg.Target != nil || cfg.Server != nil {
		return out // the callee is not simulated here: the request alone
	}
	for _, sc := range s.lib.All() {
		out.Scenarios = append(out.Scenarios, ui.ScenarioChoice{Name: sc.Name, Stage: string(sc.Expect.Stage),
			Code: string(sc.Expect.Code), Source: sc.Source, Description: sc.Description, Outcome: sc.Expect.Outcome,
			Kind: sc.Kind, Video: sc.Video})
	}
	run := s.Config().Scheme
	out.Schemes = append([]string{run}, slices.DeleteFunc(scheme.Names(), func(n string) bool { return n == run })...)
	return out
}

// errComposedTarget: scenarios, devices and schemes set up the simulated
// callee, which a real APNs or a team's server does not have here.
var errComposedTarget = errors.New("scenario, device and scheme run on the embedded default: with --apns or --server the callee is not simulated here")

// SendComposed runs c: a scenario as `send --scenario` runs it, count
// times; another device or scheme on a pipeline of its own.
func (s *screenCtl) SendComposed(c ui.Composed) ([]string, error) {
	cfg := s.Config()
	if cfg.Target != nil || cfg.Server != nil {
		return nil, errComposedTarget
	}
	n := max(1, c.Count)
	if c.Scenario != "" {
		sc, err := s.lib.Get(c.Scenario)
		if err != nil {
			return nil, err
		}
		var ids []string
		for range n {
			r := scenario.Run(s.ctx, sc)
			if r.Err != nil {
				return ids, r.Err
			}
			s.dropped.Add(r.Dropped)
			for _, e := range r.Events {
				s.Bus().Emit(e)
			}
			ids = append(ids, r.Call.TraceID)
		}
		return ids, nil
	}
	side, err := s.side(c)
	if err != nil {
		return nil, err
	}
	var ids []string
	for range n {
		id, err := side.p.Send(c.Req)
		if err != nil {
			side.expect(ids)
			return ids, err
		}
		ids = append(ids, id)
	}
	side.expect(ids)
	return ids, nil
}

// Preview seals c's request on the pipeline that would send it.
func (s *screenCtl) Preview(c ui.Composed) ([]pipeline.EnvelopePreview, error) {
	if c.Scenario == "" && c.Device == "" && c.Scheme == "" {
		return s.Pipeline.Preview(s.ctx, c.Req)
	}
	cfg := s.Config()
	if cfg.Target != nil || cfg.Server != nil {
		return nil, errComposedTarget
	}
	req := c.Req
	if c.Scenario == "" {
		cfg, err := s.config(c)
		if err != nil {
			return nil, err
		}
		return previewOn(s.ctx, cfg, req)
	}
	sc, err := s.lib.Get(c.Scenario)
	if err != nil {
		return nil, err
	}
	req.Kind, req.Video = sc.Kind, sc.Video
	return previewOn(s.ctx, sc.Config(), req)
}

func previewOn(ctx context.Context, cfg pipeline.Config, req flow.Request) ([]pipeline.EnvelopePreview, error) {
	p, err := pipeline.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.Preview(ctx, req)
}

// config is the screen's configuration with c's device and scheme.
func (s *screenCtl) config(c ui.Composed) (pipeline.Config, error) {
	cfg := s.Config()
	cfg.Devices, cfg.CallTimeout = nil, 0 // fill: from the profile
	cfg.Profile = s.prof
	if c.Device != "" {
		prof, err := composedProfile(s.prof, c.Device)
		if err != nil {
			return cfg, err
		}
		cfg.Profile = prof
	}
	if c.Scheme != "" {
		if _, err := scheme.ByName(c.Scheme); err != nil {
			return cfg, fmt.Errorf("scheme: %w", err)
		}
		cfg.Scheme = c.Scheme
	}
	return cfg, nil
}

// composedProfile reads the form's device field: KEY=VALUE changes (as
// --device-set) over the screen's profile, or a profile file (as
// --device-profile).
func composedProfile(base device.Profile, field string) (device.Profile, error) {
	if !strings.Contains(field, "=") {
		prof, err := screenProfile(field, nil)
		if err != nil {
			return prof, fmt.Errorf("device: %w", errors.Unwrap(err))
		}
		return prof, nil
	}
	prof := base
	for _, kv := range strings.FieldsFunc(field, func(r rune) bool { return r == ' ' || r == ',' }) {
		if err := prof.Set(kv); err != nil {
			return prof, fmt.Errorf("device %s: %w", kv, err)
		}
	}
	return prof, nil
}

// sideRun is a pipeline of a composed send, alive until its requests end.
type sideRun struct {
	p *pipeline.Pipeline
	// sub forwards to the screen; watch sees the requests end.
	sub, watch *bus.Subscription
	want       chan []string
}

func (r *sideRun) expect(ids []string) { r.want <- ids }

// side starts a pipeline for c whose events go to the screen's bus; it
// closes once every request sent on it has ended and its late events are
// in.
func (s *screenCtl) side(c ui.Composed) (*sideRun, error) {
	cfg, err := s.config(c)
	if err != nil {
		return nil, err
	}
	p, err := pipeline.New(s.ctx, cfg)
	if err != nil {
		return nil, err
	}
	r := &sideRun{p: p, sub: p.Bus().Subscribe(1 << 14), watch: p.Bus().Subscribe(1 << 14), want: make(chan []string, 1)}
	s.mu.Lock()
	s.sides = append(s.sides, p)
	s.mu.Unlock()
	s.wg.Add(2)
	go s.forward(r)
	go func() {
		defer s.wg.Done()
		s.await(r)
		sctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		_ = p.Settle(sctx)
		cancel()
		s.mu.Lock()
		s.sides = slices.DeleteFunc(s.sides, func(x *pipeline.Pipeline) bool { return x == p })
		s.mu.Unlock()
		p.Close() // closes the bus: forward ends
	}()
	return r, nil
}

// forward copies a side run's events to the screen's bus, in order.
func (s *screenCtl) forward(r *sideRun) {
	defer s.wg.Done()
	for e := range r.sub.Events() {
		s.Bus().Emit(e)
	}
	s.dropped.Add(r.sub.Dropped())
}

// await returns when every request of the run has ended, or the screen's
// context has.
func (s *screenCtl) await(r *sideRun) {
	var ids []string
	select {
	case ids = <-r.want:
	case <-s.ctx.Done():
		r.watch.Close()
		return
	}
	watch := r.watch
	defer watch.Close()
	calls := flow.NewCalls()
	ended := func() bool {
		for _, id := range ids {
			if c, ok := calls.Peek(id); !ok || !c.Done() {
				return false
			}
		}
		return true
	}
	for !ended() {
		select {
		case e, ok := <-watch.Events():
			if !ok {
				return
			}
			calls.Add(e)
		case <-time.After(r.p.Config().CallTimeout + 5*time.Second):
			return // placed requests end by their own timeout; this is a backstop
		case <-s.ctx.Done():
			return
		}
	}
}

// Answer answers a call ringing on the screen's iPhone or a composed run's.
func (s *screenCtl) Answer(callID string) error {
	return s.onDevice(callID, (*pipeline.Pipeline).Answer)
}

// Decline declines a call ringing on the screen's iPhone or a composed run's.
func (s *screenCtl) Decline(callID string) error {
	return s.onDevice(callID, (*pipeline.Pipeline).Decline)
}

func (s *screenCtl) onDevice(callID string, act func(*pipeline.Pipeline, string) error) error {
	err := act(s.Pipeline, callID)
	if err == nil {
		return nil
	}
	s.mu.Lock()
	sides := slices.Clone(s.sides)
	s.mu.Unlock()
	for _, p := range sides {
		if act(p, callID) == nil {
			return nil
		}
	}
	return err
}

// Dropped counts the composed runs' events that did not reach the screen.
func (s *screenCtl) Dropped() uint64 { return s.dropped.Load() }

// Close waits for the composed runs to end.
func (s *screenCtl) Close() { s.wg.Wait() }
