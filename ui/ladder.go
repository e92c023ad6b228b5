package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// ladderLines renders the selected call as a ladder: one column per lane,
// one row per hop, each arrow labelled with the measured latency of the
// stage it leaves; a stage of instant system calls gets a dotted arrow
// marked instant instead. The failing hop is marked ✗.
func (m Model) ladderLines(w, h int) []string {
	c, ok := m.selected()
	lane := w / len(flow.Stages)
	if lane < 6 {
		return pad([]string{m.st.muted.Render("(too narrow for the ladder)")}, h)
	}
	center := func(i int) int { return i*lane + lane/2 }
	var names strings.Builder
	for i, s := range flow.Stages {
		names.WriteString(m.st.lanes[i].Render(fit(centerText(s.Title(), lane), lane)))
	}
	out := []string{names.String()}
	if !ok {
		return pad(append(out, m.st.muted.Render("select or send a call to see its hops")), h)
	}
	failedAt := -1
	if c.Diag != nil && c.Outcome == flow.OutcomeFailed {
		failedAt = c.Diag.Stage.Index()
	}
	reached := c.Stage.Index()
	for i := 0; i < len(flow.Stages)-1; i++ {
		row := []rune(strings.Repeat(" ", w))
		for j := range flow.Stages {
			if x := center(j); x < w {
				row[x] = '│'
			}
		}
		line := string(row)
		d, has := c.Latency.Get(flow.Stages[i])
		switch {
		case failedAt == i:
			line = overlay(line, center(i)+1, m.st.fail.Render("✗ "+string(c.Diag.Code)))
		case i < reached && has && c.Latency.Instant[flow.Stages[i]]:
			// A system call in process: no boundary, no measured work.
			span := center(i+1) - center(i) - 1
			line = overlay(line, center(i)+1, m.st.lanes[i].Render(dotted(flow.InstantLabel, span)))
		case i < reached && has:
			label := flow.FormatDuration(d)
			span := center(i+1) - center(i) - 1
			line = overlay(line, center(i)+1, m.st.lanes[i].Render(arrow(label, span)))
		case i < reached && c.Latency.Reached(flow.Stages[i]):
			// Two clocks, the machine's and a phone's: their difference,
			// shown as such, never as a (negative) latency.
			span := center(i+1) - center(i) - 1
			label := firstFit(flow.CrossClockLabels(c.Latency.CrossClock[flow.Stages[i]]), span-1)
			line = overlay(line, center(i)+1, m.st.lanes[i].Render(crossArrow(label, span)))
		case i == reached && c.Outcome == "":
			line = overlay(line, center(i)+1, m.st.muted.Render("…"))
		case i == reached && c.Outcome == flow.OutcomeAccepted && m.opts.Header.Target != "":
			// A real APNs: past its answer, only the phone's own events tell.
			line = overlay(line, center(i)+1, m.st.muted.Render("waiting for device events (--ingest)"))
		}
		out = append(out, line)
	}
	out = append(out, m.lastHop(c, w, center(len(flow.Stages)-1), failedAt))
	if sim := simulatedLine(c.Latency.Simulated); sim != "" {
		out = append(out, m.st.muted.Render(fit("sim: "+sim, w)))
	}
	if len(c.Latency.CrossClock) > 0 {
		out = append(out, m.st.muted.Render(fit("╌ cross-device: "+flow.CrossClockNote, w)))
	}
	out = append(out, m.st.outcome(c, false)+m.st.muted.Render(" "+endLabel(c)))
	return pad(out, h)
}

// lastHop is CallKit's own row: reportNewIncomingCall to ringing.
func (m Model) lastHop(c flow.Call, w, x, failedAt int) string {
	last := len(flow.Stages) - 1
	var label string
	switch {
	case failedAt == last:
		label = m.st.fail.Render("✗ " + string(c.Diag.Code))
	case c.Ringing && c.Latency.Instant[flow.StageCallKit]:
		label = m.st.ring.Render("◉ ringing · " + flow.InstantLabel)
	case c.Ringing:
		label = m.st.ring.Render("◉ ringing " + c.Latency.Label(flow.StageCallKit))
	case c.Stage == flow.StageCallKit:
		label = m.st.lanes[last].Render("● " + c.Latency.Label(flow.StageCallKit))
	default:
		return ""
	}
	start := max(0, min(x-ansi.StringWidth(label)+1, w-ansi.StringWidth(label)))
	return overlay(strings.Repeat(" ", w), start, label)
}

func endLabel(c flow.Call) string {
	switch {
	case c.Reason != "":
		return "CXCallEndedReason." + c.Reason
	case c.Latency.Total > 0 && len(c.Latency.CrossClock) > 0:
		return "measured " + flow.FormatDuration(c.Latency.Total) + " (cross-device hops apart)"
	case c.Latency.Total > 0:
		return "measured " + flow.FormatDuration(c.Latency.Total)
	}
	return ""
}

// crossArrow draws ╌╌label╌╌▶: a hop between two clocks, not a latency.
func crossArrow(label string, span int) string {
	return strings.ReplaceAll(arrow(label, span), "─", "╌")
}

// firstFit is the first label at most w cells wide, or the last one.
func firstFit(labels []string, w int) string {
	for _, l := range labels {
		if ansi.StringWidth(l) <= w {
			return l
		}
	}
	return labels[len(labels)-1]
}

// arrow draws ──label──▶ across span cells, dropping the dashes before the
// label when space is short.
func arrow(label string, span int) string {
	if span < 3 {
		return strings.Repeat("─", max(0, span))
	}
	n := span - len([]rune(label)) - 1
	if n < 0 {
		return strings.Repeat("─", span-1) + "▶"
	}
	l := n / 2
	return strings.Repeat("─", l) + label + strings.Repeat("─", n-l) + "▶"
}

// dotted draws ┈┈label┈┈▶: a hop that is a system call, not a latency.
func dotted(label string, span int) string {
	return strings.ReplaceAll(arrow(label, span), "─", "┈")
}

// overlay writes s over line starting at column x.
func overlay(line string, x int, s string) string {
	w := ansi.StringWidth(line)
	if x >= w {
		return line
	}
	sw := ansi.StringWidth(s)
	if x+sw > w {
		s = ansi.Truncate(s, w-x, "")
		sw = ansi.StringWidth(s)
	}
	return ansi.Truncate(line, x, "") + s + ansi.Cut(line, x+sw, w)
}

func centerText(s string, w int) string {
	if len(s) >= w {
		return s
	}
	l := (w - len(s)) / 2
	return strings.Repeat(" ", l) + s
}

func simulatedLine(sim map[string]time.Duration) string {
	if len(sim) == 0 {
		return ""
	}
	return strings.Join(flow.FormatSimulated(sim), " · ") + " (simulated)"
}
