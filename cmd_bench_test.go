package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/bench"
)

// runBenchCmd runs `callscope bench ARGS` on the fake benchmarks, writing
// to out, and returns the exit status.
func runBenchCmd(t *testing.T, out io.Writer, args ...string) int {
	t.Helper()
	cmd := newBenchCommand(fakeBenchmarks)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs(args)
	return exitStatus(cmd.ExecuteContext(context.Background()))
}

// TestBenchExitStatus: 0 when a benchmark and its baseline ran and every
// threshold passed; 1 when the baseline could not run (and then no
// ratio), a benchmark failed or a threshold failed; 2 for bad usage,
// before anything runs.
func TestBenchExitStatus(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		has  []string // lines of the output, in part
		not  []string
	}{
		{name: "runs", args: []string{"fast"}, code: 0,
			has: []string{"BENCHMARK", "fast", "  baseline", "1.25", "target ratio ≥ 0.5: ✓ yes", "counts: lost 0", "note: a note", "trace: /tmp/fake.jsonl", "machine: "}},
		{name: "baseline could not run", args: []string{"nobase"}, code: 1,
			has: []string{"baseline could not run: connection refused; no ratio without it", "✗ did not run", "target ratio ≥ 0.9: not checked"},
			not: []string{"1.20"}},
		{name: "baseline named but missing", args: []string{"silent"}, code: 1,
			has: []string{"baseline could not run: the baseline (something) did not run"}},
		{name: "too few samples warns", args: []string{"few"}, code: 0,
			has: []string{"warning: latency: only 10 samples (fewer than 100)"}},
		{name: "benchmark fails", args: []string{"broken"}, code: 1, has: []string{"✗ failed: the mock did not start"}},
		{name: "all runs every one and fails for one", args: []string{"all"}, code: 1, has: []string{"fast", "nobase", "few", "broken"}},
		{name: "threshold passes", args: []string{"fast", "--threshold", "ratio(fast)>=1.2", "--threshold", "p50(fast)<=5.1ms", "--threshold", "rate(fast.baseline)>=1600"}, code: 0,
			has: []string{"pass  ratio(fast)>=1.2  (got 1.25)", "pass  p50(fast)<=5.1ms  (got 5.003ms)", "pass  rate(fast.baseline)>=1600  (got 1600)"}},
		{name: "threshold fails", args: []string{"fast", "--threshold", "p99(fast)<1ms", "--threshold", "rate(fast)>=1"}, code: 1,
			has: []string{"FAIL  p99(fast)<1ms  (got 9.9", "pass  rate(fast)>=1"}},
		{name: "threshold on a missing ratio fails", args: []string{"nobase", "--threshold", "ratio(nobase)>=0.1"}, code: 1,
			has: []string{"FAIL  ratio(nobase)>=0.1  (nothing measured for ratio(nobase))"}},
		{name: "unknown benchmark", args: []string{"nosuch"}, code: 2},
		{name: "bad threshold", args: []string{"fast", "--threshold", "p95(fast)<50"}, code: 2, not: []string{"BENCHMARK"}},
		{name: "threshold on a benchmark not run", args: []string{"fast", "--threshold", "p95(apns)<50ms"}, code: 2, not: []string{"BENCHMARK"}},
		{name: "negative duration", args: []string{"fast", "--duration", "-1s"}, code: 2},
		{name: "two names", args: []string{"fast", "few"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := runBenchCmd(t, &out, tt.args...); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, out.String())
			}
			for _, s := range tt.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tt.not {
				if strings.Contains(out.String(), s) {
					t.Errorf("output has %q:\n%s", s, out.String())
				}
			}
			if strings.Contains(out.String(), "\x1b[") {
				t.Errorf("escape sequences in output that is not a terminal:\n%q", out.String())
			}
		})
	}
}

// TestBenchJSONShape pins the --json document: the keys, at every level,
// are exactly these; "ratio" is present (null without a baseline) for
// every benchmark; a failed baseline leaves ratio null and ok false.
func TestBenchJSONShape(t *testing.T) {
	var out bytes.Buffer
	code := runBenchCmd(t, &out, "all", "--json", "--threshold", "ratio(fast)>=1")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (nobase, silent and broken fail)\n%s", code, out.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out.String())
	}
	var keys []string
	jsonKeys(doc, "", &keys)
	want := []string{
		"benchmarks[].allocs_per_op", "benchmarks[].baseline.allocs_per_op", "benchmarks[].baseline.cpu_ns_per_op",
		"benchmarks[].baseline.latency.max_us", "benchmarks[].baseline.latency.n", "benchmarks[].baseline.latency.p50_us",
		"benchmarks[].baseline.latency.p95_us", "benchmarks[].baseline.latency.p99_us", "benchmarks[].baseline.met",
		"benchmarks[].baseline.name", "benchmarks[].baseline.ops", "benchmarks[].baseline.peak_rss_bytes",
		"benchmarks[].baseline.per_second", "benchmarks[].baseline.ratio", "benchmarks[].baseline.seconds",
		"benchmarks[].baseline.target", "benchmarks[].baseline.unit", "benchmarks[].baseline.what",
		"benchmarks[].baseline_error", "benchmarks[].counts.lost", "benchmarks[].cpu_ns_per_op", "benchmarks[].error", "benchmarks[].extra.k",
		"benchmarks[].latency.max_us", "benchmarks[].latency.n", "benchmarks[].latency.p50_us", "benchmarks[].latency.p95_us",
		"benchmarks[].latency.p99_us", "benchmarks[].met", "benchmarks[].name", "benchmarks[].notes", "benchmarks[].ops",
		"benchmarks[].peak_rss_bytes", "benchmarks[].per_second", "benchmarks[].ratio", "benchmarks[].seconds",
		"benchmarks[].stages.apns.max_us", "benchmarks[].stages.apns.n", "benchmarks[].stages.apns.p50_us",
		"benchmarks[].stages.apns.p95_us", "benchmarks[].stages.apns.p99_us",
		"benchmarks[].target", "benchmarks[].trace", "benchmarks[].unit", "benchmarks[].warnings", "benchmarks[].what",
		"machine.cpus", "machine.go", "machine.gomaxprocs", "machine.load_avg", "machine.os", "ok",
		"thresholds[].expr", "thresholds[].got", "thresholds[].pass",
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("JSON keys changed:\n got %q\nwant %q", keys, want)
	}
	if doc["ok"] != false {
		t.Fatalf("ok = %v, want false", doc["ok"])
	}
	for _, b := range doc["benchmarks"].([]any) {
		b := b.(map[string]any)
		ratio, has := b["ratio"]
		if !has {
			t.Fatalf("%s has no ratio key", b["name"])
		}
		switch b["name"] {
		case "fast":
			if ratio != 1.25 || b["met"] != true {
				t.Fatalf("fast: ratio %v met %v, want 1.25 true", ratio, b["met"])
			}
		case "nobase", "silent":
			if ratio != nil || b["met"] != nil || b["baseline_error"] == "" {
				t.Fatalf("%s: ratio %v, met %v, baseline_error %v: want null, null and why", b["name"], ratio, b["met"], b["baseline_error"])
			}
		}
	}
}

// jsonKeys lists the key paths of v, arrays as [], sorted and unique.
func jsonKeys(v any, path string, keys *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if m, ok := c.(map[string]any); ok && len(m) > 0 || isObjects(c) {
				jsonKeys(c, p, keys)
				continue
			}
			add(keys, p)
		}
	case []any:
		for _, c := range v {
			jsonKeys(c, path+"[]", keys)
		}
	}
	sort.Strings(*keys)
}

func isObjects(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	_, ok = a[0].(map[string]any)
	return ok
}

func add(keys *[]string, k string) {
	if !slices.Contains(*keys, k) {
		*keys = append(*keys, k)
	}
}

// TestBenchNoProgressWhenPiped: with stdout a pipe, neither the table nor
// --json carries a progress bar (no carriage return, no erase-line).
func TestBenchNoProgressWhenPiped(t *testing.T) {
	for _, args := range [][]string{{"fast"}, {"fast", "--json"}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan []byte)
		go func() { b, _ := io.ReadAll(r); got <- b }()
		code := runBenchCmd(t, w, args...)
		w.Close()
		out := <-got
		r.Close()
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
		if bytes.ContainsAny(out, "\r\x1b") || bytes.Contains(out, []byte("[1/1]")) {
			t.Fatalf("%v: progress in piped output:\n%q", args, out)
		}
	}
}

// TestBenchIsACommand: the root command has bench.
func TestBenchIsACommand(t *testing.T) {
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"bench", "nosuch"})
	err := root.ExecuteContext(context.Background())
	if code := exitStatus(err); code != 2 || err == nil || !strings.Contains(err.Error(), `bench: no benchmark "nosuch"`) {
		t.Fatalf("bench nosuch: exit %d (%v), want 2 naming the benchmark\n%s", code, err, out.String())
	}
}

// lockedBuffer is a bytes.Buffer the bar's ticker may write to while the
// test does.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTermProgress: the bar fits the terminal's width, rows written
// through it erase it first and keep their text whole, and Close leaves
// no bar behind.
func TestTermProgress(t *testing.T) {
	var out lockedBuffer
	p := newTermProgress(&out, 50)
	p.Set("[1/5] pipeline "+strings.Repeat("a very long phase name ", 5), 0.5)
	fmt.Fprintln(p, "a row of the table")
	p.Set("next", 1)
	p.Close()
	p.Close() // twice is harmless
	p.Set("late", 1)
	s := out.String()
	if !strings.Contains(s, "a row of the table\n") {
		t.Fatalf("row lost: %q", s)
	}
	for _, frame := range strings.Split(strings.ReplaceAll(s, "\x1b[2K", "\n"), "\n") {
		if w := ansi.StringWidth(strings.TrimPrefix(frame, "\r")); w >= 50 {
			t.Fatalf("a frame %d columns wide on a 50-column terminal: %q", w, frame)
		}
	}
	if !strings.HasSuffix(s, "\r\x1b[2K") || strings.Contains(s, "late") {
		t.Fatalf("the bar is not erased at the end, or drawn after Close: %q", s)
	}
	if !strings.Contains(s, "…") {
		t.Fatalf("the long label was not cut: %q", s)
	}
}

func TestBenchOrder(t *testing.T) {
	var in []bench.Benchmark
	for _, n := range []string{"zz", "apns", "crypto", "pipeline", "soak", "trace", "aa"} {
		in = append(in, bench.Benchmark{Name: n})
	}
	var got []string
	for _, b := range benchOrder(in) {
		got = append(got, b.Name)
	}
	if want := "apns pipeline crypto trace soak aa zz"; strings.Join(got, " ") != want {
		t.Fatalf("order %q, want %q", got, want)
	}
}

// TestBenchThresholdSubjects: a threshold naming a stage the benchmark
// does not have, or a baseline (or ratio) it does not measure, is refused
// before anything runs, with exit 2, not minutes later as a failure.
func TestBenchThresholdSubjects(t *testing.T) {
	list := []bench.Benchmark{
		{Name: "pipeline", Baseline: "its parts", Stages: []string{"apns", "extension"}},
		{Name: "soak", Stages: []string{"apns"}},
	}
	tests := []struct {
		expr string
		want string // "" accepted
	}{
		{"p95(pipeline.apns)<1ms", ""},
		{"rate(pipeline.baseline)>1", ""},
		{"ratio(pipeline)>=0.9", ""},
		{"lost(soak)==0", ""},
		{"p95(pipeline.apn)<1ms", `pipeline has no stage "apn"`},
		{"p95(soak.baseline)<1ms", "soak has no baseline"},
		{"ratio(soak)>1", "soak has no baseline, so no ratio"},
		{"p95(nosuch)<1ms", `no benchmark "nosuch"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := benchThresholds([]string{tt.expr}, list)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || exitStatus(err) != 2):
				t.Fatalf("got %v (exit %d), want exit 2 with %q", err, exitStatus(err), tt.want)
			}
		})
	}
}
