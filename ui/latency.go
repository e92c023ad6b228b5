package ui

import (
	"fmt"
	"strings"

	"github.com/callscope/callscope/flow"
)

// latencyLines are the session's per-stage percentiles: a header row and
// p50, p95, p99 over every finished call.
func (m Model) latencyLines(w int) []string {
	const label = 10
	col := max(8, (w-label)/(len(flow.Stages)+1))
	cell := func(s string) string { return fmt.Sprintf("%*s", col, s) }
	var head strings.Builder
	head.WriteString(m.st.title.Render(fmt.Sprintf("%-*s", label, plural(m.summary.Calls(), "call"))))
	for i, s := range flow.Stages {
		head.WriteString(m.st.lanes[i].Render(cell(s.Title())))
	}
	head.WriteString(m.st.text.Render(cell("total")))
	out := []string{fit(head.String(), w)}
	for _, q := range []float64{50, 95, 99} {
		var row strings.Builder
		row.WriteString(m.st.muted.Render(fmt.Sprintf("%-*s", label, fmt.Sprintf("p%g", q))))
		for _, s := range flow.Stages {
			d, n := m.summary.Percentile(s, q)
			v := "-"
			switch {
			case n > 0:
				v = flow.FormatDuration(d)
			case m.summary.Instant(s) > 0:
				v = flow.InstantLabel
			}
			row.WriteString(cell(v))
		}
		v := "-"
		if m.summary.Calls() > 0 {
			v = flow.FormatDuration(m.summary.TotalPercentile(q))
		}
		row.WriteString(cell(v))
		out = append(out, fit(row.String(), w))
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
