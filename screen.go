package main

import (
	"context"
	"fmt"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/themes"
	"github.com/callscope/callscope/ui"
)

type screenOptions struct {
	timeScale float64
	theme     string
	profile   string
	// profileSet are --device-set KEY=VALUE changes over the profile.
	profileSet []string
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
	tok := p.DeviceToken()
	return ui.Run(ctx, p, sub, ui.Options{Theme: o.theme, Header: ui.Header{
		Mode:      "embedded default",
		Endpoints: "mock APNs " + apnsURL,
		Device:    fmt.Sprintf("%s (simulated) %s…", prof.Name, tok[:8]),
		Clock:     clock,
	}})
}
