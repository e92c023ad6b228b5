package report

import (
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/HdrHistogram/hdrhistogram-go"
)

// HistogramBins is how many bins a terminal histogram has: narrow enough to
// sit beside p50/p95/p99 in an 80-column table.
const HistogramBins = 16

// Bins spreads h's recorded values over n bins spaced evenly on a log scale
// from its minimum to its maximum. A log scale because latency has a long
// tail: on a linear one every value but the outliers lands in the first bin
// and the shape is lost. lo and hi are in h's unit; counts is nil for an
// empty histogram.
func Bins(h *hdrhistogram.Histogram, n int) (lo, hi float64, counts []int64) {
	if h == nil || h.TotalCount() == 0 || n < 1 {
		return 0, 0, nil
	}
	lo, hi = float64(max(1, h.Min())), float64(max(1, h.Max()))
	counts = make([]int64, n)
	span := math.Log(hi) - math.Log(lo)
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		counts[BinOf(float64(max(1, b.From+(b.To-b.From)/2)), lo, span, n)] += b.Count
	}
	return lo, hi, counts
}

// BinOf is the bin of v among n log-spaced bins from lo over a log span.
func BinOf(v, lo, span float64, n int) int {
	if span <= 0 || v <= lo {
		return 0
	}
	i := int(float64(n) * (math.Log(v) - math.Log(lo)) / span)
	return min(max(i, 0), n-1)
}

var levels = []rune("▁▂▃▄▅▆▇█")

// Marks are the percentiles a histogram colours its bins by: the bins up
// to P50, up to P95, up to P99 and beyond each get their own colour, so the
// tail reads at a glance. Values are in the histogram's unit. Linear says
// the bins are equal-width rather than log-spaced as Bins makes them.
type Marks struct {
	P50, P95, P99 float64
	Linear        bool
}

// Histogram colours: ANSI 16-colour indexes, so that the terminal's own
// palette (and NO_COLOR, through colorprofile) decides how they look.
var (
	histP50  = lipgloss.NewStyle().Foreground(lipgloss.Green)
	histP95  = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
	histP99  = lipgloss.NewStyle().Foreground(lipgloss.Magenta)
	histTail = lipgloss.NewStyle().Foreground(lipgloss.Red)
)

// Histogram draws counts (from Bins) as one line of block characters, one
// per bin, their height proportional to the bin's count, coloured by m.
// A bin with any count is at least ▁, so a tail of one call still shows
// beside thousands; an empty bin is a space. lo and hi are Bins' range.
func Histogram(counts []int64, lo, hi float64, m Marks) string {
	var peak int64
	for _, c := range counts {
		peak = max(peak, c)
	}
	if peak == 0 {
		return ""
	}
	n := len(counts)
	span := math.Log(hi) - math.Log(lo)
	markBin := func(p float64) int {
		if !m.Linear {
			return BinOf(p, lo, span, n)
		}
		if hi <= lo {
			return 0
		}
		return min(max(int(float64(n)*(p-lo)/(hi-lo)), 0), n-1)
	}
	b50, b95, b99 := markBin(m.P50), markBin(m.P95), markBin(m.P99)
	// Runs of one colour are rendered at once: one escape per colour, not
	// per bin.
	var b, run strings.Builder
	var runStyle *lipgloss.Style
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(runStyle.Render(run.String()))
			run.Reset()
		}
	}
	for i, c := range counts {
		style := &histTail
		switch {
		case i <= b50:
			style = &histP50
		case i <= b95:
			style = &histP95
		case i <= b99:
			style = &histP99
		}
		if style != runStyle {
			flush()
			runStyle = style
		}
		if c == 0 {
			run.WriteByte(' ')
			continue
		}
		level := int(float64(len(levels)-1) * float64(c) / float64(peak))
		run.WriteRune(levels[min(max(level, 0), len(levels)-1)])
	}
	flush()
	return b.String()
}
