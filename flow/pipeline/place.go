package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/provider"
)

// Compose returns a request with the run's defaults.
func (p *Pipeline) Compose() flow.Request {
	return flow.Request{Kind: flow.KindCall, To: p.cfg.Callee, From: p.cfg.Caller, FromName: p.cfg.CallerName,
		TTL: 45, Text: "See you at 5?"}
}

// Place sends one request and waits until it ends: connected, declined,
// unanswered, shown, or failed with a diagnosis. It returns the call as its
// events describe it.
func (p *Pipeline) Place(ctx context.Context, req flow.Request) flow.Call {
	return p.place(ctx, req, nil)
}

// Send starts a request in the background and returns its trace id at once;
// its events tell the rest.
func (p *Pipeline) Send(req flow.Request) (string, error) {
	p.sending.Lock()
	if p.closed || p.ctx.Err() != nil {
		p.sending.Unlock()
		return "", fmt.Errorf("pipeline closed")
	}
	p.wg.Add(1)
	p.sending.Unlock()
	started := make(chan string, 1)
	go func() {
		defer p.wg.Done()
		p.place(p.ctx, req, func(id string) { started <- id })
	}()
	return <-started, nil
}

// Answer answers a call ringing on the callee's first device that has it.
func (p *Pipeline) Answer(callID string) error {
	return p.onDevice(callID, (*device.Callee).Answer)
}

// Decline declines a call ringing on the callee's devices.
func (p *Pipeline) Decline(callID string) error {
	return p.onDevice(callID, (*device.Callee).Decline)
}

func (p *Pipeline) onDevice(callID string, act func(*device.Callee, string) error) error {
	if p.cfg.Target != nil {
		return fmt.Errorf("the callee is a real device: answer or decline on the phone")
	}
	var err error
	for _, d := range p.callees {
		if err = act(d, callID); err == nil {
			return nil
		}
	}
	return err
}

func (p *Pipeline) place(ctx context.Context, req flow.Request, started func(traceID string)) flow.Call {
	traceparent, traceID := provider.NewTraceParent()
	t := track(traceID)
	p.mu.Lock()
	p.open[traceID] = t
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.open, traceID)
		p.mu.Unlock()
		t.release()
		if p.team != nil {
			p.team.forget(traceID)
		}
	}()
	if started != nil {
		started(traceID)
	}

	placed := p.caller.Place(ctx, req, traceparent)
	if p.cfg.Target != nil {
		p.accept(placed)
	}
	timer := time.NewTimer(p.cfg.CallTimeout)
	defer timer.Stop()
	select {
	case <-placed.Done:
	case <-timer.C:
		p.caller.Abandon(traceID, p.stalled(t, traceID))
		<-placed.Done
	case <-ctx.Done():
		p.caller.Abandon(traceID, &flow.Diagnosis{Stage: flow.StageSender, Code: flow.CodeTimedOut,
			Detail: "cancelled: " + ctx.Err().Error()})
		<-placed.Done
	}
	return t.get(traceID)
}

// stalled explains a request that did not conclude in time from how far its
// events got.
func (p *Pipeline) stalled(t *tracker, traceID string) *flow.Diagnosis {
	c, evs := t.call(traceID)
	wait := p.cfg.CallTimeout.String()
	switch c.Stage {
	case flow.StageAPNs:
		var holding string // the mock fault still holding a push
		for _, e := range evs {
			switch {
			case e.Stage == flow.StageAPNs && e.Name == "held":
				holding = e.Attrs["fault"]
			case e.Stage == flow.StageAPNs && e.Name == "released":
				holding = ""
			}
		}
		for _, e := range evs {
			if e.Stage == flow.StageAPNs && e.Name == "stored" {
				if cut := p.cutDevices(); cut != "" {
					return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeNotDelivered,
						Detail: "the device's connection to APNs was cut: power policy closed the idle " + cut + "'s persistent TLS connection (profile apns_link_cut), " +
							"so APNs stored the push (" + e.Attrs["why"] + "); the device did not come back within " + wait,
						Hint: "APNs did its part: it delivers one stored push per bundle id when the device reconnects, unless it expired or a later push replaced it; " +
							"a device whose apsd connection stays down while idle (F-32) gets no call: tell the caller, and let the app fetch missed calls when it next runs"}
				}
				return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeNotDelivered,
					Detail: "APNs stored the push for an offline device; it never arrived within " + wait,
					Hint:   "the device's connection to APNs is down (no network, or power policy while idle): APNs delivers one stored push per bundle id when it comes back, unless it expired or a later push replaced it"}
			}
		}
		if holding != "" {
			return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeNotDelivered,
				Detail: "APNs held the push (mock fault: " + holding + ") and had not delivered it within " + wait,
				Hint:   "APNs may hold a push for a long time, or until the device comes back; a call push that late is a missed call"}
		}
		return &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeNotDelivered,
			Detail: "APNs accepted the push but the device did not receive it within " + wait,
			Hint:   "is the device online and its token current?"}
	case flow.StageCallKit:
		return &flow.Diagnosis{Stage: flow.StageCallKit, Code: flow.CodeTimedOut,
			Detail: "CallKit did not end the call within " + wait}
	case flow.StageServer:
		if p.team != nil {
			// The team's server took the envelope; no push that carries it
			// reached the mock (teamserver.go traces pushes by envelope).
			return &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerFailed,
				Detail: "the team's server answered, but no push carrying this call's envelope reached APNs within " + wait,
				Hint:   "does it push to the mock's address (the template's [apns] listen), on the app's topic, with the envelope object under \"vpe\" in the payload? Pushes it sent show on the APNs lane under their own apns-id (docs/server-template.md)"}
		}
	}
	return &flow.Diagnosis{Stage: c.Stage, Code: flow.CodeTimedOut,
		Detail: fmt.Sprintf("the request stopped at %s and nothing followed within %s", c.Stage, wait)}
}

// PlaceMany places count requests with at most concurrency in flight and calls
// each (from one goroutine at a time) with every call as it ends.
func (p *Pipeline) PlaceMany(ctx context.Context, req flow.Request, count, concurrency int, each func(flow.Call)) {
	jobs := make(chan struct{})
	results := make(chan flow.Call)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				results <- p.Place(ctx, req)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for range count {
			select {
			case jobs <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	for c := range results {
		each(c)
	}
}
