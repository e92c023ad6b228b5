package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/themes"
	"github.com/callscope/callscope/transport/ingest"
	"github.com/callscope/callscope/ui"
)

type screenOptions struct {
	timeScale float64
	theme     string
	profile   string
	// profileSet are --device-set KEY=VALUE changes over the profile.
	profileSet []string
	// ingest is --ingest ADDR: where outside components post their events.
	ingest string
}

// errNoTerminal: the screen needs a terminal on both ends; scripts and CI
// want the headless command.
var errNoTerminal = errors.New("no terminal: the screen needs one on stdin and stdout; use `callscope send` for a headless run")

func runScreen(ctx context.Context, o screenOptions, stdin io.Reader, stdout io.Writer) error {
	if o.timeScale <= 0 {
		return usageError{fmt.Errorf("--time-scale must be positive (got %g)", o.timeScale)}
	}
	if _, err := themes.Get(o.theme, true); err != nil {
		return usageError{fmt.Errorf("--theme: %w", err)}
	}
	prof := device.DefaultProfile()
	if o.profile != "" {
		var err error
		if prof, err = device.LoadProfile(o.profile); err != nil {
			return usageError{fmt.Errorf("--device-profile: %w", err)}
		}
	}
	for _, kv := range o.profileSet {
		if err := prof.Set(kv); err != nil {
			return usageError{fmt.Errorf("--device-set %s: %w", kv, err)}
		}
	}
	prof.AnswerPolicy = device.AnswerManual
	var (
		outside *bus.Subscription
		srv     *ingest.Server
	)
	if o.ingest != "" {
		// Outside events have a bus of their own: no sender on this screen
		// concludes their requests, so the screen lets their events do it,
		// and the pipeline's tracker never sees them.
		b := bus.New()
		outside = b.Subscribe(4096)
		var err error
		if srv, err = ingest.Start(ingest.Config{Addr: o.ingest, Token: os.Getenv(ingest.TokenEnv), Sink: b}); err != nil {
			return usageError{fmt.Errorf("--ingest %s: %w", o.ingest, err)}
		}
	}
	// Last of the checks, after the flags: a bad flag says which.
	if !isTerminal(stdin) || !isTerminal(stdout) {
		if srv != nil {
			srv.Close()
		}
		return usageError{errNoTerminal}
	}
	if srv != nil {
		defer func() {
			srv.Close()
			fmt.Fprintln(os.Stderr, srv.Status())
		}()
	}
	p, err := pipeline.New(ctx, pipeline.Config{Clock: flow.RealClock{Scale: o.timeScale}, Profile: prof})
	if err != nil {
		return err
	}
	defer p.Close()
	sub := p.Bus().Subscribe(4096)
	_, apnsURL := p.Endpoints()
	clock := "real time"
	if o.timeScale != 1 {
		clock = fmt.Sprintf("simulated time ×%g", o.timeScale)
	}
	endpoints := "mock APNs " + apnsURL
	if srv != nil {
		endpoints += " · ingest " + srv.URL()
	}
	tok := p.DeviceToken()
	return ui.Run(ctx, p, sub, ui.Options{Theme: o.theme, Outside: outside, Header: ui.Header{
		Mode:      "embedded default",
		Endpoints: endpoints,
		Device:    fmt.Sprintf("%s (simulated) %s…", prof.Name, tok[:8]),
		Clock:     clock,
		Lint:      report.Lint(prof),
	}})
}
