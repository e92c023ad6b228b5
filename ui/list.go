package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// listLines renders the call list: newest at the bottom, the selection kept
// in view.
func (m Model) listLines(w, h int) []string {
	vis := m.visible() // the filter's calls (filter.go)
	home := m.homeDomain(vis)
	head := m.listHead(w, len(vis))
	if at := " · @" + home; home != "" && !m.flt.typing && !m.flt.on.active() && ansi.StringWidth(head)+len(at)+2 <= w {
		// The domain the names leave out, where there is room to say it.
		head += m.st.muted.Render(at)
	}
	out := []string{head}
	rows := h - 1
	n := len(vis)
	if n == 0 {
		hint := "none yet: press n"
		switch {
		case m.flt.shown().active() && m.calls.Len() > 0:
			hint = "no call matches · esc clears"
		case m.opts.Observer:
			hint = "none yet: push to the mock"
		}
		out = append(out, m.st.muted.Render(hint))
		return pad(out, h)
	}
	pos := n - 1
	for j, i := range vis {
		if i == m.sel {
			pos = j
		}
	}
	first := max(0, min(pos-rows/2, n-rows))
	for j := first; j < n && len(out) < h; j++ {
		i := vis[j]
		c, _ := m.calls.At(i)
		line := m.callRow(c, w, home)
		if i == m.sel {
			line = m.st.sel.Render(fit(stripped(line), w))
		}
		out = append(out, line)
	}
	return pad(out, h)
}

// listTitle counts the requests: on screen (of all seen, once the oldest were
// dropped), then the finished ones by outcome, failures first.
func (m Model) listTitle() string {
	held := m.calls.Len()
	n := fmt.Sprintf("Calls (%d)", held)
	if m.tally.seen > held {
		n = fmt.Sprintf("Calls (%d of %d)", held, m.tally.seen)
	}
	var counts []string
	for _, o := range m.tally.outcomes() {
		s := fmt.Sprintf("%d %s", m.tally.n[o], o)
		if o == flow.OutcomeFailed {
			s = m.st.fail.Render(s)
		} else {
			s = m.st.muted.Render(s)
		}
		counts = append(counts, s)
	}
	if len(counts) == 0 {
		return m.st.title.Render(n)
	}
	return m.st.title.Render(n+":") + " " + strings.Join(counts, m.st.muted.Render(", "))
}

// callsDropped is the header's account of the calls the screen let go to
// stay within maxCalls, and of events that came for them after: "" while
// none were.
func (m Model) callsDropped() string {
	n := m.calls.Evicted()
	if n == 0 {
		return ""
	}
	s := flow.FormatCount(n) + " older calls dropped"
	if late := m.calls.Late(); late > 0 {
		s += ", " + flow.FormatCount(late) + " late events for them"
	}
	return m.st.warn.Render(s)
}

// callRow is one call in the list: time, kind, names, total and outcome.
// The outcome is never cut: it is drawn last, at the right, and the names
// take what it leaves (a failure drops "failed@" before the names drop
// below nameMin); the kind and total go on a narrow list.
// home is the domain the list leaves out of names (homeDomain).
func (m Model) callRow(c flow.Call, w int, home string) string {
	kind := "call"
	switch c.Kind {
	case flow.KindMessage:
		kind = "msg "
	case "":
		// Seen only from APNs on: a server cannot tell a call from a message.
		kind = "push"
	}
	at := c.Started.In(m.opts.Location).Format("15:04:05")
	head := at + " " + kind + " "
	total := ""
	if w < 44 {
		// A narrow list keeps the names: the kind is in the events
		// pane's title, the total on the ladder.
		head = at + " "
	} else {
		// Pad before styling: fmt would count the escape codes as width.
		s := ""
		if c.Latency.Total > 0 {
			s = flow.FormatDuration(c.Latency.Total)
		}
		total = " " + m.st.muted.Render(fmt.Sprintf("%8s", s))
	}
	nameMin := 9 // "alice→bob"
	if c.From == "" && c.To == "" {
		nameMin = 0 // seen only from APNs on: no names to keep room for
	}
	out := m.st.outcome(c, false)
	if rest := w - len(head) - ansi.StringWidth(total) - 1 - max(outcomeW, ansi.StringWidth(out)); rest < nameMin {
		out = m.st.outcome(c, true)
	}
	// The outcome in a column of its own width, so that the totals line up.
	outW := max(outcomeW, ansi.StringWidth(out))
	whoW := max(0, w-len(head)-ansi.StringWidth(total)-1-outW)
	return head + fit(shortWho(c.From, c.To, home, whoW), whoW) + total + " " + fit(out, outW)
}

// outcomeW is the width of the widest short outcome ("✗ extension"): the
// column the list keeps for outcomes.
const outcomeW = 11
