package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"

	"github.com/callscope/callscope/flow"
)

// ScopeName is the instrumentation scope of every span callscope exports.
const ScopeName = "github.com/callscope/callscope"

// Traces renders traces as pdata, the collector's own model: one resource
// per stage service (Service), in path order, each holding that stage's
// spans of every call. version is callscope's, for the scope.
func Traces(traces []Trace, version string) ptrace.Traces {
	td := ptrace.NewTraces()
	scopes := map[flow.Stage]ptrace.SpanSlice{}
	get := func(st flow.Stage) ptrace.SpanSlice {
		if ss, ok := scopes[st]; ok {
			return ss
		}
		rs := td.ResourceSpans().AppendEmpty()
		putAttrs(rs.Resource().Attributes(), resourceAttrs(st, version))
		sc := rs.ScopeSpans().AppendEmpty()
		sc.Scope().SetName(ScopeName)
		sc.Scope().SetVersion(version)
		scopes[st] = sc.Spans()
		return sc.Spans()
	}
	// Resources in path order whatever order the spans come in: the file
	// reads the same for the same calls.
	for _, st := range append([]flow.Stage{""}, flow.Stages[:]...) {
		for _, t := range traces {
			if hasStage(t, st) {
				get(st)
				break
			}
		}
	}
	for _, t := range traces {
		for _, s := range t.Spans {
			sp := get(s.Stage).AppendEmpty()
			sp.SetTraceID(pcommon.TraceID(s.TraceID))
			sp.SetSpanID(pcommon.SpanID(s.SpanID))
			if s.Parent.IsValid() {
				sp.SetParentSpanID(pcommon.SpanID(s.Parent))
			}
			sp.SetName(s.Name)
			sp.SetKind(ptrace.SpanKindInternal)
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(s.Start))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(s.End))
			putAttrs(sp.Attributes(), s.Attrs)
			for _, ev := range s.Events {
				pe := sp.Events().AppendEmpty()
				pe.SetName(ev.Name)
				pe.SetTimestamp(pcommon.NewTimestampFromTime(ev.Time))
				putAttrs(pe.Attributes(), ev.Attrs)
			}
			if s.Error {
				sp.Status().SetCode(ptrace.StatusCodeError)
				sp.Status().SetMessage(s.Status)
			}
		}
	}
	return td
}

func hasStage(t Trace, st flow.Stage) bool {
	for _, s := range t.Spans {
		if s.Stage == st {
			return true
		}
	}
	return false
}

// resourceAttrs describe the stage as a service; the SDK path uses the same.
func resourceAttrs(st flow.Stage, version string) []attribute.KeyValue {
	a := []attribute.KeyValue{
		attribute.String("service.name", Service(st)),
		attribute.String("service.namespace", "callscope"),
	}
	if version != "" {
		a = append(a, attribute.String("service.version", version))
	}
	return a
}

func putAttrs(m pcommon.Map, kvs []attribute.KeyValue) {
	m.EnsureCapacity(len(kvs))
	for _, kv := range kvs {
		k := string(kv.Key)
		switch kv.Value.Type() {
		case attribute.BOOL:
			m.PutBool(k, kv.Value.AsBool())
		case attribute.INT64:
			m.PutInt(k, kv.Value.AsInt64())
		case attribute.FLOAT64:
			m.PutDouble(k, kv.Value.AsFloat64())
		default:
			m.PutStr(k, kv.Value.String())
		}
	}
}

// ptraceotlpRequest is traces as an OTLP export request.
func ptraceotlpRequest(traces []Trace) ptraceotlp.ExportRequest {
	return ptraceotlp.NewExportRequestFromTraces(Traces(traces, ""))
}
