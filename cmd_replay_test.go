package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// runReplayCLI runs callscope as the shell does, stdin and stdout not a
// terminal: the exit status, stdout, stderr and the error's line.
func runReplayCLI(t *testing.T, args ...string) (code int, stdout, stderr, msg string) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	root := rootCommand()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err != nil {
		msg = err.Error()
	}
	return exitStatus(err), out.String(), errOut.String(), msg
}

var (
	recordOnce   sync.Once
	recordedPath string // a trace of `send --count 100`
)

// recordedTrace is a trace of `send --count 100 --record`, made once per
// test binary: a hundred calls take the machine a while.
func recordedTrace(t *testing.T) string {
	t.Helper()
	recordOnce.Do(func() {
		dir, err := os.MkdirTemp("", "callscope-replay")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "t.jsonl")
		if code, _, _, msg := runReplayCLI(t, "send", "--count", "100", "--record", path); code != 0 {
			t.Fatalf("send --record: exit %d: %s", code, msg)
		}
		recordedPath = path
	})
	if recordedPath == "" {
		t.Fatal("no recorded trace")
	}
	return recordedPath
}

type replayedCall struct {
	TraceID   string             `json:"trace_id"`
	Outcome   string             `json:"outcome"`
	Stages    []string           `json:"stages"`
	LatencyUS map[string]float64 `json:"latency_us"`
	Diagnosis *flow.Diagnosis    `json:"diagnosis"`
	Push      *flow.PushRecord   `json:"push"`
}

func decodeCalls(t *testing.T, out string) []replayedCall {
	t.Helper()
	var calls []replayedCall
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c replayedCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("not one JSON object per line: %v\n%s", err, sc.Text())
		}
		calls = append(calls, c)
	}
	return calls
}

func checkCall(t *testing.T, c replayedCall) {
	t.Helper()
	if strings.Join(c.Stages, ",") != "sender,server,apns,extension,callkit" || c.Outcome != "connected" {
		t.Errorf("call %s: stages %v, outcome %s; want all five, connected", c.TraceID, c.Stages, c.Outcome)
	}
	if c.Push != nil { // traces written before the push was recorded have none
		if c.Push.Method != "POST" || !strings.HasPrefix(c.Push.Path, "/3/device/") || len(c.Push.Payload) == 0 {
			t.Errorf("call %s: push %+v, want the POST to /3/device/… with its payload", c.TraceID, c.Push)
		}
		if a := c.Push.Headers["authorization"]; strings.Count(a, ".") == 2 && !strings.Contains(a, "redacted") {
			t.Errorf("call %s: a signed JWT in the replayed push: %q", c.TraceID, a)
		}
	}
}

// TestReplayAcceptance is issue 12's: `send --count 100 --record t.jsonl`,
// then `replay t.jsonl --headless --json` gives 100 calls with five stages
// (and the push of each, when the trace has it); a line damaged in the
// middle is named by its line number, and the other calls still come.
func TestReplayAcceptance(t *testing.T) {
	path := recordedTrace(t)
	code, out, stderr, msg := runReplayCLI(t, "replay", path, "--headless", "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q, error %q", code, stderr, msg)
	}
	calls := decodeCalls(t, out)
	if len(calls) != 100 {
		t.Fatalf("%d calls, want 100", len(calls))
	}
	for _, c := range calls {
		checkCall(t, c)
	}

	// Damage a line in the middle of the trace.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	mid := len(lines) / 2
	var hit struct {
		TraceID string `json:"trace_id"`
	}
	if err := json.Unmarshal([]byte(lines[mid]), &hit); err != nil {
		t.Fatal(err)
	}
	lines[mid] = lines[mid][:len(lines[mid])/2] // cut in half, as a crash mid-write leaves it
	damaged := filepath.Join(t.TempDir(), "damaged.jsonl")
	if err := os.WriteFile(damaged, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr, msg = runReplayCLI(t, "replay", damaged, "--headless", "--json")
	wantLine := damaged + ":" + strconv.Itoa(mid+1) + ": "
	if !strings.HasPrefix(stderr, wantLine) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting %q", stderr, wantLine)
	}
	if code != 1 || !strings.Contains(msg, "1 line did not load") {
		t.Errorf("exit %d, error %q: want 1, saying a line was skipped", code, msg)
	}
	calls = decodeCalls(t, out)
	if len(calls) != 100 {
		t.Fatalf("%d calls after the damage, want still 100 (the damaged call without one event)", len(calls))
	}
	for _, c := range calls {
		if c.TraceID != hit.TraceID {
			checkCall(t, c)
		}
	}
}

// TestReplayPicks: --call and --filter pick calls; a filter that picks
// none says so and exits 1; the text output has each call's ladder.
func TestReplayPicks(t *testing.T) {
	path := recordedTrace(t)
	_, out, _, _ := runReplayCLI(t, "replay", path, "--json")
	all := decodeCalls(t, out)
	if len(all) != 100 {
		t.Fatalf("--json alone: %d calls, want 100", len(all))
	}
	id := all[42].TraceID
	tests := []struct {
		name  string
		args  []string
		code  int
		calls int
		msg   string
	}{
		{"--call trace id", []string{"--call", id}, 0, 1, ""},
		{"--call prefix, upper case", []string{"--call", strings.ToUpper(id[:12])}, 0, 1, ""},
		{"--filter outcome", []string{"--filter", "connected"}, 0, 100, ""},
		{"--filter stage", []string{"--filter", "extension"}, 0, 100, ""},
		{"--filter none", []string{"--filter", "APNS_REJECTED"}, 1, 0, "no call matches --filter APNS_REJECTED"},
		{"--call none", []string{"--call", "ffffffffffff"}, 1, 0, "no call matches --call ffffffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _, msg := runReplayCLI(t, append([]string{"replay", path, "--json"}, tt.args...)...)
			if code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("exit %d, error %q; want %d, %q", code, msg, tt.code, tt.msg)
			}
			if n := len(decodeCalls(t, out)); n != tt.calls {
				t.Fatalf("%d calls, want %d", n, tt.calls)
			}
		})
	}
	code, out, _, _ := runReplayCLI(t, "replay", path, "--headless", "--call", id)
	if code != 0 || !strings.Contains(out, "sender ─") || !strings.Contains(out, "callkit ◉ instant · connected") ||
		!strings.Contains(out, "TRACE") || !strings.Contains(out, "p50") && !strings.Contains(out, "P50") {
		t.Fatalf("--headless: exit %d\n%s", code, out)
	}
}

// TestReplayHeaderLine: a trace starts with a header line (format 2); it
// replays without a warning: the header is neither an event nor a bad line.
func TestReplayHeaderLine(t *testing.T) {
	path := recordedTrace(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"v":2,"header":`)) {
		t.Fatalf("the recorded trace does not start with a header: %.80s", b)
	}
	code, out, stderr, msg := runReplayCLI(t, "replay", path, "--json")
	if code != 0 || stderr != "" || len(decodeCalls(t, out)) != 100 {
		t.Fatalf("exit %d, stderr %q, error %q", code, stderr, msg)
	}
}

// TestReplayUsage: what replay refuses before it reads: exit 2, one line.
func TestReplayUsage(t *testing.T) {
	dir := t.TempDir()
	path := recordedTrace(t)
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no file", []string{"replay"}, 2, "accepts 1 arg"},
		{"missing file", []string{"replay", filepath.Join(dir, "nope.jsonl")}, 2, "no such file or directory"},
		{"directory", []string{"replay", dir}, 2, "is a directory"},
		{"speed 0", []string{"replay", path, "--json", "--speed", "0"}, 2, "--speed must be between 1 and 100"},
		{"speed 1000", []string{"replay", path, "--json", "--speed", "1000"}, 2, "--speed must be between 1 and 100"},
		{"no terminal", []string{"replay", path}, 2, "no terminal"},
		{"rerun flag without rerun", []string{"replay", path, "--json", "--device-set", "ios=17.0"}, 2, "--device-set: only with --rerun"},
		{"rerun with headless", []string{"replay", path, "--rerun", "--headless"}, 2, "--rerun prints its own table"},
		{"empty trace", []string{"replay", empty, "--json"}, 1, "empty, no header and no events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _, msg := runReplayCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(msg, tt.msg) || strings.Contains(msg, "\n") {
				t.Fatalf("exit %d, error %q; want %d, one line with %q", code, msg, tt.code, tt.msg)
			}
			if code == 2 && out != "" {
				t.Fatalf("a refused run printed %q", out)
			}
		})
	}
}

// TestReplayRerun: --rerun places the recorded calls again on the embedded
// pipeline and prints each call's stages then and now, and the p50s; a call
// that connected then and connects now leaves the exit status 0. A device
// that fails today (alerts off: F-03) turns each call's outcome, and the
// run fails.
func TestReplayRerun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "three.jsonl")
	if code, _, _, msg := runReplayCLI(t, "send", "--count", "3", "--video", "--record", path); code != 0 {
		t.Fatalf("send: exit %d: %s", code, msg)
	}
	otlpFile := filepath.Join(dir, "rerun.otlp.json")
	code, out, stderr, msg := runReplayCLI(t, "replay", path, "--rerun", "--speed", "100", "--otlp-file", otlpFile)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, msg, out)
	}
	if b, err := os.ReadFile(otlpFile); err != nil || bytes.Count(b, []byte("\n")) != 3 || !strings.Contains(stderr, "otlp "+otlpFile) {
		t.Errorf("--otlp-file: %v, %d lines (want one trace per re-run call), stderr %q", err, bytes.Count(b, []byte("\n")), stderr)
	}
	for _, want := range []string{"CALL", "OUTCOME THEN → NOW", "connected → connected", "P50 THEN", "3 calls: 3 ended as they did then, 0 otherwise"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if slices.Contains(strings.Fields(l), "sender") {
			n++
		}
	}
	if n != 3+1 {
		t.Errorf("%d sender rows, want one per call and one in the summary:\n%s", n, out)
	}

	again := filepath.Join(dir, "again.jsonl")
	code, out, stderr, _ = runReplayCLI(t, "replay", path, "--rerun", "--speed", "100", "--json", "--device-set", "alerts_enabled=false", "--record", again)
	if code != 1 || !strings.Contains(stderr, "re-run of") {
		t.Fatalf("alerts off: exit %d, stderr %q; want 1 and the note on stderr", code, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	n = 0
	for sc.Scan() {
		var j thenNowJSON
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatalf("not JSON lines: %v\n%s", err, out)
		}
		if j.OutcomeThen != flow.OutcomeConnected || j.OutcomeNow != flow.OutcomeFailed || j.DiagNow == nil {
			t.Errorf("call %+v: want connected then, failed now with a diagnosis", j)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
	// The re-run's own trace replays: three calls, failed today.
	code, out, _, msg = runReplayCLI(t, "replay", again, "--json", "--filter", "NSE_NOT_RUN")
	if code != 0 || len(decodeCalls(t, out)) != 3 {
		t.Fatalf("replay of the re-run's --record: exit %d (%s)\n%s", code, msg, out)
	}
}

// TestRecoverRequest: what a re-run recovers of a request from its sender
// events.
func TestRecoverRequest(t *testing.T) {
	base := flow.Request{Kind: flow.KindCall, From: "a", To: "b", TTL: 45}
	got := recoverRequest(base, []flow.Event{
		{Stage: flow.StageSender, Name: "start-call-action", Attrs: map[string]string{"kind": "message", "from": "carol", "to": "dave", "video": "true"}},
		{Stage: flow.StageSender, Name: "sealed", Attrs: map[string]string{"ttl": "30"}},
		{Stage: flow.StageServer, Name: "received", Attrs: map[string]string{"to": "mallory"}},
	})
	want := flow.Request{Kind: flow.KindMessage, From: "carol", To: "dave", Video: true, TTL: 30}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
