package bench

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow/report"
)

// TestCryptoRun runs `bench crypto` briefly and checks that every scheme
// was measured next to its baseline, and that the result holds what the
// summary and --json show. The numbers themselves are not checked: a
// test on a shared machine cannot time anything honestly.
func TestCryptoRun(t *testing.T) {
	b, ok := Lookup("crypto")
	if !ok {
		t.Fatal("crypto is not registered in Benchmarks")
	}
	var calls int
	r, err := b.Run(context.Background(), Options{Count: 20, Concurrency: 2, Progress: func(string, float64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ratio == nil || *r.Ratio <= 0 || r.Baseline == nil || r.Met == nil {
		t.Fatalf("ratio %v, baseline %v, met %v", r.Ratio, r.Baseline, r.Met)
	}
	if r.Ops != 20 || r.Baseline.Ops != 20 || r.Latency == nil || r.Latency.Count != 20 || r.Latency.P50 <= 0 {
		t.Fatalf("ops %d, baseline ops %d, latency %+v", r.Ops, r.Baseline.Ops, r.Latency)
	}
	if r.AllocsPerOp == nil || *r.AllocsPerOp <= 0 || r.CPUPerOpNS <= 0 || r.Baseline.AllocsPerOp == nil {
		t.Fatalf("allocs/op %v, cpu/op %v", r.AllocsPerOp, r.CPUPerOpNS)
	}
	for _, alg := range scheme.Names() {
		row := cryptoRow(alg)
		if r.Stages[row].Count != 20 || r.Stages[row+" bare"].Count != 20 || r.Extra["ratio "+alg] == "" {
			t.Errorf("%s: stage %+v, bare %+v, ratio %q", alg, r.Stages[row], r.Stages[row+" bare"], r.Extra["ratio "+alg])
		}
	}
	var sum int64
	for _, n := range r.Latency.Buckets {
		sum += n
	}
	if len(r.Latency.Buckets) != report.HistogramBins || sum != r.Latency.Count {
		t.Fatalf("buckets %v hold %d of %d", r.Latency.Buckets, sum, r.Latency.Count)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

// TestCryptoCancelled: a cancelled run says so instead of a ratio.
func TestCryptoCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := runCrypto(ctx, Options{Count: 5}); err == nil {
		t.Fatal("a cancelled run returned a result")
	}
}

// TestCryptoBaselineFails: a baseline that fails gives an error naming it,
// never a ratio.
func TestCryptoBaselineFails(t *testing.T) {
	c, err := newCryptoCase(scheme.Default)
	if err != nil {
		t.Fatal(err)
	}
	c.bare = func() error { return context.DeadlineExceeded }
	if _, _, err := c.runPairs(context.Background(), 1, 3, time.Time{}, nil); err == nil || !strings.Contains(err.Error(), "the baseline failed") {
		t.Fatalf("err %v", err)
	}
}
