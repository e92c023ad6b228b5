package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/replay"
	"github.com/callscope/callscope/flow/trace"
)

// rerunOptions are replay --rerun's flags.
type rerunOptions struct {
	on          bool
	profileFile string
	profileSet  []string
	record      string
	otlp        *otlpFlags // --otlp-file, --otlp-endpoint
}

func rerunFlags(cmd *cobra.Command, o *rerunOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.on, "rerun", false, "send the recorded calls again, with their recorded gaps (--speed compresses them), and print then against now")
	f.StringVar(&o.profileFile, "device-profile", "", "with --rerun: the callee's iPhone from a TOML profile (traces do not hold the one recorded)")
	f.StringArrayVar(&o.profileSet, "device-set", nil, "with --rerun: change one device profile parameter, KEY=VALUE; repeatable")
	f.StringVar(&o.record, "record", "", "with --rerun: write the re-run's events to FILE as JSON lines, a trace to replay or diff")
	o.otlp = addOTLPFlags(cmd, "with --rerun: each re-run call")
}

// unused refuses --rerun's own flags without --rerun.
func (o rerunOptions) unused(cmd *cobra.Command) error {
	for _, name := range []string{"device-profile", "device-set", "record", "otlp-file", "otlp-endpoint"} {
		if cmd.Flags().Changed(name) {
			return usageError{fmt.Errorf("--%s: only with --rerun", name)}
		}
	}
	return nil
}

// recorded is one call of the trace to send again: what can be recovered
// of its request, and when it was sent.
type recorded struct {
	then flow.Call
	req  flow.Request
	at   time.Duration // after the trace's first send
}

// recoverRequest rebuilds what the caller asked for from a call's sender
// events: kind, caller and callee, video, the envelope's ttl. The rest of
// the run (device profile, faults a scenario injected, keys, tokens) is not
// in a trace's events and comes from today's flags.
func recoverRequest(base flow.Request, events []flow.Event) flow.Request {
	req := base
	for _, e := range events {
		if e.Stage != flow.StageSender {
			continue
		}
		a := e.Attrs
		if k, err := flow.ParseKind(a[flow.AttrKind]); err == nil {
			req.Kind = k
		}
		if v := a[flow.AttrFrom]; v != "" {
			req.From = v
		}
		if v := a[flow.AttrTo]; v != "" {
			req.To = v
		}
		if v, err := strconv.ParseBool(a["video"]); err == nil {
			req.Video = v
		}
		if v, err := strconv.Atoi(a["ttl"]); err == nil && v > 0 {
			req.TTL = v
		}
	}
	return req
}

func runRerun(cmd *cobra.Command, path string, o replayOptions) error {
	prof, err := pipeline.SendOptions{ProfileFile: o.rerun.profileFile, ProfileSet: o.rerun.profileSet}.Profile()
	if err != nil {
		return usageError{err}
	}
	if err := writable("--record", o.rerun.record); err != nil {
		return err
	}
	if err := o.rerun.otlp.validate(true); err != nil {
		return err
	}
	bad := &badLines{w: cmd.ErrOrStderr()}
	fold := replay.NewFold()
	if err := replay.Read(path, func(e flow.Event) { fold.Add(e) }, bad.report); err != nil {
		return fmt.Errorf("%s: reading stopped: %w", path, err)
	}
	var calls []flow.Call
	observed := 0
	for _, c := range fold.Calls() {
		switch {
		case !o.filter.Match(c):
		case c.Observed:
			observed++
		default:
			calls = append(calls, c)
		}
	}
	if len(calls) == 0 {
		if observed > 0 {
			return errors.Join(bad.err(path), fmt.Errorf("%s: %d calls, none placed by a sender here (a mock-apns or --ingest trace): nothing to re-run on the embedded pipeline", path, observed))
		}
		return errors.Join(bad.err(path), noCalls(path, o.filter))
	}
	if prof.AnswerPolicy == device.AnswerManual {
		prof.AnswerPolicy = device.AnswerIgnore // nobody is at a screen to answer
	}
	pinned := o.rerun.profileFile != ""
	for _, kv := range o.rerun.profileSet {
		pinned = pinned || strings.HasPrefix(strings.TrimSpace(kv), "maximum_call_groups")
	}
	if !pinned {
		// Calls that overlapped then overlap now: CallKit's call limit
		// (F-25) would fail calls that were fine, so lift it, as send does.
		prof.MaximumCallGroups = max(prof.MaximumCallGroups, len(calls))
	}
	p, err := pipeline.New(cmd.Context(), pipeline.Config{Profile: prof})
	if err != nil {
		return err
	}
	var (
		rec    *trace.Recorder
		recSub *bus.Subscription
	)
	if o.rerun.record != "" {
		if rec, err = trace.Create(o.rerun.record); err != nil {
			p.Close()
			return err
		}
		recSub = p.Bus().Subscribe(1 << 16) // drops are counted and fail the run
		rec.Follow(recSub)
	}
	live, err := o.rerun.otlp.follow(cmd.Context(), p.Bus(), cmd.OutOrStdout())
	if err != nil {
		p.Close()
		return err
	}
	runs := make([]recorded, len(calls))
	first := calls[0].Started
	for i, c := range calls {
		runs[i] = recorded{then: c, req: recoverRequest(p.Compose(), fold.Events(c.TraceID)), at: max(0, c.Started.Sub(first))}
	}
	now := placeAsRecorded(cmd.Context(), p, runs, o.speed)
	p.Close()
	otlpLines, otlpErr := live.finish()
	for _, l := range otlpLines {
		fmt.Fprintln(cmd.ErrOrStderr(), l)
	}
	var recErr error
	if rec != nil {
		rec.Wait()
		recErr = rec.Close()
		if n := recSub.Dropped(); n > 0 {
			recErr = errors.Join(recErr, fmt.Errorf("%s events dropped because the disk fell behind", flow.FormatCount(n)))
		}
		if recErr != nil {
			recErr = fmt.Errorf("--record %s: %w", o.rerun.record, recErr)
		}
	}
	out := cmd.OutOrStdout()
	note := out
	if o.json {
		note = cmd.ErrOrStderr() // stdout is JSON lines only
	}
	fmt.Fprintf(note, "re-run of %s: %d calls on the embedded pipeline, recorded gaps ÷%g; %s\n", path, len(runs), o.speed, rerunNotes(observed))
	same := printThenNow(out, runs, now, o.json)
	if err := errors.Join(bad.err(path), recErr, otlpErr); err != nil {
		return err
	}
	if !same {
		return failedError{}
	}
	return nil
}

func rerunNotes(observed int) string {
	s := "recovered per call: kind, caller, callee, video, ttl, send time; not in the trace: the device profile (default or --device-profile), faults, keys and tokens"
	if observed > 0 {
		s += fmt.Sprintf("; %d calls not placed by a sender here skipped", observed)
	}
	return s
}

// placeAsRecorded places each call at its recorded offset from the first,
// divided by speed, and returns the calls as they ended now, in order.
func placeAsRecorded(ctx context.Context, p *pipeline.Pipeline, runs []recorded, speed float64) []flow.Call {
	now := make([]flow.Call, len(runs))
	start := time.Now()
	var wg sync.WaitGroup
	for i, r := range runs {
		wait := time.Until(start.Add(time.Duration(float64(r.at) / speed)))
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		if ctx.Err() != nil {
			now[i] = flow.Call{Outcome: flow.OutcomeFailed, Diag: &flow.Diagnosis{Stage: flow.StageSender, Code: flow.CodeTimedOut, Detail: "re-run cancelled before this call was sent"}}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			now[i] = p.Place(ctx, r.req)
		}()
	}
	wg.Wait()
	return now
}
