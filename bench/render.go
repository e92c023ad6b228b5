package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"charm.land/lipgloss/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/report"
	"github.com/callscope/callscope/flow/threshold"
)

// RenderOptions choose how a Report is drawn.
type RenderOptions struct {
	// Histograms draws each latency distribution as a small terminal
	// histogram beside its percentiles (on a terminal only: its colours
	// and block characters are for people).
	Histograms bool
}

// Render writes the summary table of rep, then per benchmark its target,
// its baseline's fate, warnings and notes, then the thresholds and the
// machine. w should downsample colours (lipgloss/colorprofile) when
// Histograms is on.
func Render(w io.Writer, rep *Report, ts []threshold.Result, o RenderOptions) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "BENCHMARK\tRATE\tP50\tP95\tP99\tMAX\tCPU/OP\tALLOCS/OP\tPEAK RSS\tRATIO\tMET"
	if o.Histograms {
		head += "\tDISTRIBUTION (min→max)"
	}
	fmt.Fprintln(tw, head)
	tail := ""
	if o.Histograms {
		tail = "\t"
	}
	for i := range rep.Benchmarks {
		r := &rep.Benchmarks[i]
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t✗ failed\t\t\t\t\t\t\t\t\t%s\n", r.Name, tail)
			continue
		}
		row(tw, r.Name, r, r.Latency, o, ratio(r), met(r.Met))
		for _, st := range stageOrder(r.Stages) {
			l := r.Stages[st]
			row(tw, "  "+st, nil, &l, o, "", "")
		}
		switch {
		case r.BaselineError != "":
			fmt.Fprintf(tw, "  baseline\t✗ did not run\t\t\t\t\t\t\t\t—\t%s\n", tail)
		case r.Baseline != nil:
			row(tw, "  baseline", r.Baseline, r.Baseline.Latency, o, "", "")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, r := range rep.Benchmarks {
		details(w, r)
	}
	if len(ts) > 0 {
		fmt.Fprintln(w, "thresholds:")
		for _, t := range ts {
			fmt.Fprintln(w, "  "+t.String())
		}
	}
	fmt.Fprintln(w, MachineLine(rep.Machine))
	return nil
}

// MachineLine says how loaded the machine was: on a shared machine that is
// what makes an absolute number worth little and a same-run ratio worth
// more.
func MachineLine(m Machine) string {
	load := "load unknown"
	if m.Load != nil {
		load = fmt.Sprintf("load %.2f %.2f %.2f", m.Load[0], m.Load[1], m.Load[2])
	}
	return fmt.Sprintf("machine: %d CPUs, GOMAXPROCS %d, %s, %s, %s before the run; compare ratios across runs, not rates",
		m.CPUs, m.GOMAXPROCS, load, m.Go, m.OS)
}

func row(w io.Writer, name string, r *Result, l *Latency, o RenderOptions, ratio, met string) {
	cols := []string{name, "", "—", "—", "—", "—", "", "", "", ratio, met}
	if r != nil {
		cols[1] = Rate(r.PerSecond, r.Unit)
		cols[6] = "—"
		if r.CPUPerOpNS > 0 {
			cols[6] = cpu(r.CPUPerOpNS)
		}
		cols[7] = "—"
		if r.AllocsPerOp != nil {
			cols[7] = fmt.Sprintf("%.1f", *r.AllocsPerOp)
		}
		cols[8] = Bytes(r.PeakRSS)
	}
	if o.Histograms {
		// Always the cell, empty or not: a row short of one ends
		// tabwriter's column block and misaligns the rows after it.
		cols = append(cols, "")
	}
	if l != nil && l.Count > 0 {
		for i, us := range []float64{l.P50, l.P95, l.P99, l.Max} {
			cols[2+i] = flow.FormatDuration(Duration(us))
		}
		if o.Histograms {
			cols[len(cols)-1] = report.Histogram(l.Buckets, l.Min, l.Max, report.Marks{P50: l.P50, P95: l.P95, P99: l.P99, Linear: !l.LogScale})
		}
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

func details(w io.Writer, r Result) {
	var lines []string
	switch {
	case r.Error != "":
		lines = append(lines, "✗ failed: "+r.Error)
	case r.BaselineError != "":
		lines = append(lines, "✗ baseline could not run: "+r.BaselineError+"; no ratio without it")
	}
	if r.Target != "" && r.Error == "" {
		t := "target " + r.Target + ": " + met(r.Met)
		if r.Met == nil {
			t = "target " + r.Target + ": not checked in this run"
		}
		lines = append(lines, t)
	}
	if len(r.Counts) > 0 {
		parts := make([]string, 0, len(r.Counts))
		for _, k := range sortedKeys(r.Counts) {
			n := fmt.Sprint(r.Counts[k])
			if r.Counts[k] >= 0 {
				n = flow.FormatCount(uint64(r.Counts[k]))
			}
			parts = append(parts, k+" "+n)
		}
		lines = append(lines, "counts: "+strings.Join(parts, " · "))
	}
	for _, s := range r.Warnings {
		lines = append(lines, "warning: "+s)
	}
	for _, s := range r.Notes {
		lines = append(lines, "note: "+s)
	}
	if r.Trace != "" {
		lines = append(lines, "trace: "+r.Trace)
	}
	if len(lines) == 0 {
		return
	}
	title := r.Name
	if r.What != "" {
		title += " — " + r.What
	}
	fmt.Fprintln(w, lipgloss.NewStyle().Bold(true).Render(title))
	for _, s := range lines {
		fmt.Fprintln(w, "  "+s)
	}
}

func ratio(r *Result) string {
	if r.Ratio == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f", *r.Ratio)
}

func met(m *bool) string {
	switch {
	case m == nil:
		return "—"
	case *m:
		return "✓ yes"
	}
	return "✗ no"
}

// Rate formats operations per second: bytes as MB/s, others as a count
// per second with the unit.
func Rate(perSecond float64, unit string) string {
	if perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		return "—"
	}
	if unit == "bytes" {
		return fmt.Sprintf("%.1f MB/s", perSecond/1e6)
	}
	s := flow.FormatCount(uint64(math.Round(perSecond)))
	if perSecond < 10 {
		s = fmt.Sprintf("%.2f", perSecond)
	}
	if unit != "" {
		s += " " + unit
	}
	return s + "/s"
}

// Bytes formats a size in MB (10⁶ bytes), as RSS is usually quoted.
func Bytes(n int64) string {
	if n <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// cpu formats CPU time per operation: nanoseconds below a microsecond
// (crypto and trace operations are that cheap), then as latencies are.
func cpu(ns float64) string {
	if ns < 1e3 {
		return fmt.Sprintf("%.0fns", ns)
	}
	return flow.FormatDuration(Duration(ns / 1e3))
}

// stageOrder lists a result's stages in path order (sender … callkit)
// where they are the call's stages, the others after them by name.
func stageOrder(m map[string]Latency) []string {
	names := sortedKeys(m)
	rank := func(name string) int {
		if i := flow.Stage(name).Index(); i >= 0 {
			return i
		}
		return len(flow.Stages)
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	return names
}
