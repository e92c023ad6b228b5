package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callscope/callscope/flow"
)

// Table prints calls as rows as they end, then a summary. Columns have
// fixed widths so that each row can be written at once: a long run shows its
// calls as they finish, and a diagnosis line does not widen the columns.
type Table struct {
	w      io.Writer
	tw     *tabwriter.Writer // the summary
	header bool
	// Histograms adds each stage's latency distribution to the summary,
	// as a terminal histogram beside its percentiles (on a terminal).
	Histograms bool
}

// NewTable writes to w.
func NewTable(w io.Writer) *Table {
	return &Table{w: w, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

const rowFormat = "%-8s  %-9s  %-7s  %-16s  %-8s  %-8s  %-8s  %-9s  %-8s  %-8s  %s\n"

// Row prints one call. Failed calls get a second line with the diagnosis.
func (t *Table) Row(c flow.Call) {
	if !t.header {
		fmt.Fprintf(t.w, rowFormat, "TRACE", "CALL UUID", "KIND", "OUTCOME", "SENDER", "SERVER", "APNS", "EXTENSION", "CALLKIT", "TOTAL", "SIMULATED")
		t.header = true
	}
	cols := []any{short(c.TraceID, 8), short(c.CallID, 8), string(c.Kind), outcome(c)}
	for _, s := range flow.Stages {
		if c.Latency.Reached(s) {
			cols = append(cols, c.Latency.Label(s))
		} else {
			cols = append(cols, "—")
		}
	}
	cols = append(cols, flow.FormatDuration(c.Latency.Total), simulated(c.Latency.Simulated))
	fmt.Fprintf(t.w, rowFormat, cols...)
	if c.Diag != nil {
		fmt.Fprintf(t.w, "  ✗ %s\n", c.Diag)
		if c.Diag.Hint != "" {
			fmt.Fprintf(t.w, "    hint: %s\n", c.Diag.Hint)
		}
	}
}

func outcome(c flow.Call) string {
	if c.Outcome == flow.OutcomeFailed && c.Diag != nil {
		return "failed@" + string(c.Diag.Stage)
	}
	return string(c.Outcome)
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func simulated(m map[string]time.Duration) string {
	if len(m) == 0 {
		return ""
	}
	return strings.Join(flow.FormatSimulated(m), ", ") + " (sim)"
}

// Summary prints p50/p95/p99 per stage and the outcomes.
func (t *Table) Summary(s *flow.Summary, wall time.Duration) error {
	fmt.Fprintln(t.tw)
	head := "STAGE\tP50\tP95\tP99\tCALLS"
	if t.Histograms {
		head += "\tDISTRIBUTION (log scale, min→max)"
	}
	fmt.Fprintln(t.tw, head)
	for _, st := range flow.Stages {
		p50, n := s.Percentile(st, 50)
		if n == 0 {
			if k := s.Instant(st); k > 0 {
				fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%d%s\n", st, flow.InstantLabel, flow.InstantLabel, flow.InstantLabel, k, t.noHistogram())
				continue
			}
			fmt.Fprintf(t.tw, "%s\t—\t—\t—\t0%s\n", st, t.noHistogram())
			continue
		}
		p95, _ := s.Percentile(st, 95)
		p99, _ := s.Percentile(st, 99)
		fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%d%s\n", st, flow.FormatDuration(p50), flow.FormatDuration(p95), flow.FormatDuration(p99), n,
			t.histogram(s, string(st), p50, p95, p99))
	}
	p50, p95, p99 := s.TotalPercentile(50), s.TotalPercentile(95), s.TotalPercentile(99)
	fmt.Fprintf(t.tw, "total (measured)\t%s\t%s\t%s\t%d%s\n", flow.FormatDuration(p50),
		flow.FormatDuration(p95), flow.FormatDuration(p99), s.Calls(), t.histogram(s, flow.SubjectTotal, p50, p95, p99))
	fmt.Fprintln(t.tw)
	var parts []string
	for _, o := range []flow.Outcome{flow.OutcomeConnected, flow.OutcomeShown, flow.OutcomeDeclined, flow.OutcomeUnanswered, flow.OutcomeAccepted, flow.OutcomeFailed} {
		if n := s.Outcomes()[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	rate := 0.0
	if wall > 0 {
		rate = float64(s.Calls()) / wall.Seconds()
	}
	fmt.Fprintf(t.tw, "%d requests: %s in %s wall (%.0f/s); stage latencies are measured, simulated time is shown apart\n",
		s.Calls(), strings.Join(parts, ", "), flow.FormatDuration(wall), rate)
	return t.tw.Flush()
}

// Flush writes the buffered summary.
func (t *Table) Flush() error { return t.tw.Flush() }

// histogram is the distribution column of a summary row, tab first, or ""
// without Histograms. It comes last in the row: its colours' escape codes
// would throw tabwriter's widths off anywhere else.
func (t *Table) histogram(s *flow.Summary, subject string, p50, p95, p99 time.Duration) string {
	if !t.Histograms {
		return ""
	}
	lo, hi, counts := Bins(s.StageHistogram(subject), HistogramBins)
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) }
	return "\t" + Histogram(counts, lo, hi, Marks{P50: us(p50), P95: us(p95), P99: us(p99)})
}

// noHistogram is an empty distribution cell: a row without one would end
// tabwriter's column block and misalign the rows after it.
func (t *Table) noHistogram() string {
	if t.Histograms {
		return "\t"
	}
	return ""
}
