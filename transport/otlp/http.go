package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/callscope/callscope/flow"
)

// TracesPath is OTLP/HTTP's path for traces, added to an endpoint given
// without a path (as OTEL_EXPORTER_OTLP_ENDPOINT is).
const TracesPath = "/v1/traces"

// EndpointURL checks an --otlp-endpoint value and completes it: http or
// https, a host, and /v1/traces when no path is given.
func EndpointURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", raw, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q: want an http:// or https:// URL, e.g. http://localhost:4318", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q: no host, e.g. http://localhost:4318", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = TracesPath
	}
	return u.String(), nil
}

// HTTPExporter sends spans over OTLP/HTTP (protobuf) with the OpenTelemetry
// Go SDK: a tracer provider per stage service, the SDK's batch span
// processor, and its otlptracehttp exporter. The spans keep the call's
// trace id and Build's span ids through an IDGenerator that reads them
// from the context each span is started with.
type HTTPExporter struct {
	url     string
	version string
	exp     *countingExporter

	mu    sync.Mutex
	tps   map[flow.Stage]*sdktrace.TracerProvider
	spans atomic.Uint64
}

// HTTPOptions tune the exporter; the zero value is what the command uses.
type HTTPOptions struct {
	// Timeout bounds one export request; 0 is 10 s.
	Timeout time.Duration
	// Retry bounds the SDK's retries of a failed request; 0 is 15 s.
	Retry time.Duration
}

// NewHTTPExporter sends to endpoint (see EndpointURL). The SDK's own
// environment (OTEL_EXPORTER_OTLP_HEADERS for a vendor's API key,
// OTEL_EXPORTER_OTLP_CERTIFICATE) applies.
func NewHTTPExporter(ctx context.Context, endpoint, version string, o HTTPOptions) (*HTTPExporter, error) {
	u, err := EndpointURL(endpoint)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retry <= 0 {
		o.Retry = 15 * time.Second
	}
	inner, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(u),
		otlptracehttp.WithTimeout(o.Timeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: true, InitialInterval: 250 * time.Millisecond,
			MaxInterval: 2 * time.Second, MaxElapsedTime: o.Retry}))
	if err != nil {
		return nil, err
	}
	silenceSDK()
	return &HTTPExporter{url: u, version: version, exp: &countingExporter{inner: inner},
		tps: map[flow.Stage]*sdktrace.TracerProvider{}}, nil
}

var silence sync.Once

// silenceSDK keeps the SDK from printing its export errors on stderr, where
// they would tear through the screen: countingExporter counts them and Close
// reports them.
func silenceSDK() {
	silence.Do(func() { otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) })
}

// provider is the tracer provider of one stage's service. All share the one
// exporter; Close shuts it down once, after every provider has flushed.
func (x *HTTPExporter) provider(st flow.Stage) *sdktrace.TracerProvider {
	x.mu.Lock()
	defer x.mu.Unlock()
	if tp, ok := x.tps[st]; ok {
		return tp
	}
	limits := sdktrace.NewSpanLimits()
	limits.EventCountLimit = MaxEventsPerCall
	limits.AttributeCountLimit = 256
	limits.AttributePerEventCountLimit = 256
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(resourceAttrs(st, x.version)...)),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithRawSpanLimits(limits),
		// Blocking: the SDK never drops a span here; the bounded queue in
		// front of it (Live) is where a slow collector costs calls, counted.
		sdktrace.WithBatcher(sharedExporter{x.exp}, sdktrace.WithBlocking()),
	)
	x.tps[st] = tp
	return tp
}

// Export starts and ends each span with its recorded times and ids; the
// batch processor sends them.
func (x *HTTPExporter) Export(ctx context.Context, traces []Trace) error {
	for _, t := range traces {
		for _, s := range t.Spans {
			x.emit(ctx, s)
		}
	}
	return nil
}

func (x *HTTPExporter) emit(ctx context.Context, s Span) {
	tr := x.provider(s.Stage).Tracer(ScopeName, trace.WithInstrumentationVersion(x.version))
	ctx = context.WithValue(ctx, idsKey{}, s.SpanID)
	if s.Parent.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: s.TraceID, SpanID: s.Parent, TraceFlags: trace.FlagsSampled}))
	} else {
		ctx = context.WithValue(trace.ContextWithSpanContext(ctx, trace.SpanContext{}), traceKey{}, s.TraceID)
	}
	_, sp := tr.Start(ctx, s.Name, trace.WithTimestamp(s.Start), trace.WithAttributes(s.Attrs...),
		trace.WithSpanKind(trace.SpanKindInternal))
	for _, ev := range s.Events {
		sp.AddEvent(ev.Name, trace.WithTimestamp(ev.Time), trace.WithAttributes(ev.Attrs...))
	}
	if s.Error {
		sp.SetStatus(codes.Error, s.Status)
	}
	sp.End(trace.WithTimestamp(s.End))
	x.spans.Add(1)
}

// Close flushes every provider, then shuts the exporter down, and reports
// the spans the endpoint did not take.
func (x *HTTPExporter) Close(ctx context.Context) error {
	x.mu.Lock()
	tps := x.tps
	x.tps = map[flow.Stage]*sdktrace.TracerProvider{}
	x.mu.Unlock()
	var errs []error
	for _, tp := range tps {
		if err := tp.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := x.exp.inner.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if n, last := x.exp.failures(); n > 0 {
		errs = append([]error{fmt.Errorf("%s of %s spans not accepted: %w",
			flow.FormatCount(n), flow.FormatCount(x.spans.Load()), last)}, errs...)
	}
	return errors.Join(errs...)
}

// Target is the endpoint URL.
func (x *HTTPExporter) Target() string { return x.url }

// Sent is how many spans the endpoint accepted so far.
func (x *HTTPExporter) Sent() uint64 { return x.exp.sent.Load() }

// countingExporter counts what the SDK's exporter sent and what it failed
// to: the SDK hands export errors to a global handler, not to its caller.
type countingExporter struct {
	inner      sdktrace.SpanExporter
	sent       atomic.Uint64
	failed     atomic.Uint64
	mu         sync.Mutex
	lastFailed error
}

func (c *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.inner.ExportSpans(ctx, spans)
	if err != nil {
		c.failed.Add(uint64(len(spans)))
		c.mu.Lock()
		c.lastFailed = err
		c.mu.Unlock()
		return err
	}
	c.sent.Add(uint64(len(spans)))
	return nil
}

func (c *countingExporter) failures() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed.Load(), c.lastFailed
}

// sharedExporter is the one exporter as each provider sees it: a provider's
// Shutdown must not shut it down under the others.
type sharedExporter struct{ c *countingExporter }

func (s sharedExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return s.c.ExportSpans(ctx, spans)
}

func (sharedExporter) Shutdown(context.Context) error { return nil }

type (
	idsKey   struct{}
	traceKey struct{}
)

// idGenerator gives each span the ids Build chose: the call's own trace id
// and a span id derived from it, so a span exported twice is one span.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	tid, _ := ctx.Value(traceKey{}).(trace.TraceID)
	sid, _ := ctx.Value(idsKey{}).(trace.SpanID)
	return tid, sid
}

func (idGenerator) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	sid, _ := ctx.Value(idsKey{}).(trace.SpanID)
	return sid
}
