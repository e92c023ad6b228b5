package otlp

import (
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/callscope/callscope/flow"
)

// Codes of the diagnoses a team's spans give the server stage.
const (
	// CodeServerSpanError: a span of the kind SERVER (the handling of a
	// request) ended with status Error: the server failed that request.
	CodeServerSpanError flow.Code = "SERVER_SPAN_ERROR"
	// CodeServerSpanWarning: an inner span ended with status Error (a retry,
	// a cache miss handled): worth seeing, not where the path ended.
	CodeServerSpanWarning flow.Code = "W_SERVER_SPAN_ERROR"
)

// ClockPrefix starts the Event.Clock of events from a team's spans: their
// times are the server's clock, which callscope does not assume is this
// machine's.
const ClockPrefix = "otel:"

// SpanError is one span that did not load, named by its place in the
// request as OTLP JSON spells it.
type SpanError struct {
	Span  string `json:"span"`
	Error string `json:"error"`
}

// DecodeRequest decodes an OTLP/HTTP traces request body with the
// collector's pdata: protobuf when proto is true, else OTLP JSON. A JSON
// error names the field it is about where it can be found.
func DecodeRequest(body []byte, proto bool) (ptrace.Traces, error) {
	er := ptraceotlp.NewExportRequest()
	if proto {
		if err := er.UnmarshalProto(body); err != nil {
			return ptrace.Traces{}, fmt.Errorf("body: not an OTLP ExportTraceServiceRequest in protobuf: %v", err)
		}
		return er.Traces(), nil
	}
	if err := er.UnmarshalJSON(body); err != nil {
		if where := locateJSONError(body); where != "" {
			return ptrace.Traces{}, fmt.Errorf("%s", where)
		}
		msg, _, _ := strings.Cut(err.Error(), ", error found in")
		return ptrace.Traces{}, fmt.Errorf("body: not OTLP JSON: %s", msg)
	}
	return er.Traces(), nil
}

// Events turns each span into server-stage events: one for the span (at
// its start, lasting to its end, its name and attributes), one for each of
// its span events. A span with status Error gives a diagnosis on the server
// stage. Spans that cannot be placed on a call (no valid trace id) or are
// malformed go to bad; the rest to event. An error from event for a span's
// own event refuses the span (its span events are not handed on) and goes
// to bad. It returns how many spans loaded.
func Events(td ptrace.Traces, event func(flow.Event) error, bad func(SpanError)) (loaded int) {
	for i, rs := range td.ResourceSpans().All() {
		svc := "unknown"
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok && v.AsString() != "" {
			svc = v.AsString()
		}
		for j, ss := range rs.ScopeSpans().All() {
			for k, sp := range ss.Spans().All() {
				where := fmt.Sprintf("resourceSpans[%d].scopeSpans[%d].spans[%d]", i, j, k)
				if err := checkSpan(sp); err != "" {
					bad(SpanError{Span: where, Error: err})
					continue
				}
				if err := spanEvents(sp, svc, event); err != nil {
					bad(SpanError{Span: where, Error: err.Error()})
					continue
				}
				loaded++
			}
		}
	}
	return loaded
}

func checkSpan(sp ptrace.Span) string {
	switch {
	case sp.TraceID().IsEmpty():
		return "traceId: missing or all zero (want the 32 hex digits of the call's W3C trace id)"
	case sp.SpanID().IsEmpty():
		return "spanId: missing or all zero"
	case strings.TrimSpace(sp.Name()) == "":
		return "name: missing"
	case sp.StartTimestamp() == 0:
		return "startTimeUnixNano: missing"
	case sp.EndTimestamp() != 0 && sp.EndTimestamp() < sp.StartTimestamp():
		return "endTimeUnixNano: before startTimeUnixNano"
	}
	return ""
}

func spanEvents(sp ptrace.Span, svc string, event func(flow.Event) error) error {
	tid := sp.TraceID().String()
	clock := ClockPrefix + svc
	start := sp.StartTimestamp().AsTime()
	var dur time.Duration
	if sp.EndTimestamp() != 0 {
		dur = sp.EndTimestamp().AsTime().Sub(start)
	}
	attrs := strAttrs(sp.Attributes(), 8)
	attrs["otel.service"] = svc
	attrs["otel.span_id"] = sp.SpanID().String()
	if !sp.ParentSpanID().IsEmpty() {
		attrs["otel.parent_span_id"] = sp.ParentSpanID().String()
	}
	attrs["otel.kind"] = strings.ToLower(sp.Kind().String())
	e := flow.Event{TraceID: tid, Stage: flow.StageServer, Name: sp.Name(), Time: start, Duration: dur,
		Clock: clock, Attrs: attrs}
	if sp.Status().Code() == ptrace.StatusCodeError {
		attrs["otel.status"] = "error"
		e.Diagnosis = spanDiagnosis(sp, svc)
	}
	if err := event(e); err != nil {
		return err
	}
	for _, ev := range sp.Events().All() {
		a := strAttrs(ev.Attributes(), 2)
		a["otel.service"] = svc
		a["otel.span_id"] = sp.SpanID().String()
		t := ev.Timestamp().AsTime()
		if ev.Timestamp() == 0 {
			t = start
		}
		name := ev.Name()
		if strings.TrimSpace(name) == "" {
			name = "event"
		}
		// Cannot be refused where the span was not: the same trace id, a
		// name, no duration.
		_ = event(flow.Event{TraceID: tid, Stage: flow.StageServer, Name: name, Time: t, Clock: clock, Attrs: a})
	}
	return nil
}

// spanDiagnosis: a SERVER span in error is the server failing the request
// it handled; an inner span in error is a warning, since the server may
// have recovered (a retry), and what happened downstream says whether the
// push went out.
func spanDiagnosis(sp ptrace.Span, svc string) *flow.Diagnosis {
	detail := fmt.Sprintf("%s: span %q ended with status Error", svc, sp.Name())
	if m := sp.Status().Message(); m != "" {
		detail += ": " + m
	}
	d := &flow.Diagnosis{Stage: flow.StageServer, Code: CodeServerSpanWarning, Detail: detail, Warning: true,
		Hint: "from the server's own OpenTelemetry trace: look up span " + sp.SpanID().String() + " in its tracing"}
	if sp.Kind() == ptrace.SpanKindServer {
		d.Code, d.Warning = CodeServerSpanError, false
	}
	return d
}

// strAttrs flattens attributes to strings, as events carry them.
func strAttrs(m pcommon.Map, extra int) map[string]string {
	out := make(map[string]string, m.Len()+extra)
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}
