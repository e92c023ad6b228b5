package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callscope/callscope/flow/trace"
)

// The trace benchmark: a realistic trace of about 100 MB, written with
// flow/trace's writer into a temporary directory, loaded by the streaming
// loader (what replay, export and diff use) and by the plain way to read
// JSON Lines, bufio.Scanner + encoding/json into the same type, in turn:
// loader, baseline, baseline, loader, … so that drifting load and a cold
// page cache fall on both.

const (
	traceSize    = 100e6 // bytes (MB as in MB/s), when --count does not say
	traceMinMBps = 100.0
	// tracePasses is how many loads of each side run when --duration
	// does not say (then: as many as fit, at least one each).
	tracePasses = 2
	traceMB     = 1e6
)

func init() {
	Benchmarks = append(Benchmarks, Benchmark{
		Name:     "trace",
		What:     "load a ~100 MB trace with the streaming loader vs bufio.Scanner + encoding/json",
		Target:   fmt.Sprintf("≥ %.0f MB/s", traceMinMBps),
		Baseline: "bufio.Scanner + encoding/json into the same event type",
		Run:      runTrace,
	})
}

// traceLoad reads the whole trace once and counts its events.
type traceLoad func(path string) (int, error)

// loadStreaming is flow/trace's loader, as `callscope replay` reads.
func loadStreaming(path string) (int, error) {
	r, err := trace.Open(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("line %d: %w", r.Line(), err) // the generated trace has no bad line
		}
		n++
	}
}

// loadBaseline is bufio.Scanner + encoding/json into the loader's type.
func loadBaseline(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		var l trace.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return n, err
		}
		if l.Header == nil {
			n++
		}
	}
	return n, sc.Err()
}

// traceSide is what one loader measured over its passes.
type traceSide struct {
	passes int
	wall   time.Duration
	use    Usage // summed CPU and allocations
}

func (s *traceSide) add(load traceLoad, path string, events int) error {
	before := snapshotNow()
	start := time.Now()
	n, err := load(path)
	wall := time.Since(start)
	after := snapshotNow()
	if err != nil {
		return err
	}
	if n != events {
		return fmt.Errorf("read %d events of the %d written", n, events)
	}
	s.passes++
	s.wall += wall
	s.use = s.use.Add(after.since(before))
	return nil
}

func (s *traceSide) result(name, what string, size int64, events int) Result {
	bytes := size * int64(s.passes)
	r := Result{Name: name, What: what, Ops: bytes, Unit: "bytes", Seconds: s.wall.Seconds()}
	if s.wall > 0 {
		r.PerSecond = float64(bytes) / s.wall.Seconds()
	}
	s.use.Apply(&r, bytes)
	r.Extra = map[string]string{
		"mb_per_s":         fmt.Sprintf("%.1f", r.PerSecond/traceMB),
		"passes":           fmt.Sprint(s.passes),
		"allocs_per_event": fmt.Sprintf("%.1f", float64(s.use.Allocs)/float64(max(events*s.passes, 1))),
	}
	if s.use.CPU > 0 {
		r.Extra["mb_per_cpu_s"] = fmt.Sprintf("%.1f", float64(bytes)/traceMB/s.use.CPU.Seconds())
	}
	return r
}

func runTrace(ctx context.Context, o Options) (Result, error) {
	dir, err := os.MkdirTemp("", "callscope-bench-trace-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	progress := func(phase string, done float64) {
		if o.Progress != nil {
			o.Progress(phase, min(max(done, 0), 1))
		}
	}
	// Writing is about a third of the work; the loads the rest.
	path, size, events, err := writeTrace(ctx, dir, traceSize, o.Count, func(d float64) { progress("trace: writing", d/3) })
	if err != nil {
		return Result{}, fmt.Errorf("writing the trace: %w", err)
	}
	var loader, base traceSide
	// Read the file once untimed: both sides then start from a warm page
	// cache, as a trace just recorded would be.
	if f, err := os.Open(path); err == nil {
		_, _ = io.Copy(io.Discard, f)
		f.Close()
	}
	start := time.Now()
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		if o.Duration > 0 && round > 0 && time.Since(start) >= o.Duration || o.Duration <= 0 && round >= tracePasses {
			break
		}
		// ABBA: each round swaps which side goes first.
		order := []struct {
			side *traceSide
			load traceLoad
			err  string
		}{{&loader, loadStreaming, "the loader failed"}, {&base, loadBaseline, "the baseline failed"}}
		if round%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			if err := s.side.add(s.load, path, events); err != nil {
				return Result{}, fmt.Errorf("%s: %w", s.err, err)
			}
		}
		if o.Duration > 0 {
			progress("trace: loading", 1.0/3+2.0/3*float64(time.Since(start))/float64(o.Duration))
		} else {
			progress("trace: loading", 1.0/3+2.0/3*float64(round+1)/tracePasses)
		}
	}
	r := loader.result("trace", "load the trace with flow/trace's streaming loader", size, events)
	b := base.result("trace baseline", "bufio.Scanner + encoding/json into the same type (trace.Line)", size, events)
	r.Baseline = &b
	if b.PerSecond > 0 {
		ratio := r.PerSecond / b.PerSecond
		r.Ratio = &ratio
	}
	r.Target = fmt.Sprintf("≥ %.0f MB/s", traceMinMBps)
	met := r.PerSecond/traceMB >= traceMinMBps
	r.Met = &met
	r.PeakRSS = selfPeakRSS()
	r.Extra["file_mb"] = fmt.Sprintf("%.1f", float64(size)/traceMB)
	r.Extra["events"] = fmt.Sprint(events)
	r.Notes = append(r.Notes,
		fmt.Sprintf("a %.1f MB trace of %d events (%d bytes/event) written with flow/trace's writer into a temporary directory, removed after",
			float64(size)/traceMB, events, size/int64(max(events, 1))),
		"loader and baseline alternate (ABBA) from a warm page cache; MB is 10^6 bytes; CPU and allocations per op are per byte, per event in extra")
	if cpu := loader.use.CPU; cpu > 0 && r.Seconds > 0 && cpu.Seconds() < 0.8*r.Seconds {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the loader had the CPU %.0f%% of its wall time: the machine is busy, MB/s is low for it (mb_per_cpu_s: %s)",
			100*cpu.Seconds()/r.Seconds, r.Extra["mb_per_cpu_s"]))
	}
	return r, nil
}
