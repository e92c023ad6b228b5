package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/flow/threshold"
	flowtrace "github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/transport/providerclient"
)

// SendOptions are the flags of `callscope send`.
type SendOptions struct {
	Count       int
	Concurrency int
	// Rate, when above 0, starts requests at this many per second (--rate),
	// an open model: Concurrency then only bounds how many are in flight,
	// and a late start counts in the request's latency (PlaceRate).
	Rate  float64
	Kind  flow.Kind
	Video bool
	JSON  bool
	// AnswerAfter and Answer override the profile's answer_after and
	// answer when set (--answer-after, --answer); nil and "" keep them.
	AnswerAfter *time.Duration
	Answer      device.AnswerPolicy
	Record      string // trace file, "" for none
	// RecordPlaintext keeps decrypted text in the trace (--record-plaintext).
	RecordPlaintext bool
	ProfileFile     string // device profile TOML, "" for the default
	// ProfileSet are KEY=VALUE changes to the profile (--device-set),
	// applied after ProfileFile.
	ProfileSet []string
	// DecryptCmd is the team's own decryptor for the NSE (--decrypt-cmd):
	// envelope on stdin, plaintext JSON on stdout.
	DecryptCmd string
	// Server and ServerTemplate drive a team's own provider server instead
	// of the built-in one (--server, --server-template).
	Server         string
	ServerTemplate string
	// Target sends to a real APNs instead of the embedded mock (--apns):
	// no callee is simulated, and APNs' answer ends each request.
	Target *Target
	// MockLatency is added by the embedded mock APNs before each answer
	// (--mock-latency).
	MockLatency time.Duration
	// Follow, when set, subscribes a reader of the run's events besides the
	// recorder (--otlp-file, --otlp-endpoint) before the first request; the
	// function it returns runs once the last event is published, and its
	// error fails the run after the output is written.
	Follow func(*bus.Bus) (finish func() error)
	// Thresholds fail the run when one does not hold (--threshold); each
	// is printed, pass or fail, after the summary.
	Thresholds []threshold.Threshold
	// Progress, when set, is told after each request how many have ended
	// (a progress bar on a terminal).
	Progress func(done, total int)
	// Histograms draws each stage's latency distribution beside its
	// percentiles in the summary (on a terminal).
	Histograms bool
}

// TeamServer loads --server-template for --server; nil without --server.
func (o SendOptions) TeamServer() (*TeamServer, error) {
	switch {
	case o.Server == "" && o.ServerTemplate == "":
		return nil, nil
	case o.ServerTemplate == "":
		return nil, fmt.Errorf("--server needs --server-template FILE: how to register and send on that server (docs/server-template.md)")
	case o.Server == "":
		return nil, fmt.Errorf("--server-template needs --server URL: the team's provider server")
	}
	tpl, err := providerclient.Load(o.ServerTemplate)
	if err != nil {
		return nil, fmt.Errorf("--server-template: %w", err)
	}
	if _, err := providerclient.New(o.Server, tpl); err != nil {
		return nil, err
	}
	if err := checkTeamFiles(tpl); err != nil {
		return nil, fmt.Errorf("--server-template: %w", err)
	}
	return &TeamServer{URL: o.Server, Template: tpl}, nil
}

// Profile builds the callee's profile from the defaults, ProfileFile and
// ProfileSet, naming the flag at fault.
func (o SendOptions) Profile() (device.Profile, error) {
	prof := device.DefaultProfile()
	if o.ProfileFile != "" {
		var err error
		if prof, err = device.LoadProfile(o.ProfileFile); err != nil {
			return prof, fmt.Errorf("--device-profile: %w", err)
		}
	}
	for _, kv := range o.ProfileSet {
		if err := prof.Set(kv); err != nil {
			return prof, fmt.Errorf("--device-set %s: %w", kv, err)
		}
	}
	return prof, nil
}

// pinned reports whether the user chose a profile key.
func (o SendOptions) pinned(key string) bool {
	if o.ProfileFile != "" {
		return true // the file may set it; a load run must not override a file
	}
	for _, kv := range o.ProfileSet {
		if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == key {
			return true
		}
	}
	return false
}

// Validate checks the options, naming the flag at fault.
func (o SendOptions) Validate() error {
	switch {
	case o.Count < 1:
		return fmt.Errorf("--count must be at least 1 (got %d)", o.Count)
	case o.Concurrency < 1:
		return fmt.Errorf("--concurrency must be at least 1 (got %d)", o.Concurrency)
	case o.Concurrency > o.Count:
		return fmt.Errorf("--concurrency %d is above --count %d", o.Concurrency, o.Count)
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return fmt.Errorf("--rate must be above 0 requests per second (got %v)", o.Rate)
	case o.AnswerAfter != nil && *o.AnswerAfter < 0:
		return fmt.Errorf("--answer-after must not be negative (got %s)", *o.AnswerAfter)
	case o.MockLatency < 0:
		return fmt.Errorf("--mock-latency must not be negative (got %s)", o.MockLatency)
	}
	switch o.Answer {
	case "", device.AnswerAuto, device.AnswerDecline, device.AnswerIgnore:
	default:
		return fmt.Errorf("--answer %q: want answer (or auto), decline or ignore", o.Answer)
	}
	if o.DecryptCmd != "" {
		if _, err := receiver.ParseCommand(o.DecryptCmd); err != nil {
			return err
		}
	}
	_, err := o.TeamServer()
	return err
}

// RunSend runs a headless batch on the embedded default and prints it. It
// returns whether every request ended as the run asked (Asked).
func RunSend(ctx context.Context, opts SendOptions, out io.Writer) (ok bool, err error) {
	if err := opts.Validate(); err != nil {
		return false, err
	}
	prof, err := opts.Profile()
	if err != nil {
		return false, err
	}
	var notes []string
	if opts.AnswerAfter != nil {
		prof.AnswerAfter = *opts.AnswerAfter
	}
	if opts.Answer != "" {
		prof.AnswerPolicy = opts.Answer
	}
	if prof.AnswerPolicy == device.AnswerManual {
		// Nobody is at the screen to press a: the phone rings out.
		prof.AnswerPolicy = device.AnswerIgnore
		notes = append(notes, "answer = \"manual\" in the profile: headless, nobody answers (ignore)")
	}
	if !opts.pinned("maximum_call_groups") && prof.MaximumCallGroups < opts.Concurrency {
		// C calls in flight to one iPhone would trip CallKit's call limit
		// (F-25); a load run measures the path, so lift it, and say so.
		prof.MaximumCallGroups = opts.Concurrency
		notes = append(notes, fmt.Sprintf("maximum_call_groups raised to %d for --concurrency %d (pin it with --device-profile)", opts.Concurrency, opts.Concurrency))
	}
	var rec *flowtrace.Recorder
	cfg := Config{Profile: prof, Target: opts.Target}
	cfg.APNs.Latency = opts.MockLatency
	if opts.MockLatency > 0 && cfg.Target != nil {
		return false, errors.New("--mock-latency: a real APNs is the target, not the embedded mock")
	}
	if cfg.Server, err = opts.TeamServer(); err != nil {
		return false, err
	}
	if cfg.Server != nil && cfg.Target != nil {
		return false, errors.New("--server with --apns: the team's server pushes to APNs itself; point it at the real APNs and use --server alone")
	}
	if opts.DecryptCmd != "" {
		if cfg.Decrypt, err = receiver.ParseCommand(opts.DecryptCmd); err != nil {
			return false, err
		}
	}
	p, err := New(ctx, cfg)
	if err != nil {
		return false, err
	}
	if opts.Record != "" {
		if rec, err = flowtrace.CreateWithHeader(opts.Record, RecordHeader("send", p, prof, opts.RecordPlaintext)); err != nil {
			p.Close()
			return false, err
		}
		rec.Plaintext = opts.RecordPlaintext
	}
	if cfg.Server != nil {
		_, mockURL := p.Endpoints()
		notes = append(notes, "server: the team's server at "+cfg.Server.URL+" through "+cfg.Server.Template.File+
			", pushing to the mock APNs at "+mockURL+"; the server stage is the "+MeasuredServer)
	}
	var recSub *bus.Subscription
	if rec != nil {
		// A large buffer: the recorder must keep up with bursts of thousands
		// of events; drops are counted and reported, never silent.
		recSub = p.Bus().Subscribe(1 << 16)
		rec.Follow(recSub)
	}
	var finishFollow func() error
	if opts.Follow != nil {
		finishFollow = opts.Follow(p.Bus())
	}

	req := p.Compose()
	req.Kind, req.Video = opts.Kind, opts.Video
	want := Asked(req.Kind, prof.AnswerPolicy)
	if opts.Target != nil {
		// Nobody here answers a real iPhone: APNs' 200 is as far as the run sees.
		want = flow.OutcomeAccepted
		notes = append(notes, targetNotes(opts.Target)...)
	}
	sum := flow.NewSummary()
	// The profile's lint heads the output: it explains the failures below.
	// Calls are written as they end and not kept: memory stays flat however
	// long the run (the summary keeps fixed-size histograms).
	warnings := report.Lint(prof)
	if opts.Target != nil {
		warnings = nil // the profile describes the simulated iPhone, which this run has not
	}
	var (
		table  *report.Table
		stream *report.JSONStream
	)
	if opts.JSON {
		stream = report.NewJSONStream(out, warnings)
	} else {
		table = report.NewTable(out)
		table.Histograms = opts.Histograms
		table.Warnings(warnings)
	}
	ok = true
	defer LoadGC()()
	start := time.Now()
	each := func(c flow.Call) {
		sum.Add(c)
		if opts.Progress != nil {
			opts.Progress(sum.Calls(), opts.Count)
		}
		ok = ok && c.Outcome == want
		if stream != nil {
			stream.Call(c)
		} else {
			table.Row(c)
		}
	}
	var lags *rateLags
	if opts.Rate > 0 {
		lags = newRateLags()
		p.PlaceRate(ctx, req, opts.Count, opts.Rate, opts.Concurrency, func(c flow.Call, a Arrival) {
			lags.add(a)
			each(FromDue(c, a))
		})
	} else {
		p.PlaceMany(ctx, req, opts.Count, opts.Concurrency, each)
	}
	wall := time.Since(start)
	sum.SetWall(wall)
	if lags != nil {
		notes = append(notes, lags.note(opts.Rate, opts.Concurrency, wall))
	}
	p.Close()
	// The output is finished whatever the recorder lost, and then the loss
	// fails the run: a trace that stops short is not a trace.
	var (
		notRecorded *uint64
		recErr      error
	)
	if rec != nil {
		rec.Wait()
		n, err := finishRecord(rec, recSub, opts.Record)
		notRecorded, recErr = &n, err
	}
	if finishFollow != nil {
		recErr = errors.Join(recErr, finishFollow())
	}
	if sum.Calls() < opts.Count {
		ok = false
	}
	checked := threshold.Check(opts.Thresholds, sum)
	if threshold.Failed(checked) {
		ok = false
	}
	if stream != nil {
		sj := report.SummaryToJSON(sum, wall)
		sj.Notes = notes
		if len(checked) > 0 {
			sj.Thresholds = threshold.JSONAll(checked)
		}
		sj.NotRecorded = notRecorded
		return ok, errors.Join(stream.Close(sj), recErr)
	}
	if err := table.Summary(sum, wall); err != nil {
		return ok, errors.Join(err, recErr)
	}
	for _, n := range notes {
		fmt.Fprintln(out, "note: "+n)
	}
	report.Thresholds(out, checked)
	return ok, recErr
}

// finishRecord closes the recorder that followed sub into path and counts
// the events the trace lacks: those sub dropped because the disk fell
// behind, and those a failed write cost. err says so, naming --record.
func finishRecord(rec *flowtrace.Recorder, sub *bus.Subscription, path string) (notRecorded uint64, err error) {
	dropped := sub.Dropped()
	cerr := rec.Close()
	notRecorded = dropped + rec.Lost()
	switch {
	case cerr != nil && dropped > 0:
		err = fmt.Errorf("--record %s: %s events dropped because the disk fell behind, and: %w", path, flow.FormatCount(dropped), cerr)
	case cerr != nil:
		err = fmt.Errorf("--record %s: %w", path, cerr)
	case dropped > 0:
		err = fmt.Errorf("--record %s: %s events were dropped because the disk fell behind", path, flow.FormatCount(dropped))
	}
	return notRecorded, err
}

// Asked is the outcome a run asks for: a message shown; a call connected,
// declined or left to ring out as the callee's answer policy says. A call
// that ends otherwise (failed, or rang out when it was to be answered) is
// what `send` exits 1 for.
func Asked(kind flow.Kind, policy device.AnswerPolicy) flow.Outcome {
	if kind == flow.KindMessage {
		return flow.OutcomeShown
	}
	switch policy {
	case device.AnswerDecline:
		return flow.OutcomeDeclined
	case device.AnswerIgnore, device.AnswerManual:
		return flow.OutcomeUnanswered
	}
	return flow.OutcomeConnected
}
