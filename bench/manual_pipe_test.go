package bench

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestBenchManual runs the benchmark CALLSCOPE_BENCH names (pipeline or
// soak) at the size CALLSCOPE_BENCH_COUNT or CALLSCOPE_BENCH_DURATION
// asks and logs its JSON, until `callscope bench` does this for users;
// skipped without CALLSCOPE_BENCH.
func TestBenchManual(t *testing.T) {
	name := os.Getenv("CALLSCOPE_BENCH")
	if name != "pipeline" && name != "soak" {
		t.Skip("set CALLSCOPE_BENCH=pipeline or soak to run one at full size")
	}
	b, _ := Lookup(name)
	o := Options{TraceDir: t.TempDir()}
	o.Count, _ = strconv.Atoi(os.Getenv("CALLSCOPE_BENCH_COUNT"))
	o.Concurrency, _ = strconv.Atoi(os.Getenv("CALLSCOPE_BENCH_CONCURRENCY"))
	o.Duration, _ = time.ParseDuration(os.Getenv("CALLSCOPE_BENCH_DURATION"))
	res, err := b.Run(context.Background(), o)
	out, _ := json.MarshalIndent(res, "", "  ")
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(res.Trace); err == nil {
		t.Logf("trace %s: %d bytes", res.Trace, fi.Size())
	}
	if res.Met == nil || !*res.Met {
		t.Errorf("%s: target %q not met", name, res.Target)
	}
}
