package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCmd runs the CLI in process and returns its exit status, stdout and
// stderr (with the error's line, as fang prints it).
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := rootCommand()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil && err.Error() != "" {
		errb.WriteString(err.Error() + "\n")
	}
	return exitStatus(err), out.String(), errb.String()
}

// mockLatency is what run B's mock APNs adds before each answer: far above
// the embedded mock's own sub-millisecond answers. The rules below compare
// medians: under -race on a loaded two-core machine run A's APNs p95 alone
// was seen at 160 ms and its p50 at 52 ms, which an added 60 ms did not
// always clear.
const mockLatency = 400 * time.Millisecond

// recordTraces records two runs with the real pipeline: A as it is, B with
// the mock APNs answering mockLatency later.
func recordTraces(t *testing.T) (a, b string) {
	t.Helper()
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, args := range [][]string{
		{"send", "--count", "20", "--concurrency", "4", "--record", a},
		{"send", "--count", "20", "--concurrency", "4", "--record", b, "--mock-latency", mockLatency.String()},
	} {
		if code, _, msg := runCmd(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, msg)
		}
	}
	return a, b
}

// TestDiff records two runs once and diffs them: the acceptance cases of
// issue 12 item 6 and the command's usage errors.
func TestDiff(t *testing.T) {
	a, b := recordTraces(t)
	t.Run("self", func(t *testing.T) { testDiffSelf(t, a) })
	t.Run("added APNs latency", func(t *testing.T) { testDiffAddedAPNsLatency(t, a, b) })
	t.Run("usage", func(t *testing.T) { testDiffUsage(t, a) })
	t.Run("bad line", func(t *testing.T) { testDiffBadLine(t, a) })
	t.Run("export", func(t *testing.T) { testExport(t, a) })
}

// TestDiffSelf: a trace against itself shows no change anywhere and passes
// every rule.
func testDiffSelf(t *testing.T, a string) {
	code, out, errs := runCmd(t, "diff", a, a, "--fail-on", "p50(apns)>+0%,p99(total)>+0ms,outcome,diagnosis,push")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errs)
	}
	for _, want := range []string{"matched 20 calls by call UUID", "outcomes: no change", "diagnoses: no change", "push: no change"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") || strings.Contains(out, "→") && !strings.Contains(out, "p50 A → B") {
		t.Errorf("a trace against itself shows a change:\n%s", out)
	}
	code, out, _ = runCmd(t, "diff", a, a, "--json")
	var rep struct {
		Same     bool `json:"same"`
		Matching struct {
			Method string `json:"method"`
		} `json:"matching"`
		Stages []struct {
			Stage      string  `json:"stage"`
			P95DeltaUS float64 `json:"p95_delta_us"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	if !rep.Same || rep.Matching.Method != "call_id" || len(rep.Stages) != 6 {
		t.Errorf("--json: same %v, matching %q, %d stages; want true, call_id, 6", rep.Same, rep.Matching.Method, len(rep.Stages))
	}
}

// TestDiffAddedAPNsLatency: B's mock answered later; diff shows it at the
// APNs stage and --fail-on turns it into exit 1.
func testDiffAddedAPNsLatency(t *testing.T, a, b string) {
	code, out, errs := runCmd(t, "diff", a, b, "--fail-on", "p50(apns)>+20%")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "matched 20 calls by order") || !strings.Contains(out, "FAIL p50(apns)>+20%") {
		t.Errorf("output lacks the matching or the failed rule:\n%s", out)
	}
	code, out, _ = runCmd(t, "diff", a, b, "--json")
	var rep struct {
		Stages []struct {
			Stage string `json:"stage"`
			A     struct {
				P50 float64 `json:"p50_us"`
			} `json:"a"`
			B struct {
				P50 float64 `json:"p50_us"`
			} `json:"b"`
			P50DeltaUS float64 `json:"p50_delta_us"`
		} `json:"stages"`
		Regressed bool `json:"regressed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("--json without --fail-on: exit %d (want 0), %v\n%s", code, err, out)
	}
	for _, s := range rep.Stages {
		if s.Stage != "apns" {
			continue
		}
		if s.B.P50 < float64(mockLatency.Microseconds()) || s.A.P50 >= float64(mockLatency.Microseconds()) {
			t.Errorf("apns p50 %.0fµs → %.0fµs; want A below and B at least the mock's %s", s.A.P50, s.B.P50, mockLatency)
		}
	}
	// An absolute limit above the added latency passes.
	if code, out, _ := runCmd(t, "diff", a, b, "--fail-on", "p50(apns)>+2s"); code != 0 {
		t.Errorf("p50(apns)>+2s: exit %d, want 0\n%s", code, out)
	}
	code, out, _ = runCmd(t, "diff", a, b, "--markdown", "--fail-on", "p50(apns)>+20%,outcome")
	if code != 1 || !strings.Contains(out, "### callscope diff: regression") || !strings.Contains(out, "| apns |") ||
		!strings.Contains(out, "❌ p50(apns)>+20%") || !strings.Contains(out, "✅ outcome") {
		t.Errorf("--markdown: exit %d\n%s", code, out)
	}
}

func testDiffUsage(t *testing.T, a string) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", a, a, "--fail-on", "p95(apn)>+20%"}, `--fail-on "p95(apn)>+20%": unknown stage "apn"`},
		{[]string{"diff", a, a, "--fail-on", "outcome,latency"}, `--fail-on "latency"`},
		{[]string{"diff", a, a, "--fail-on", ""}, `--fail-on empty expression`},
		{[]string{"diff", a, a, "--json", "--markdown"}, "--json and --markdown"},
		{[]string{"diff", a, filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"diff", a, dir}, "a directory"},
		{[]string{"diff", a, empty}, "empty.jsonl: empty, no header and no events"},
		{[]string{"diff", a}, "accepts 2 arg"},
	} {
		code, out, errs := runCmd(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 2, %q and no output", tc.args[1:], code, errs, out, tc.want)
		}
	}
}

// TestDiffBadLine: a damaged line is named and skipped, the rest compared.
func testDiffBadLine(t *testing.T, a string) {
	b, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[5] = "{not json\n"
	damaged := filepath.Join(t.TempDir(), "damaged.jsonl")
	os.WriteFile(damaged, []byte(strings.Join(lines, "")), 0o600)
	code, out, errs := runCmd(t, "diff", a, damaged)
	if code != 0 || !strings.Contains(errs, "damaged.jsonl:6: ") || !strings.Contains(errs, "1 bad lines skipped") {
		t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
	}
}
