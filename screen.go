package main

import (
	"context"
	"errors"
	"fmt"
	flowtrace "github.com/callscope/callscope/flow/trace"
	"io"
	"os"
	"strings"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/flow/scenario"
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
	// server and serverTemplate: a team's own provider server (--server).
	server, serverTemplate string
	// real is --apns and its auth and device flags (cmd_send_apns.go).
	real sendAPNs
	// otlp is --otlp-file/--otlp-endpoint: each call out as a trace.
	otlp *otlpFlags
	// record is --record FILE; recordPlaintext keeps decrypted text in it.
	record          string
	recordPlaintext bool
}

// errNoTerminal: the screen needs a terminal on both ends; scripts and CI
// want the headless command.
var errNoTerminal = errors.New("no terminal: the screen needs one on stdin and stdout; use `callscope send` for a headless run")

func runScreen(ctx context.Context, o screenOptions, stdin io.Reader, stdout io.Writer) (err error) {
	if o.timeScale <= 0 {
		return usageError{fmt.Errorf("--time-scale must be positive (got %g)", o.timeScale)}
	}
	if err := checkTheme(o.theme); err != nil {
		return err
	}
	prof, err := screenProfile(o.profile, o.profileSet)
	if err != nil {
		return err
	}
	target, _, err := o.real.target(true)
	if err != nil {
		return err
	}
	if target != nil && (o.profile != "" || len(o.profileSet) > 0) {
		return usageError{errors.New("--device-profile, --device-set: these set up the simulated iPhone; with a real APNs the callee is a real device")}
	}
	if err := writable("--record", o.record); err != nil {
		return err
	}
	team, err := pipeline.SendOptions{Server: o.server, ServerTemplate: o.serverTemplate}.TeamServer()
	if err != nil {
		return usageError{err}
	}
	if team != nil && target != nil {
		return usageError{errors.New("--server with --apns: the team's server pushes to APNs itself; point it at the real APNs and use --server alone")}
	}
	if err := o.otlp.validate(true); err != nil {
		return err
	}
	var otlpLines []string
	var (
		outside, sub, recOutside *bus.Subscription
		srv                      *ingest.Server
	)
	if o.ingest != "" {
		var err error
		if srv, outside, recOutside, err = startScreenIngestRecording(o.ingest, os.Getenv(ingest.TokenEnv), o.record != ""); err != nil {
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
	// The exit lines: what came in, and what the screen could not show.
	defer func() {
		if srv != nil {
			srv.Close()
			fmt.Fprintln(os.Stderr, srv.Status())
		}
		if l := screenDrops(dropSource{"of the embedded default's", sub}, dropSource{"from --ingest", outside}); l != "" {
			fmt.Fprintln(os.Stderr, l)
		}
		for _, l := range otlpLines {
			fmt.Fprintln(os.Stderr, l)
		}
	}()
	var rec *liveRecord
	// Deferred before p.Close, so it runs after: every event is in.
	defer func() { err = errors.Join(err, rec.finish()) }()
	p, err := pipeline.New(ctx, pipeline.Config{Clock: flow.RealClock{Scale: o.timeScale}, Profile: prof, Server: team, Target: target})
	if err != nil {
		return err
	}
	defer p.Close()
	sub = p.Bus().Subscribe(screenBuffer)
	live, err := o.otlp.follow(ctx, p.Bus(), stdout)
	if err != nil {
		return err
	}
	_, apnsURL := p.Endpoints()
	if o.record != "" {
		subs := []*bus.Subscription{p.Bus().Subscribe(flowtrace.QueueSize)}
		h := pipeline.RecordHeader("screen", p, prof, o.recordPlaintext)
		if srv != nil {
			h.Endpoints["ingest"] = srv.URL()
			subs = append(subs, recOutside)
		}
		if rec, err = startRecord(o.record, o.recordPlaintext, h, subs...); err != nil {
			return usageError{err}
		}
	}
	clock := "real time"
	if o.timeScale != 1 {
		clock = fmt.Sprintf("simulated time ×%g", o.timeScale)
	}
	endpoints := "mock APNs " + apnsURL
	mode := "embedded default"
	if team != nil {
		mode = "team server"
		endpoints = "team server " + team.URL + " (server stage: HTTP round trip) · " + endpoints
	}
	if srv != nil {
		endpoints += " · ingest " + srv.URL()
	}
	tok := p.DeviceToken()
	uiOpts := ui.Options{Theme: o.theme, Outside: outside, Header: ui.Header{
		Mode:      mode,
		Endpoints: endpoints,
		Device:    fmt.Sprintf("%s (simulated) %s…", prof.Name, tok[:8]),
		Clock:     clock,
		Lint:      report.Lint(prof),
	}}
	if target != nil {
		uiOpts = targetScreen(o.theme, outside, target, srv)
	}
	lib, err := scenario.NewLibrary()
	if err != nil {
		return err
	}
	// Composed runs end with the screen: cancel, then wait for them, then
	// the pipeline closes (defers run last first).
	cctx, cancel := context.WithCancel(ctx)
	ctl := newScreenCtl(cctx, p, lib, prof)
	defer ctl.Close()
	defer cancel()
	uiOpts.APNs = apnsURL
	uiOpts.Lost = append(uiOpts.Lost, ui.Loss{What: "of composed runs not shown", Count: ctl.Dropped})
	runErr := ui.Run(ctx, ctl, sub, uiOpts)
	// Calls still ringing when the screen quits go out unfinished.
	otlpLines, err = live.finish()
	return errors.Join(runErr, err)
}

// screenBuffer is how many events each of the screen's subscriptions holds
// while the screen draws. Beyond it the screen drops events: the header
// counts them as they go, the ingest answer tells the client, and
// screenDrops says so when the screen closes.
const screenBuffer = 4096

// startScreenIngest is --ingest: the endpoint and the screen's subscription
// to its events. Outside events have a bus of their own: no sender on this
// screen concludes their requests, so the screen lets their events do it,
// and the pipeline's tracker never sees them. The bus is the endpoint's
// sink, so each answer says how many of its events the screen queued.
func startScreenIngest(addr, token string) (*ingest.Server, *bus.Subscription, error) {
	srv, sub, _, err := startScreenIngestRecording(addr, token, false)
	return srv, sub, err
}

// startScreenIngestRecording is startScreenIngest with, for --record, a
// second subscription the recorder follows.
func startScreenIngestRecording(addr, token string, record bool) (srv *ingest.Server, sub, rec *bus.Subscription, err error) {
	b := bus.New()
	sub = b.Subscribe(screenBuffer) // before the first batch can arrive
	if record {
		rec = b.Subscribe(flowtrace.QueueSize)
	}
	if srv, err = ingest.Start(ingest.Config{Addr: addr, Token: token, Sink: b}); err != nil {
		return nil, nil, nil, err
	}
	return srv, sub, rec, nil
}

// dropSource is one of the screen's subscriptions, and what to call its
// events in the exit line.
type dropSource struct {
	from string
	sub  *bus.Subscription // nil: not in this run
}

// screenDrops is the exit line for the events the screen dropped, by where
// they came from; "" when it dropped none.
func screenDrops(sources ...dropSource) string {
	var total uint64
	var from []string
	for _, s := range sources {
		if s.sub == nil || s.sub.Dropped() == 0 {
			continue
		}
		total += s.sub.Dropped()
		from = append(from, flow.FormatCount(s.sub.Dropped())+" "+s.from)
	}
	if total == 0 {
		return ""
	}
	return fmt.Sprintf("screen: ⚠ %s events dropped, not shown (%s): they came faster than the screen drew, beyond its %s-event buffer",
		flow.FormatCount(total), strings.Join(from, ", "), flow.FormatCount(screenBuffer))
}
