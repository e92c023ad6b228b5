package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	flowtrace "github.com/callscope/callscope/flow/trace"
)

// otlpReceiver is a collector's OTLP/HTTP traces endpoint: it decodes each
// request with pdata and keeps the spans.
type otlpReceiver struct {
	mu  sync.Mutex
	td  ptrace.Traces
	srv *httptest.Server
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{td: ptrace.NewTraces()}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		er := ptraceotlp.NewExportRequest()
		if req.URL.Path != "/v1/traces" || er.UnmarshalProto(body) != nil {
			t.Errorf("not an OTLP/HTTP traces request: %s %s", req.Method, req.URL.Path)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		er.Traces().ResourceSpans().MoveAndAppendTo(r.td.ResourceSpans())
		r.mu.Unlock()
		b, _ := ptraceotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// byTrace: trace id → span names, as a collector holds them.
func spanNames(td ptrace.Traces) map[string][]string {
	out := map[string][]string{}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				id := sp.TraceID().String()
				out[id] = append(out[id], sp.Name())
			}
		}
	}
	return out
}

func (r *otlpReceiver) names() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return spanNames(r.td)
}

// sendJSON runs send with args and returns the trace ids it reported.
func sendJSON(t *testing.T, args ...string) (ids []string, stderr string, err error) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	root := rootCommand()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"send", "--json"}, args...))
	err = root.ExecuteContext(context.Background())
	var doc struct {
		Calls []struct {
			TraceID string `json:"trace_id"`
		} `json:"calls"`
	}
	if json.Unmarshal(out.Bytes(), &doc) == nil {
		for _, c := range doc.Calls {
			ids = append(ids, c.TraceID)
		}
	}
	return ids, errb.String(), err
}

func wantFiveStages(t *testing.T, names map[string][]string, ids []string) {
	t.Helper()
	if len(names) != len(ids) {
		t.Errorf("%d traces arrived, want %d (one per call): %v", len(names), len(ids), names)
	}
	for _, id := range ids {
		got := strings.Join(names[id], ",")
		for _, n := range []string{"call", "Sender", "Server", "APNs", "Extension", "CallKit"} {
			if strings.Count(got, n) != 1 || len(names[id]) != 6 {
				t.Errorf("trace %s has spans %v; want call and the five stages once each", id, names[id])
				break
			}
		}
	}
}

// TestSendOTLPEndpoint: send --otlp-endpoint delivers each call to an
// OTLP/HTTP receiver as its own trace, with the trace id send reports.
func TestSendOTLPEndpoint(t *testing.T) {
	r := newOTLPReceiver(t)
	ids, stderr, err := sendJSON(t, "--count", "3", "--otlp-endpoint", r.srv.URL)
	if err != nil || len(ids) != 3 {
		t.Fatalf("send: %v, %d calls\n%s", err, len(ids), stderr)
	}
	wantFiveStages(t, r.names(), ids)
	if !strings.Contains(stderr, "otlp "+r.srv.URL+"/v1/traces: 3 calls exported") {
		t.Errorf("no exit line for the export: %q", stderr)
	}
}

// TestSendOTLPFileAndExport: send --otlp-file writes OTLP JSON lines; the
// export run over a recorded trace writes the same calls as one document.
func TestSendOTLPFileAndExport(t *testing.T) {
	dir := t.TempDir()
	live, rec := filepath.Join(dir, "live.json"), filepath.Join(dir, "t.jsonl")
	ids, stderr, err := sendJSON(t, "--count", "2", "--otlp-file", live, "--record", rec)
	if err != nil || len(ids) != 2 {
		t.Fatalf("send: %v\n%s", err, stderr)
	}
	if fi, err := os.Stat(live); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("--otlp-file: %v, mode %v; want 0600", err, fi.Mode())
	}
	wantFiveStages(t, readOTLPFile(t, live, 2), ids)

	events, err := flowtrace.Load(rec, func(le *flowtrace.LineError) { t.Errorf("trace: %v", le) })
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export.json")
	cmd := &cobra.Command{Use: "export"}
	run := otlpExportFlags(cmd)
	var errb bytes.Buffer
	cmd.SetErr(&errb)
	if err := cmd.ParseFlags([]string{"--otlp-file", out}); err != nil {
		t.Fatal(err)
	}
	if err := run(events); err != nil {
		t.Fatal(err)
	}
	wantFiveStages(t, readOTLPFile(t, out, 1), ids)
	if !strings.Contains(errb.String(), "2 calls, 12 spans") {
		t.Errorf("export line: %q", errb.String())
	}
	// Without either flag the run does nothing.
	if err := otlpExportFlags(&cobra.Command{Use: "export"})(events); err != nil {
		t.Errorf("no flags: %v", err)
	}
}

// readOTLPFile decodes each line of an OTLP JSON file with pdata.
func readOTLPFile(t *testing.T, path string, lines int) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all := ptrace.NewTraces()
	n := 0
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		er := ptraceotlp.NewExportRequest()
		if err := er.UnmarshalJSON(l); err != nil {
			t.Fatalf("%s line %d: pdata: %v", path, n+1, err)
		}
		er.Traces().ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		n++
	}
	if n != lines {
		t.Errorf("%s: %d lines, want %d", path, n, lines)
	}
	return spanNames(all)
}

// TestOTLPFlagErrors: bad values are usage errors naming the flag, before
// anything runs.
func TestOTLPFlagErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--otlp-endpoint", "localhost:4318"}, "--otlp-endpoint: "},
		{[]string{"--otlp-endpoint", "http://"}, "--otlp-endpoint: "},
		{[]string{"--otlp-file", dir}, "--otlp-file " + dir + ": is a directory"},
		{[]string{"--otlp-file", "-"}, "--otlp-file -: stdout is this mode's own output"},
	}
	for _, tc := range tests {
		_, _, err := sendJSON(t, tc.args...)
		if exitStatus(err) != 2 || err == nil || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("send %v: %v (exit %d), want a usage error starting %q", tc.args, err, exitStatus(err), tc.msg)
		}
		// The screen checks them before it looks for a terminal.
		root := rootCommand()
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.SetArgs(tc.args)
		if err := root.ExecuteContext(context.Background()); exitStatus(err) != 2 || err == nil || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("the screen %v: %v, want a usage error starting %q", tc.args, err, tc.msg)
		}
	}
}
