package report

import (
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/charmbracelet/x/ansi"
)

func TestBins(t *testing.T) {
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	// 1,000 values at 100 µs, 10 at 10 ms, 1 at 1 s: a log scale keeps
	// the three apart at both ends and in the middle.
	_ = h.RecordValues(100, 1000)
	_ = h.RecordValues(10_000, 10)
	_ = h.RecordValue(1_000_000)
	lo, hi, counts := Bins(h, 16)
	if lo != 100 || hi < 1_000_000 || hi > 1_001_000 {
		t.Fatalf("range %v–%v, want 100–1,000,000", lo, hi)
	}
	if len(counts) != 16 || counts[0] != 1000 || counts[15] != 1 || counts[8] != 10 {
		t.Fatalf("counts %v: want 1000 first, 10 in the middle (bin 8), 1 last", counts)
	}
	var sum int64
	for _, c := range counts {
		sum += c
	}
	if sum != h.TotalCount() {
		t.Fatalf("bins hold %d values, the histogram %d", sum, h.TotalCount())
	}
	if _, _, c := Bins(hdrhistogram.New(1, 10, 1), 16); c != nil {
		t.Fatalf("empty histogram: %v, want nil", c)
	}
	// One value: one bin, no division by a zero span.
	one := hdrhistogram.New(1, 1000, 3)
	_ = one.RecordValue(5)
	if _, _, c := Bins(one, 4); c[0] != 1 {
		t.Fatalf("one value: %v", c)
	}
}

func TestHistogram(t *testing.T) {
	counts := []int64{1000, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 1}
	if plain := ansi.Strip(Histogram([]int64{8, 4, 2, 1}, 1, 8, Marks{})); plain != "█▄▂▁" {
		t.Fatalf("heights %q, want █▄▂▁ (proportional)", plain)
	}
	got := Histogram(counts, 100, 1_000_000, Marks{P50: 100, P95: 100, P99: 10_000})
	plain := ansi.Strip(got)
	if plain != "█       ▁      ▁" {
		t.Fatalf("histogram %q, want %q", plain, "█       ▁      ▁")
	}
	if ansi.StringWidth(got) != len(counts) {
		t.Fatalf("width %d, want one column per bin", ansi.StringWidth(got))
	}
	if Histogram(make([]int64, 4), 1, 2, Marks{}) != "" {
		t.Fatal("an empty histogram draws something")
	}
	if ansi.Strip(Histogram([]int64{1}, 5, 5, Marks{P50: 5})) != "█" {
		t.Fatal("a single value is not drawn")
	}
}

// TestHistogramColours: bins up to p50, p95, p99 and beyond each get
// their colour, on a log scale (Bins) and on a linear one.
func TestHistogramColours(t *testing.T) {
	counts := []int64{1, 1, 1, 1}
	green, yellow, magenta, red := "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[31m"
	for _, tt := range []struct {
		name   string
		lo, hi float64
		m      Marks
	}{
		// log: bins 1–10, 10–100, 100–1000, 1000–10000
		{"log", 1, 10000, Marks{P50: 5, P95: 50, P99: 500}},
		// linear: bins 0–25, 25–50, 50–75, 75–100
		{"linear", 0, 100, Marks{P50: 10, P95: 30, P99: 60, Linear: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Histogram(counts, tt.lo, tt.hi, tt.m)
			for i, c := range []string{green, yellow, magenta, red} {
				at := strings.Index(got, c)
				if at < 0 {
					t.Fatalf("bin %d: no %q in %q", i, c, got)
				}
				if i > 0 && at < strings.Index(got, []string{green, yellow, magenta, red}[i-1]) {
					t.Fatalf("colours out of order in %q", got)
				}
			}
		})
	}
}
