package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// latencyLines are the per-stage percentiles: what they rank, a header row
// and p50, p95, p99 over the connected calls on screen (failures are counted
// apart, never ranked: they stop early and fast).
func (m Model) latencyLines(w int) []string {
	const label = 10
	l := m.latencies()
	// Columns as wide as their widest cell ("Extension", "19.02ms") and
	// no wider: a large terminal does not spread the table.
	col := max(8, min(12, (w-label)/(len(flow.Stages)+1)))
	cell := func(s string) string { return fmt.Sprintf("%*s", col, s) }
	over := m.st.title.Render("p50/p95/p99") + m.st.muted.Render(statsOver(l))
	var head strings.Builder
	head.WriteString(fmt.Sprintf("%-*s", label, ""))
	for i, s := range flow.Stages {
		head.WriteString(m.st.lanes[i].Render(cell(s.Title())))
	}
	head.WriteString(m.st.text.Render(cell("total")))
	out := []string{fit(over, w), fit(head.String(), w)}
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

// statsOver says what the percentiles rank and what they leave out.
func statsOver(l latencies) string {
	if l.accepted > 0 {
		return fmt.Sprintf(" over %d connected, %d accepted by APNs · %d failed apart", l.calls-l.accepted, l.accepted, l.failed)
	}
	return fmt.Sprintf(" over %d connected · %d failed apart", l.calls, l.failed)
}

func orDash(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return flow.FormatDuration(d)
}
