package ui

import (
	"fmt"
	"strings"

	"github.com/callscope/callscope/flow"
)

// listLines renders the call list: newest at the bottom, the selection kept
// in view.
func (m Model) listLines(w, h int) []string {
	vis := m.visible() // the filter's calls (filter.go)
	out := []string{m.listHead(w, len(vis))}
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
		line := m.callRow(c, w)
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

func (m Model) callRow(c flow.Call, w int) string {
	kind := "call"
	switch c.Kind {
	case flow.KindMessage:
		kind = "msg "
	case "":
		// Seen only from APNs on: a server cannot tell a call from a message.
		kind = "push"
	}
	total := ""
	if c.Latency.Total > 0 {
		total = flow.FormatDuration(c.Latency.Total)
	}
	// time(8) kind(4) total(8) and four spaces leave the rest to the names
	// and the outcome; the names get at most half of it.
	whoW := max(9, (w-24)/2)
	who := c.From + "→" + c.To
	switch {
	case c.From == "" && c.To == "":
		who = "" // seen only from APNs on: nobody's names
	case len([]rune(who)) > whoW:
		who = user(c.From) + "→" + user(c.To)
	}
	at := c.Started.In(m.opts.Location).Format("15:04:05")
	if w < 44 {
		// The ladder shows the total; a narrow list keeps the outcome.
		return fmt.Sprintf("%s %s %s %s", at, kind, fit(who, whoW), m.st.outcome(c))
	}
	// Pad before styling: fmt would count the escape codes as width.
	return fmt.Sprintf("%s %s %s %s %s", at, kind, fit(who, whoW), m.st.muted.Render(fmt.Sprintf("%8s", total)), m.st.outcome(c))
}

// user is a handle without its domain: alice@example.org is alice.
func user(handle string) string {
	if i := strings.IndexByte(handle, '@'); i > 0 {
		return handle[:i]
	}
	return handle
}
