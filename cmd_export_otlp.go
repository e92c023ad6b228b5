package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/transport/otlp"
)

// otlpFlags are --otlp-file and --otlp-endpoint, on export and the live modes.
type otlpFlags struct {
	file, endpoint string
}

// otlpBuffer is how many events the live exporter's subscription holds
// while it gathers calls; beyond it events are dropped and counted.
const otlpBuffer = 1 << 14

// closeTimeout bounds how long a run waits at its end for the collector to
// take the last spans (the SDK retries a failing one for up to 15 s).
const closeTimeout = 30 * time.Second

func addOTLPFlags(cmd *cobra.Command, what string) *otlpFlags {
	o := &otlpFlags{}
	f := cmd.Flags()
	f.StringVar(&o.file, "otlp-file", "", "write "+what+" as OpenTelemetry traces to FILE in OTLP JSON (one trace per call, a span per stage; - for stdout)")
	f.StringVar(&o.endpoint, "otlp-endpoint", "", "send "+what+" as OpenTelemetry traces to an OTLP/HTTP collector at URL (e.g. http://localhost:4318; /v1/traces is added when no path is given)")
	return o
}

func (o *otlpFlags) set() bool { return o != nil && (o.file != "" || o.endpoint != "") }

// validate checks both flags before anything runs: a usage error names the
// flag. A live mode's stdout is its table, JSON stream or screen: no "-".
func (o *otlpFlags) validate(live bool) error {
	if !o.set() {
		return nil
	}
	if live && o.file == "-" {
		return usageError{errors.New("--otlp-file -: stdout is this mode's own output; name a file")}
	}
	if o.endpoint != "" {
		if _, err := otlp.EndpointURL(o.endpoint); err != nil {
			return usageError{fmt.Errorf("--otlp-endpoint: %w", err)}
		}
	}
	if o.file != "-" {
		if err := writable("--otlp-file", o.file); err != nil {
			return err
		}
	}
	return nil
}

// open returns the destinations the flags name.
func (o *otlpFlags) open(ctx context.Context, stdout io.Writer) ([]otlp.Exporter, error) {
	var out []otlp.Exporter
	if o.file == "-" {
		out = append(out, otlp.NewFileExporter(stdout, "stdout", version))
	} else if o.file != "" {
		x, err := otlp.CreateFile(o.file, version)
		if err != nil {
			return nil, fmt.Errorf("--otlp-file %s: %w", o.file, err)
		}
		out = append(out, x)
	}
	if o.endpoint != "" {
		x, err := otlp.NewHTTPExporter(ctx, o.endpoint, version, otlp.HTTPOptions{})
		if err != nil {
			for _, d := range out {
				_ = d.Close(ctx)
			}
			return nil, usageError{fmt.Errorf("--otlp-endpoint: %w", err)}
		}
		out = append(out, x)
	}
	return out, nil
}

// export's OTLP output (cmd_export.go's exportHooks).
func init() { exportHooks = append(exportHooks, otlpExportFlags) }

// otlpExportFlags adds --otlp-file and --otlp-endpoint to cmd (the export
// command) and returns the export run: when either flag was given, it
// exports events, one trace per call, and says so on stderr; else it does
// nothing and returns nil.
func otlpExportFlags(cmd *cobra.Command) func(events []flow.Event) error {
	o := addOTLPFlags(cmd, "the trace")
	return func(events []flow.Event) error {
		if !o.set() {
			return nil
		}
		if err := o.validate(false); err != nil {
			return err
		}
		return runOTLPExport(cmd.Context(), o, events, cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
}

// runOTLPExport writes a loaded trace's calls to each destination. The file
// is one OTLP JSON document (one ExportTraceServiceRequest on one line),
// which Jaeger's upload and a collector's otlpjsonfile receiver both read.
func runOTLPExport(ctx context.Context, o *otlpFlags, events []flow.Event, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	traces, skipped := otlp.Build(events)
	if len(traces) == 0 {
		return fmt.Errorf("no calls to export: none of the %d events has a W3C trace id", len(events))
	}
	spans := 0
	for _, t := range traces {
		spans += len(t.Spans)
	}
	dsts, err := o.open(ctx, stdout)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dsts {
		err := d.Export(ctx, traces)
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		err = errors.Join(err, d.Close(cctx))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("otlp %s: %w", d.Target(), err))
			continue
		}
		fmt.Fprintf(stderr, "otlp %s: %s, %s spans\n", d.Target(), otlp.Calls(uint64(len(traces))), flow.FormatCount(uint64(spans)))
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "otlp: ⚠ %s events without a W3C trace id left out\n", flow.FormatCount(uint64(skipped)))
	}
	return errors.Join(errs...)
}

// otlpLive is a live mode's export: one follower per destination.
type otlpLive struct {
	lives []*otlp.Live
	subs  []*bus.Subscription
	dsts  []otlp.Exporter
}

// follow starts exporting each call of b's as it ends. Subscribe before the
// first event: a call's trace needs all its events.
func (o *otlpFlags) follow(ctx context.Context, b *bus.Bus, stdout io.Writer) (*otlpLive, error) {
	if !o.set() {
		return nil, nil
	}
	dsts, err := o.open(ctx, stdout)
	if err != nil {
		return nil, err
	}
	l := &otlpLive{dsts: dsts}
	for _, d := range dsts {
		sub := b.Subscribe(otlpBuffer)
		l.subs = append(l.subs, sub)
		l.lives = append(l.lives, otlp.Follow(sub, d))
	}
	return l, nil
}

// finish exports what is still open and returns the exit lines, one per
// destination, and an error when anything did not get out.
func (l *otlpLive) finish() ([]string, error) {
	if l == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var (
		lines []string
		errs  []error
	)
	for i, lv := range l.lives {
		st, err := lv.Close(ctx)
		if err != nil {
			// The error is the exit line: it says what did not get out.
			errs = append(errs, fmt.Errorf("otlp %s: %s handed on, but: %w", l.dsts[i].Target(), otlp.Calls(st.Calls), err))
			continue
		}
		lines = append(lines, st.Summary(l.dsts[i].Target(), l.subs[i].Dropped()))
	}
	return lines, errors.Join(errs...)
}

// sendFollow is send's --otlp-* as a pipeline follower: it prints its exit
// lines on stderr (stdout is the table or the JSON stream).
func (o *otlpFlags) sendFollow(ctx context.Context, stdout, stderr io.Writer) func(*bus.Bus) func() error {
	if !o.set() {
		return nil
	}
	return func(b *bus.Bus) func() error {
		l, err := o.follow(ctx, b, stdout)
		if err != nil {
			return func() error { return err }
		}
		return func() error {
			lines, err := l.finish()
			for _, s := range lines {
				fmt.Fprintln(stderr, s)
			}
			return err
		}
	}
}

// sink is --otlp-* for a mode that hands its events to sinks rather than a
// bus (mock-apns, device): a bus of its own feeds the exporter. The
// returned finish runs once the last event is in; it prints the exit lines
// on w and says what did not get out. Without the flags both are nil.
func (o *otlpFlags) sink(ctx context.Context, w io.Writer) (flow.Sink, func() error, error) {
	if !o.set() {
		return nil, nil, nil
	}
	b := bus.New()
	l, err := o.follow(ctx, b, w)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error {
		lines, err := l.finish()
		b.Close()
		for _, s := range lines {
			fmt.Fprintln(w, s)
		}
		return err
	}, nil
}
