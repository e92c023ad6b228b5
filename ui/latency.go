package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// latencyLines are the per-stage percentiles: a header row and p50, p95,
// p99 over the finished requests on screen that did not fail (failures are
// counted apart, in the list's title).
func (m Model) latencyLines(w int) []string {
	const label = 10
	l := m.latencies()
	col := max(8, (w-label)/(len(flow.Stages)+1))
	cell := func(s string) string { return fmt.Sprintf("%*s", col, s) }
	var head strings.Builder
	head.WriteString(m.st.title.Render(fmt.Sprintf("%-*s", label, plural(l.calls, "call"))))
	for i, s := range flow.Stages {
		head.WriteString(m.st.lanes[i].Render(cell(s.Title())))
	}
	head.WriteString(m.st.text.Render(cell("total")))
	out := []string{fit(head.String(), w)}
	for _, q := range []float64{50, 95, 99} {
		var row strings.Builder
		row.WriteString(m.st.muted.Render(fmt.Sprintf("%-*s", label, fmt.Sprintf("p%g", q))))
		for _, s := range flow.Stages {
			v := orDash(quantile(l.stages[s], q))
			if len(l.stages[s]) == 0 && l.instant[s] {
				v = flow.InstantLabel
			}
			row.WriteString(cell(v))
		}
		row.WriteString(cell(orDash(quantile(l.total, q))))
		out = append(out, fit(row.String(), w))
	}
	return out
}

func orDash(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return flow.FormatDuration(d)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
