package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow/trace"
)

// TestTraceRun runs `bench trace` on a small trace (--count events) and
// checks both loaders read every event and the result is complete.
func TestTraceRun(t *testing.T) {
	b, ok := Lookup("trace")
	if !ok {
		t.Fatal("trace is not registered in Benchmarks")
	}
	var last float64
	r, err := b.Run(context.Background(), Options{Count: 500, Progress: func(_ string, d float64) {
		if d < last || d > 1 {
			t.Errorf("progress went from %v to %v", last, d)
		}
		last = d
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Extra["events"] != "500" || r.Ratio == nil || *r.Ratio <= 0 || r.Met == nil || r.Baseline == nil {
		t.Fatalf("events %s, ratio %v, met %v, baseline %v", r.Extra["events"], r.Ratio, r.Met, r.Baseline)
	}
	size, _ := strconv.ParseFloat(r.Extra["file_mb"], 64)
	if r.Ops <= 0 || r.Ops != r.Baseline.Ops || float64(r.Ops) < size*1e6*tracePasses*0.99 {
		t.Fatalf("ops %d, baseline ops %d, file %s MB", r.Ops, r.Baseline.Ops, r.Extra["file_mb"])
	}
	if r.PerSecond <= 0 || r.Baseline.PerSecond <= 0 || r.AllocsPerOp == nil || r.Latency != nil {
		t.Fatalf("rate %v, baseline %v, allocs %v, latency %v", r.PerSecond, r.Baseline.PerSecond, r.AllocsPerOp, r.Latency)
	}
	if last != 1 {
		t.Errorf("progress ended at %v", last)
	}
}

// TestWriteTrace: the generated trace is the real format (the loader reads
// it without a warning) and stops at the size asked for.
func TestWriteTrace(t *testing.T) {
	path, size, events, err := writeTrace(context.Background(), t.TempDir(), 1<<20, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != size || size < 1<<20 || size > 1<<20+64<<10 {
		t.Fatalf("size %d (stat %v, %v)", size, st, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (traces hold device tokens)", st.Mode())
	}
	r, err := trace.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h, err := r.Header(); err != nil || h == nil || h.Format != trace.Version {
		t.Fatalf("header %+v, %v", h, err)
	}
	if n, err := loadStreaming(path); err != nil || n != events {
		t.Fatalf("loader read %d of %d events: %v", n, events, err)
	}
	if n, err := loadBaseline(path); err != nil || n != events {
		t.Fatalf("baseline read %d of %d events: %v", n, events, err)
	}
}

// TestTraceLoaderFails: a trace that does not load fails the side that
// read it, by name, instead of giving a rate.
func TestTraceLoaderFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(path, []byte("{\"v\":2,\"stage\":\"apns\",\"name\":\"x\",\"trace_id\":\"a\"}\nnot json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var s traceSide
	if err := s.add(loadBaseline, path, 2); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Fatalf("baseline on a bad trace: %v", err)
	}
	if err := s.add(loadStreaming, path, 2); err == nil {
		t.Fatal("loader on a bad trace: no error")
	}
	if s.passes != 0 {
		t.Fatalf("%d passes counted", s.passes)
	}
}
