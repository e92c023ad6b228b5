package main

import (
	"context"
	"fmt"
	"os"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
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

func runScreen(ctx context.Context, o screenOptions) error {
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
	if o.ingest != "" {
		// Outside events go straight to the bus, as the screen's own do: the
		// screen rebuilds calls from the bus. The pipeline's tracker decides
		// outcomes only for the calls it sent, so a remote event never
		// settles one of those.
		srv, err := ingest.Start(ingest.Config{Addr: o.ingest, Token: os.Getenv(ingest.TokenEnv), Sink: p.Bus()})
		if err != nil {
			return usageError{fmt.Errorf("--ingest %s: %w", o.ingest, err)}
		}
		defer func() {
			srv.Close()
			fmt.Fprintln(os.Stderr, srv.Status())
		}()
		endpoints += " · ingest " + srv.URL()
	}
	tok := p.DeviceToken()
	return ui.Run(ctx, p, sub, ui.Options{Theme: o.theme, Header: ui.Header{
		Mode:      "embedded default",
		Endpoints: endpoints,
		Device:    fmt.Sprintf("%s (simulated) %s…", prof.Name, tok[:8]),
		Clock:     clock,
	}})
}
