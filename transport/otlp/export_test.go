package otlp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/callscope/callscope/flow"
)

const (
	okID   = "d0ccb5b92e2fd1911320a405757a10b6"
	failID = "6f5f55aa2e2fd1911320a405757a10b7"
)

var t0 = time.Date(2026, 12, 2, 1, 47, 22, 0, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

// sampleEvents are two calls as the pipeline records them: one that
// connects, its push on the APNs stage and simulated iPhone time on the
// device, and one APNs refuses.
func sampleEvents() []flow.Event {
	push := &flow.PushRecord{Method: "POST", Path: "/3/device/88913bc4", Status: 200,
		ApnsID: "e0b2eee3-8ae7-47cc-bdb4-9b664b174ded", UniqueID: "cff547b8-5c5b-4996-abff-975bc8f91f16",
		Headers: map[string]string{"apns-topic": "org.callscope.demo.voip", "apns-push-type": "voip",
			"authorization": "bearer eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJBQkMifQ.[signature redacted]"},
		Payload: []byte(`{"aps":{},"e":"opaque"}`)}
	return []flow.Event{
		{TraceID: okID, CallID: "D0CC", Stage: flow.StageSender, Name: "start-call-action", Time: at(0), Instant: true, Attrs: map[string]string{"kind": "call"}},
		{TraceID: okID, Stage: flow.StageSender, Name: "sealed", Time: at(1), Duration: 800 * time.Microsecond},
		{TraceID: okID, Stage: flow.StageServer, Name: "received", Time: at(2)},
		{TraceID: okID, Stage: flow.StageServer, Name: "built", Time: at(2), Duration: 400 * time.Microsecond},
		{TraceID: failID, CallID: "6F5F", Stage: flow.StageSender, Name: "start-call-action", Time: at(3), Instant: true, Attrs: map[string]string{"kind": "call"}},
		{TraceID: okID, Stage: flow.StageAPNs, Name: "received", Time: at(10), Push: push, Attrs: map[string]string{"token": "88913bc4…3ab0"}},
		{TraceID: okID, Stage: flow.StageAPNs, Name: "accepted", Time: at(10), Duration: 300 * time.Microsecond, Attrs: map[string]string{"status": "200"}},
		{TraceID: okID, Stage: flow.StageServer, Name: "apns-accepted", Time: at(3), Duration: 8 * time.Millisecond},
		{TraceID: failID, Stage: flow.StageServer, Name: "received", Time: at(4)},
		{TraceID: failID, Stage: flow.StageAPNs, Name: "rejected", Time: at(5), Duration: time.Millisecond,
			Attrs: map[string]string{"status": "400", "reason": "BadDeviceToken"}},
		{TraceID: failID, Stage: flow.StageSender, Name: "failed", Time: at(7), Outcome: flow.OutcomeFailed,
			Diagnosis: &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken", Detail: "APNs answered 400"}},
		{TraceID: okID, Stage: flow.StageExtension, Name: "nse-launch", Time: at(11), Duration: 20 * time.Millisecond, Simulated: true},
		{TraceID: okID, Stage: flow.StageExtension, Name: "decrypted", Time: at(11.5), Duration: 500 * time.Microsecond},
		{TraceID: okID, Stage: flow.StageCallKit, Name: "app-launch", Time: at(12), Duration: 350 * time.Millisecond, Simulated: true, Waited: time.Millisecond},
		{TraceID: okID, Stage: flow.StageCallKit, Name: "ringing", Time: at(13), Instant: true},
		{TraceID: okID, Stage: flow.StageSender, Name: "connected", Time: at(14), Outcome: flow.OutcomeConnected},
	}
}

// gotSpan is a span as a collector decoded it.
type gotSpan struct {
	service, name, trace, parent string
	start, end                   time.Time
	events                       []string
	attrs                        map[string]any
	errStatus                    string
}

func flatten(td ptrace.Traces) map[string]gotSpan {
	out := map[string]gotSpan{}
	for _, rs := range td.ResourceSpans().All() {
		svc, _ := rs.Resource().Attributes().Get("service.name")
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				g := gotSpan{service: svc.Str(), name: sp.Name(), trace: sp.TraceID().String(),
					start: sp.StartTimestamp().AsTime(), end: sp.EndTimestamp().AsTime(), attrs: sp.Attributes().AsRaw()}
				if !sp.ParentSpanID().IsEmpty() {
					g.parent = sp.ParentSpanID().String()
				}
				for _, ev := range sp.Events().All() {
					g.events = append(g.events, ev.Name())
				}
				if sp.Status().Code() == ptrace.StatusCodeError {
					g.errStatus = sp.Status().Message()
				}
				out[sp.SpanID().String()] = g
			}
		}
	}
	return out
}

// receiver is an OTLP/HTTP traces endpoint as a collector runs it: it
// decodes each request with pdata.
type receiver struct {
	mu       sync.Mutex
	td       ptrace.Traces
	requests int
	srv      *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{td: ptrace.NewTraces()}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("exporter posted %s %s (%s)", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(req.Body)
		er := ptraceotlp.NewExportRequest()
		if err := er.UnmarshalProto(body); err != nil {
			t.Errorf("pdata cannot decode the export: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		er.Traces().ResourceSpans().MoveAndAppendTo(r.td.ResourceSpans())
		r.requests++
		r.mu.Unlock()
		b, _ := ptraceotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) spans() map[string]gotSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return flatten(r.td)
}

func byName(spans map[string]gotSpan, trace, name string) (string, gotSpan, bool) {
	for id, s := range spans {
		if s.trace == trace && s.name == name {
			return id, s, true
		}
	}
	return "", gotSpan{}, false
}

// TestExportOTLPHTTP: the SDK's OTLP/HTTP exporter delivers one trace per
// call with the call's own trace id, a root span and a span per stage,
// the events as span events, the diagnosis as the blamed stage's Error
// status, and the push on the APNs span.
func TestExportOTLPHTTP(t *testing.T) {
	r := newReceiver(t)
	traces, skipped := Build(sampleEvents())
	if skipped != 0 || len(traces) != 2 {
		t.Fatalf("Build: %d traces, %d skipped; want 2, 0", len(traces), skipped)
	}
	x, err := NewHTTPExporter(context.Background(), r.srv.URL, "test", HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Export(context.Background(), traces); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	checkSpans(t, r.spans())
	if x.Sent() != 10 {
		t.Errorf("sent %d spans, want 10 (2 roots, 5 stages of the first call, 3 of the second)", x.Sent())
	}
}

func checkSpans(t *testing.T, spans map[string]gotSpan) {
	t.Helper()
	if len(spans) != 10 {
		t.Fatalf("%d spans arrived, want 10", len(spans))
	}
	rootID, root, ok := byName(spans, okID, "call")
	if !ok {
		t.Fatalf("no root span for trace %s", okID)
	}
	if root.parent != "" || root.service != "callscope" || root.attrs["callscope.outcome"] != "connected" || root.errStatus != "" {
		t.Errorf("root span = %+v", root)
	}
	tests := []struct {
		stage, name, service string
		events               []string
		start, end           time.Time
	}{
		{"sender", "Sender", "callscope.sender", []string{"start-call-action", "sealed", "connected"}, at(0), at(14)},
		{"server", "Server", "callscope.server", []string{"received", "built", "apns-accepted"}, at(2), at(11)},
		{"apns", "APNs", "callscope.apns", []string{"received", "accepted"}, at(10), at(10.3)},
		// Simulated time does not stretch the span: nse-launch's 20 ms are
		// simulated, decrypted ends it.
		{"extension", "Extension", "callscope.extension", []string{"nse-launch", "decrypted"}, at(11), at(12)},
		{"callkit", "CallKit", "callscope.callkit", []string{"app-launch", "ringing"}, at(12), at(13)},
	}
	for _, tc := range tests {
		_, s, ok := byName(spans, okID, tc.name)
		if !ok {
			t.Errorf("no %s span in trace %s", tc.name, okID)
			continue
		}
		if s.parent != rootID || s.service != tc.service || s.attrs["callscope.stage"] != tc.stage {
			t.Errorf("%s: parent %s service %s stage %v; want parent %s service %s", tc.name, s.parent, s.service, s.attrs["callscope.stage"], rootID, tc.service)
		}
		if strings.Join(s.events, ",") != strings.Join(tc.events, ",") {
			t.Errorf("%s events = %v, want %v", tc.name, s.events, tc.events)
		}
		if !s.start.Equal(tc.start) || !s.end.Equal(tc.end) {
			t.Errorf("%s runs %v–%v, want %v–%v", tc.name, s.start.Sub(t0), s.end.Sub(t0), tc.start.Sub(t0), tc.end.Sub(t0))
		}
	}
	_, ck, _ := byName(spans, okID, "CallKit")
	if ck.attrs["callscope.simulated"] != true || ck.attrs["callscope.simulated_ns"] != int64(350*time.Millisecond) {
		t.Errorf("CallKit span does not say it holds simulated time: %v", ck.attrs)
	}
	_, ap, _ := byName(spans, okID, "APNs")
	if ap.attrs["callscope.push.header.apns-topic"] != "org.callscope.demo.voip" || ap.attrs["callscope.push.payload_bytes"] != int64(23) ||
		ap.attrs["callscope.push.status"] != int64(200) {
		t.Errorf("APNs span lacks the push: %v", ap.attrs)
	}
	for k, v := range ap.attrs {
		if strings.Contains(k, "authorization") || strings.Contains(strings.ToLower(fmt.Sprint(v)), "bearer") {
			t.Errorf("authorization reached the span: %s=%v", k, v)
		}
	}
	// The failed call: the APNs span carries the diagnosis as its status.
	_, fa, ok := byName(spans, failID, "APNs")
	if !ok || fa.errStatus != "APNS_REJECTED (BadDeviceToken): APNs answered 400" || fa.attrs["callscope.diagnosis.code"] != "APNS_REJECTED" {
		t.Errorf("failed call's APNs span: status %q attrs %v", fa.errStatus, fa.attrs)
	}
	_, fs, _ := byName(spans, failID, "Sender")
	if fs.errStatus != "" {
		t.Errorf("the sender's span is blamed (%q): the diagnosis names APNs", fs.errStatus)
	}
	_, fr, _ := byName(spans, failID, "call")
	if fr.errStatus == "" || fr.attrs["callscope.outcome"] != "failed" {
		t.Errorf("failed call's root: status %q attrs %v", fr.errStatus, fr.attrs)
	}
}

// TestExportOTLPFile: the file is OTLP JSON that pdata reads back, with
// the same spans the SDK sent.
func TestExportOTLPFile(t *testing.T) {
	traces, _ := Build(sampleEvents())
	var buf bytes.Buffer
	x := NewFileExporter(&buf, "out.json", "test")
	if err := x.Export(context.Background(), traces); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1 {
		t.Fatalf("%d lines, want 1 ExportTraceServiceRequest", n)
	}
	er := ptraceotlp.NewExportRequest()
	if err := er.UnmarshalJSON(buf.Bytes()); err != nil {
		t.Fatalf("pdata cannot read the file: %v", err)
	}
	checkSpans(t, flatten(er.Traces()))
	if !bytes.Contains(buf.Bytes(), []byte(`"traceId":"`+okID+`"`)) {
		t.Errorf("the file does not hold trace id %s as OTLP JSON hex", okID)
	}
}
