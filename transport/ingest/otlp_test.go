package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/transport/ingest"
	"github.com/callscope/callscope/transport/otlp"
)

const callTrace = "0af7651916cd43dd8448eb211c80319c"

// startOTLPIngest is the screen's --ingest wiring: a bus as the sink, the
// screen's subscription on it, a token.
func startOTLPIngest(t *testing.T, token string, maxBody int64) (*ingest.Server, *bus.Subscription) {
	t.Helper()
	b := bus.New()
	sub := b.Subscribe(1024)
	srv, err := ingest.Start(ingest.Config{Token: token, Sink: b, MaxBody: maxBody})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); b.Close() })
	return srv, sub
}

func tracesURL(srv *ingest.Server) string {
	return strings.TrimSuffix(srv.URL(), ingest.Path) + ingest.TracesPath
}

// waitEvents reads n events off sub, or fails at the deadline.
func waitEvents(t *testing.T, sub *bus.Subscription, n int) []flow.Event {
	t.Helper()
	var got []flow.Event
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case e := <-sub.Events():
			got = append(got, e)
		case <-deadline:
			t.Fatalf("%d of %d events arrived: %+v", len(got), n, got)
		}
	}
	return got
}

// TestOTLPIngestFromSDK: a team's server instrumented with the OpenTelemetry
// Go SDK, its exporter pointed at --ingest, continuing the traceparent the
// call carried: its spans land on the Server lane of that call.
func TestOTLPIngestFromSDK(t *testing.T) {
	const token = "otlp-token-0123456789"
	srv, sub := startOTLPIngest(t, token, 0)
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(tracesURL(srv)),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "push-server"))))
	tid, _ := trace.TraceIDFromHex(callTrace)
	parent, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: parent, TraceFlags: trace.FlagsSampled, Remote: true}))
	tr := tp.Tracer("push-server")
	start := time.Now().Add(-50 * time.Millisecond)
	ctx, handle := tr.Start(ctx, "POST /calls", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(start),
		trace.WithAttributes(attribute.String("http.request.method", "POST"), attribute.Int("http.response.status_code", 502)))
	_, push := tr.Start(ctx, "apns push", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start.Add(5*time.Millisecond)))
	push.AddEvent("retry", trace.WithTimestamp(start.Add(10*time.Millisecond)), trace.WithAttributes(attribute.Int("attempt", 2)))
	push.SetStatus(codes.Error, "connection reset")
	push.End(trace.WithTimestamp(start.Add(30 * time.Millisecond)))
	handle.SetStatus(codes.Error, "APNs unreachable")
	handle.End(trace.WithTimestamp(start.Add(40 * time.Millisecond)))
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatalf("the SDK's exporter was refused: %v", err)
	}

	got := waitEvents(t, sub, 3) // two spans and one span event
	byName := map[string]flow.Event{}
	for _, e := range got {
		if e.TraceID != callTrace || e.Stage != flow.StageServer {
			t.Errorf("event %q: trace %s stage %s; want trace %s on the server stage", e.Name, e.TraceID, e.Stage, callTrace)
		}
		if e.Clock != otlp.ClockPrefix+"push-server" {
			t.Errorf("event %q: clock %q, want the server's", e.Name, e.Clock)
		}
		byName[e.Name] = e
	}
	h := byName["POST /calls"]
	if h.Duration != 40*time.Millisecond || !h.Time.Equal(start) || h.Attrs["http.response.status_code"] != "502" || h.Attrs["otel.kind"] != "server" {
		t.Errorf("handler span as an event: %+v", h)
	}
	if d := h.Diagnosis; d == nil || d.Warning || d.Stage != flow.StageServer || d.Code != otlp.CodeServerSpanError ||
		!strings.Contains(d.Detail, "APNs unreachable") {
		t.Errorf("the failed SERVER span's diagnosis = %+v", d)
	}
	p := byName["apns push"]
	if d := p.Diagnosis; d == nil || !d.Warning || d.Code != otlp.CodeServerSpanWarning {
		t.Errorf("an inner span in error should warn, not fail the call: %+v", d)
	}
	if p.Attrs["otel.parent_span_id"] != h.Attrs["otel.span_id"] {
		t.Errorf("the push span's parent %q is not the handler's %q", p.Attrs["otel.parent_span_id"], h.Attrs["otel.span_id"])
	}
	if r := byName["retry"]; r.Attrs["attempt"] != "2" || !r.Time.Equal(start.Add(10*time.Millisecond)) {
		t.Errorf("span event: %+v", r)
	}
	// On the Server lane of that call: the screen's call store places
	// them there, and the failed handler settles the observed call.
	calls := flow.NewCalls()
	for _, e := range got {
		calls.AddObserved(e)
	}
	c, ok := calls.Get(callTrace)
	if !ok || c.Stage != flow.StageServer || c.Outcome != flow.OutcomeFailed || c.Diag == nil || c.Diag.Stage != flow.StageServer {
		t.Errorf("the call as the screen sees it: %+v", c)
	}
	if st := srv.Stats(); st.Accepted != 3 || st.Rejected != 0 {
		t.Errorf("stats %+v", st)
	}
}

// pdataRequest is a traces request built with the collector's pdata.
func pdataRequest(spans ...func(ptrace.Span)) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "push-server")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, f := range spans {
		sp := ss.Spans().AppendEmpty()
		tid, _ := trace.TraceIDFromHex(callTrace)
		sp.SetTraceID(pcommon.TraceID(tid))
		sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
		sp.SetName("send push")
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Unix(1764640000, 0)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Unix(1764640000, 5e6)))
		sp.Attributes().PutStr("apns.topic", "org.example.voip")
		f(sp)
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

func postOTLP(t *testing.T, url, token, ctype string, body []byte, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, m
}

// TestOTLPIngestRequests: both encodings, gzip, and each refusal with the
// status and the field it names.
func TestOTLPIngestRequests(t *testing.T) {
	const token = "otlp-token-0123456789"
	srv, sub := startOTLPIngest(t, token, 4096)
	url := tracesURL(srv)
	good := pdataRequest(func(ptrace.Span) {})
	pb, _ := good.MarshalProto()
	js, _ := good.MarshalJSON()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(js)
	zw.Close()
	mixed, _ := pdataRequest(func(ptrace.Span) {}, func(sp ptrace.Span) { sp.SetTraceID(pcommon.TraceID{}) }).MarshalJSON()
	allBad, _ := pdataRequest(func(sp ptrace.Span) { sp.SetName("") }).MarshalJSON()
	big := pdataRequest(func(sp ptrace.Span) { sp.Attributes().PutStr("pad", strings.Repeat("x", 5000)) })
	bigJSON, _ := big.MarshalJSON()

	tests := []struct {
		name, token, ctype string
		body               []byte
		hdr                []string
		status             int
		accepted, rejected float64
		errHas             string // in "error", or in errors[0]
	}{
		{"protobuf", token, "application/x-protobuf", pb, nil, 200, 1, 0, ""},
		{"json", token, "application/json", js, nil, 200, 1, 0, ""},
		{"gzip json", token, "application/json", gz.Bytes(), []string{"Content-Encoding", "gzip"}, 200, 1, 0, ""},
		{"one span without a trace id", token, "application/json", mixed, nil, 200, 1, 1, "resourceSpans[0].scopeSpans[0].spans[1]: traceId: missing"},
		{"every span bad", token, "application/json", allBad, nil, 400, 0, 1, "name: missing"},
		{"no token", "", "application/json", js, nil, 401, -1, -1, "bearer token"},
		{"wrong token on a wrong path", "nope", "application/json", js, nil, 401, -1, -1, "bearer token"},
		{"bad trace id field", token, "application/json", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708"}]}]}]}`), nil, 400, -1, -1,
			"resourceSpans[0].scopeSpans[0].spans[0].traceId: want 32 hex digits"},
		{"bad time field", token, "application/json", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + callTrace + `","spanId":"0102030405060708","startTimeUnixNano":"soon"}]}]}]}`), nil, 400, -1, -1,
			"resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: want nanoseconds"},
		{"not json", token, "application/json", []byte(`{"resourceSpans":`), nil, 400, -1, -1, "body: "},
		{"not protobuf", token, "application/x-protobuf", []byte("garbage\xff\xff"), nil, 400, -1, -1, "body: not an OTLP ExportTraceServiceRequest in protobuf"},
		{"ndjson content type", token, "application/x-ndjson", js, nil, 415, -1, -1, "application/x-protobuf or application/json"},
		{"oversize", token, "application/json", bigJSON, nil, 413, -1, -1, "body over 4096 bytes"},
	}
	queued := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := url
			if tc.name == "wrong token on a wrong path" {
				u = strings.TrimSuffix(url, "/v1/traces") + "/v1/nothing"
			}
			status, m := postOTLP(t, u, tc.token, tc.ctype, tc.body, tc.hdr...)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, m)
			}
			if tc.accepted >= 0 && (m["accepted"] != tc.accepted || m["rejected"] != tc.rejected || m["queued"] != tc.accepted || m["dropped"] != 0.0) {
				t.Errorf("answer %v: want accepted %v (all queued, none dropped), rejected %v", m, tc.accepted, tc.rejected)
			}
			msg, _ := m["error"].(string)
			if errs, _ := m["errors"].([]any); len(errs) > 0 {
				e := errs[0].(map[string]any)
				msg = e["span"].(string) + ": " + e["error"].(string)
			}
			if tc.errHas != "" && !strings.Contains(msg, tc.errHas) {
				t.Errorf("error %q does not say %q", msg, tc.errHas)
			}
			if tc.rejected > 0 {
				if ps, _ := m["partialSuccess"].(map[string]any); ps == nil || ps["rejectedSpans"] != tc.rejected {
					t.Errorf("partialSuccess = %v", m["partialSuccess"])
				}
			}
			if tc.accepted > 0 {
				queued += int(tc.accepted)
			}
		})
	}
	for _, e := range waitEvents(t, sub, queued) {
		if e.Stage != flow.StageServer || e.TraceID != callTrace || e.Name != "send push" || e.Duration != 5*time.Millisecond ||
			e.Attrs["apns.topic"] != "org.example.voip" {
			t.Errorf("event %+v", e)
		}
	}
}
