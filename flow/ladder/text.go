package ladder

import (
	"strings"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
)

// MinWidth is the narrowest ladder Text draws: six cells per lane.
const MinWidth = 6 * len(flow.Stages)

// Text draws the ladder in w columns (at least MinWidth) as plain lines:
// the lane titles, a row per hop with its arrow and label, the notes and
// the outcome. No colours or escape codes: it pastes into a ticket.
func (l Ladder) Text(w int) []string {
	w = max(w, MinWidth)
	lane := w / len(flow.Stages)
	center := func(i int) int { return i*lane + lane/2 }
	var names strings.Builder
	for _, s := range flow.Stages {
		names.WriteString(fit(centerText(s.Title(), lane), lane))
	}
	out := []string{strings.TrimRight(names.String(), " ")}
	for i, h := range l.Hops[:len(l.Hops)-1] {
		row := []rune(strings.Repeat(" ", w))
		for j := range flow.Stages {
			row[center(j)] = '│'
		}
		span := center(i+1) - center(i) - 1
		var s string
		switch h.Kind {
		case Failed, Pending:
			s = h.Label
		case Instant:
			s = strings.ReplaceAll(arrow(h.Label, span), "─", "┈")
		case Measured:
			s = arrow(h.Label, span)
		case Cross:
			s = strings.ReplaceAll(arrow(firstFit(h.Labels, span-1), span), "─", "╌")
		}
		out = append(out, strings.TrimRight(overlay(row, center(i)+1, s), " "))
	}
	if last := l.Hops[len(l.Hops)-1]; last.Kind != None {
		x := center(len(flow.Stages) - 1)
		n := utf8.RuneCountInString(last.Label)
		start := max(0, min(x-n+1, w-n))
		out = append(out, strings.TrimRight(overlay([]rune(strings.Repeat(" ", w)), start, last.Label), " "))
	}
	out = append(out, l.Notes...)
	end := l.Outcome
	if l.End != "" {
		end += " · " + l.End
	}
	return append(out, end)
}

// arrow draws ──label──▶ across span cells, dropping dashes when space is
// short.
func arrow(label string, span int) string {
	if span < 3 {
		return strings.Repeat("─", max(0, span))
	}
	n := span - utf8.RuneCountInString(label) - 1
	if n < 0 {
		return strings.Repeat("─", span-1) + "▶"
	}
	l := n / 2
	return strings.Repeat("─", l) + label + strings.Repeat("─", n-l) + "▶"
}

// firstFit is the first label at most w cells wide, or the last one.
func firstFit(labels []string, w int) string {
	for _, l := range labels {
		if utf8.RuneCountInString(l) <= w {
			return l
		}
	}
	return labels[len(labels)-1]
}

// overlay writes s over row from column x, cut at the row's end.
func overlay(row []rune, x int, s string) string {
	for _, r := range s {
		if x >= len(row) {
			break
		}
		row[x] = r
		x++
	}
	return string(row)
}

func centerText(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", (w-len(s))/2) + s
}

func fit(s string, w int) string {
	r := []rune(s)
	if len(r) > w {
		return string(r[:w])
	}
	return s + strings.Repeat(" ", w-len(r))
}
