package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/callscope/callscope/bench"
	"github.com/callscope/callscope/flow/threshold"
)

// benchFlags are `callscope bench`'s flags.
type benchFlags struct {
	opts       bench.Options
	asJSON     bool
	thresholds []string
	// traceDirSet: --trace-dir was given, so soak's trace is kept even
	// in bench all.
	traceDirSet bool
}

func benchCommand() *cobra.Command {
	return newBenchCommand(func() []bench.Benchmark { return bench.Benchmarks })
}

// newBenchCommand builds the command on a registry of benchmarks; tests
// pass their own.
func newBenchCommand(registry func() []bench.Benchmark) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench [apns|pipeline|crypto|trace|soak|all]",
		Short: "Measure callscope's stages against a baseline run on this machine in the same run",
		Long: "bench measures throughput, p50/p95/p99/max latency, CPU time and allocations per operation and peak\n" +
			"memory of each benchmark next to a baseline measured in the same run, and prints their ratio: on a\n" +
			"shared machine only the ratio carries from one run to the next. With no name it runs all.\n" +
			"A benchmark whose baseline could not run prints no ratio and fails the run; one with fewer than " +
			fmt.Sprint(bench.MinSamples) + "\nlatency samples warns. --threshold gates CI, k6-style: STAT(SUBJECT) OP VALUE, SUBJECT a benchmark,\n" +
			"BENCHMARK.STAGE or BENCHMARK.baseline.\n" +
			"Exit status: 0 when every benchmark and its baseline ran and every threshold passed, 1 otherwise,\n" +
			"2 for bad usage.",
		Example: "  callscope bench apns --concurrency 64\n" +
			"  callscope bench all --json > bench.json\n" +
			"  callscope bench pipeline --threshold 'rate(pipeline)>=5000' --threshold 'p99(pipeline)<5ms'\n" +
			"  callscope bench apns --threshold 'ratio(apns)>=0.9'",
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			all := registry()
			list, err := benchSelect(all, args)
			if err != nil {
				return err
			}
			ts, err := benchThresholds(f.thresholds, list)
			if err != nil {
				return err
			}
			switch {
			case f.opts.Duration < 0:
				return usageError{fmt.Errorf("--duration must not be negative (got %s)", f.opts.Duration)}
			case f.opts.Count < 0:
				return usageError{fmt.Errorf("--count must not be negative (got %d)", f.opts.Count)}
			case f.opts.Concurrency < 0:
				return usageError{fmt.Errorf("--concurrency must not be negative (got %d)", f.opts.Concurrency)}
			}
			f.traceDirSet = f.opts.TraceDir != ""
			if f.traceDirSet {
				if st, err := os.Stat(f.opts.TraceDir); err != nil || !st.IsDir() {
					return usageError{fmt.Errorf("--trace-dir %s: not a directory", f.opts.TraceDir)}
				}
			} else {
				f.opts.TraceDir = os.TempDir()
			}
			if f.opts.Exe, err = os.Executable(); err != nil {
				return fmt.Errorf("bench: cannot find this program to start its processes: %w", err)
			}
			return runBench(cmd.Context(), list, f, ts, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.opts.Duration, "duration", 0, "how long to measure (apns: each side; crypto: all schemes, both sides; trace: both sides); 0: each benchmark's own default")
	fl.IntVarP(&f.opts.Count, "count", "n", 0, "measure exactly this many operations instead of a duration; 0: the benchmark's default")
	fl.IntVarP(&f.opts.Concurrency, "concurrency", "c", 0, "operations in flight at once; 0: the benchmark's default (apns 64, soak 256)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON document (stable shape: a \"ratio\" per benchmark) instead of a table")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, "fail the run (exit 1) unless this holds, e.g. 'ratio(apns)>=0.9', 'p95(pipeline)<1ms'; repeatable")
	fl.StringVar(&f.opts.TraceDir, "trace-dir", "", "where soak writes its trace (default: the system's temporary directory)")
	return cmd
}

// benchSelect picks the benchmarks an argument names.
func benchSelect(all []bench.Benchmark, args []string) ([]bench.Benchmark, error) {
	names := make([]string, 0, len(all))
	for _, b := range all {
		names = append(names, b.Name)
	}
	if len(args) == 0 || args[0] == "all" {
		if len(all) == 0 {
			return nil, errors.New("bench: this build has no benchmarks")
		}
		return benchOrder(all), nil
	}
	for _, b := range all {
		if b.Name == args[0] {
			return []bench.Benchmark{b}, nil
		}
	}
	return nil, usageError{fmt.Errorf("bench: no benchmark %q (want %s or all)", args[0], strings.Join(names, ", "))}
}

// benchRunOrder is the order `bench all` runs the benchmarks in (files
// register in init, in file-name order): the quick ones first, soak (the
// longest, and the one that grows the heap) last. Others follow by name.
var benchRunOrder = []string{"apns", "pipeline", "crypto", "trace", "soak"}

func benchOrder(all []bench.Benchmark) []bench.Benchmark {
	out := slices.Clone(all)
	rank := func(b bench.Benchmark) int {
		if i := slices.Index(benchRunOrder, b.Name); i >= 0 {
			return i
		}
		return len(benchRunOrder)
	}
	slices.SortStableFunc(out, func(a, b bench.Benchmark) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// benchThresholds parses --threshold and refuses one whose subject names
// no benchmark of this run: a typo must not pass silently, nor fail only
// after minutes of measuring.
func benchThresholds(exprs []string, list []bench.Benchmark) ([]threshold.Threshold, error) {
	ts, err := threshold.ParseAll(exprs)
	if err != nil {
		return nil, usageError{fmt.Errorf("--threshold: %w", err)}
	}
	names := make([]string, 0, len(list))
	for _, b := range list {
		names = append(names, b.Name)
	}
	for _, t := range ts {
		name, part, dotted := strings.Cut(t.Subject, ".")
		i := slices.IndexFunc(list, func(b bench.Benchmark) bool { return b.Name == name })
		if i < 0 {
			return nil, usageError{fmt.Errorf("--threshold %q: no benchmark %q in this run (%s)", t.Expr, name, strings.Join(names, ", "))}
		}
		b := list[i]
		switch {
		case dotted && part == "baseline" && b.Baseline == "":
			return nil, usageError{fmt.Errorf("--threshold %q: %s has no baseline", t.Expr, name)}
		case dotted && part != "baseline" && !slices.Contains(b.Stages, part):
			return nil, usageError{fmt.Errorf("--threshold %q: %s has no stage %q (%s)", t.Expr, name, part,
				strings.Join(append(slices.Clone(b.Stages), "baseline"), ", "))}
		case t.Stat == "ratio" && b.Baseline == "":
			return nil, usageError{fmt.Errorf("--threshold %q: %s has no baseline, so no ratio", t.Expr, name)}
		}
	}
	return ts, nil
}

// runBench runs the benchmarks one after another (in parallel they would
// measure each other), applies the honesty rules and the thresholds, and
// prints the summary or the JSON document.
func runBench(ctx context.Context, list []bench.Benchmark, f benchFlags, ts []threshold.Threshold, out io.Writer) error {
	rep := &bench.Report{Machine: bench.ThisMachine(), OK: true, Benchmarks: make([]bench.Result, 0, len(list))}
	var bar *termProgress
	if progressOn(out, f.asJSON) {
		bar = newTermProgress(colorprofile.NewWriter(out, os.Environ()), termWidth(out))
		defer bar.Close()
	}
	for i, b := range list {
		if ctx.Err() != nil {
			break
		}
		o := f.opts
		o.InAll = len(list) > 1
		o.DropTrace = o.InAll && !f.traceDirSet
		if bar != nil {
			prefix := fmt.Sprintf("[%d/%d] %s", i+1, len(list), b.Name)
			bar.Set(prefix, 0)
			o.Progress = func(phase string, done float64) {
				// A phase may name its benchmark again ("crypto hpke-…").
				bar.Set(prefix+" "+strings.TrimPrefix(phase, b.Name+" "), done)
			}
		}
		start := time.Now()
		r := runOne(ctx, b, o)
		if !bench.Finish(&r) {
			rep.OK = false
		}
		rep.Benchmarks = append(rep.Benchmarks, r)
		if bar != nil {
			mark := "✓"
			if r.Error != "" || r.BaselineError != "" {
				mark = "✗"
			}
			fmt.Fprintf(bar, "%s %s (%s)\n", mark, b.Name, time.Since(start).Round(100*time.Millisecond))
		}
	}
	if bar != nil {
		bar.Close() // before the summary: the table must not scroll under a bar
	}
	if err := ctx.Err(); err != nil {
		rep.OK = false
	}
	rs := rep.CheckThresholds(ts)
	if f.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		w := colorprofile.NewWriter(out, os.Environ())
		if err := bench.Render(w, rep, rs, bench.RenderOptions{Histograms: isTerminal(out)}); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bench: interrupted: %w", err)
	}
	if !rep.OK {
		return failedError{}
	}
	return nil
}

// runOne runs one benchmark, turning an error or a missing baseline into
// a Result that says so.
func runOne(ctx context.Context, b bench.Benchmark, o bench.Options) (r bench.Result) {
	defer func() {
		if r.Name == "" {
			r.Name = b.Name
		}
		if r.What == "" {
			r.What = b.What
		}
		if r.Target == "" {
			r.Target = b.Target
		}
	}()
	r, err := b.Run(ctx, o)
	if err != nil {
		return bench.Result{Error: err.Error()}
	}
	if b.Baseline != "" && r.Baseline == nil && r.BaselineError == "" {
		r.BaselineError = "the baseline (" + b.Baseline + ") did not run"
	}
	return r
}
