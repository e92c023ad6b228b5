package bench

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// callscopeExe is the callscope binary bench apns starts: $CALLSCOPE_EXE,
// or one built from this module.
func callscopeExe(t *testing.T) string {
	t.Helper()
	if exe := os.Getenv("CALLSCOPE_EXE"); exe != "" {
		return exe
	}
	exe := filepath.Join(t.TempDir(), "callscope")
	if out, err := exec.Command("go", "build", "-o", exe, "github.com/callscope/callscope").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// TestAPNsBench runs bench apns briefly against the real processes: both
// sides answer every push, the numbers are filled in and the ratio is the
// rates' quotient. CALLSCOPE_BENCH_DURATION runs it longer, to measure.
func TestAPNsBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	d := time.Second
	if s := os.Getenv("CALLSCOPE_BENCH_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
	}
	b, ok := Lookup("apns")
	if !ok {
		t.Fatal("apns is not registered")
	}
	r, err := b.Run(context.Background(), Options{Exe: callscopeExe(t), Duration: d, Concurrency: 64})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.MarshalIndent(r, "", "  ")
	t.Logf("%s", j)
	if r.Baseline == nil || r.Ratio == nil || r.Met == nil {
		t.Fatalf("no baseline or ratio: %+v", r)
	}
	for _, s := range []*Result{&r, r.Baseline} {
		if s.Ops == 0 || s.PerSecond <= 0 || s.Latency == nil || s.Latency.Count != s.Ops || s.Latency.P50 <= 0 {
			t.Errorf("%s: ops %d, rate %f, latency %+v", s.Name, s.Ops, s.PerSecond, s.Latency)
		}
		if _, err := os.Stat("/proc/self/stat"); err == nil && (s.CPUPerOpNS <= 0 || s.PeakRSS <= 0) {
			t.Errorf("%s: cpu %f ns/push, peak RSS %d", s.Name, s.CPUPerOpNS, s.PeakRSS)
		}
		// Each process counts its own allocations (internal/allocstat): a
		// server that answers a push allocates something for it.
		if runtime.GOOS != "windows" && (s.AllocsPerOp == nil || *s.AllocsPerOp < 1) {
			t.Errorf("%s: allocations per push %v; warnings %q", s.Name, s.AllocsPerOp, s.Warnings)
		}
	}
	if got := r.PerSecond / r.Baseline.PerSecond; *r.Ratio != got {
		t.Errorf("ratio %f, want %f", *r.Ratio, got)
	}
}

// TestAPNsBaselineFails: a baseline that cannot start is an error, never a
// ratio against nothing.
func TestAPNsBaselineFails(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	// A callscope without the hidden baseline command: a script that runs
	// the real mock and fails anything else.
	exe := callscopeExe(t)
	script := filepath.Join(t.TempDir(), "callscope")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nif [ \"$1\" = mock-apns ]; then exec "+exe+" \"$@\"; fi\necho \"unknown command $1\" >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := runAPNs(context.Background(), Options{Exe: script, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "baseline could not run") || !strings.Contains(err.Error(), "unknown command bench-baseline") {
		t.Fatalf("err %v, result %+v", err, r)
	}
	if r.Ratio != nil {
		t.Fatalf("a ratio without a baseline: %v", *r.Ratio)
	}
}
