package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// Layout heights that do not depend on the terminal.
const (
	latencyRows = 5 // what is ranked, stage header, p50, p95, p99
	minTop      = 8 // lane names, four hops, CallKit, simulated time, outcome
)

// View lays the parts out to fill the terminal exactly.
func (m Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "callscope"
	v.MouseMode = tea.MouseModeCellMotion // click to select, wheel to scroll (focus.go)
	if m.width == 0 || m.height == 0 {
		v.SetContent("starting callscope…")
		return v
	}
	w, h := m.width, m.height
	m.sel = m.shownSel() // the ladder and events of a call the filter shows
	top, detail, listW := m.bodyLayout()
	var rows []string
	rows = append(rows, m.headerLine(w))
	if m.sheet != nil {
		// A preview or a push as curl takes the body, read whole (preview.go).
		rows = append(rows, m.sheetLines(w, m.inspectRows())...)
		rows = append(rows, m.statusLine(w), m.helpLine(w))
		for i := range rows {
			rows[i] = fit(rows[i], w)
		}
		v.SetContent(strings.Join(rows[:h], "\n"))
		return v
	}
	if m.read.insp != nil {
		// An opened event takes the body: read whole, esc back (inspect.go).
		rows = append(rows, m.inspectLines(w, m.inspectRows())...)
		rows = append(rows, m.statusLine(w), m.helpLine(w))
		for i := range rows {
			rows[i] = fit(rows[i], w)
		}
		v.SetContent(strings.Join(rows[:h], "\n"))
		return v
	}
	if help := m.helpLines(w); m.help && len(help)+1 > detail {
		// The help does not fit under the panes (80×24): it takes the body,
		// so that every key it lists can be read.
		rows = append(rows, pad(append([]string{m.st.muted.Render(strings.Repeat("─", w))}, help...), h-3)...)
		rows = append(rows, m.statusLine(w), m.helpLine(w))
		for i := range rows {
			rows[i] = fit(rows[i], w)
		}
		v.SetContent(strings.Join(rows[:h], "\n"))
		return v
	}
	ladderW := w - listW - 1
	left := m.listLines(listW, top)
	right := m.ladderLines(ladderW, top)
	if m.waterfall {
		right = m.waterfallLines(ladderW, top)
	}
	left[0], right[0] = m.markFocus(paneCalls, left[0], listW), m.markFocus(paneLadder, right[0], ladderW)
	sep := m.st.muted.Render("│")
	for i := 0; i < top; i++ {
		rows = append(rows, fit(left[i], listW)+sep+fit(right[i], ladderW))
	}
	rows = append(rows, m.detailLines(w, detail)...)
	if h-1-top-detail-2 >= latencyRows {
		rows = append(rows, m.latencyLines(w)...)
	}
	rows = append(rows, m.statusLine(w), m.helpLine(w))
	for len(rows) < h {
		rows = append(rows, "")
	}
	for i := range rows {
		rows[i] = fit(rows[i], w)
	}
	v.SetContent(strings.Join(rows[:h], "\n"))
	return v
}

// fit truncates or pads a styled line to exactly w cells.
func fit(s string, w int) string {
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// pad fills lines up to n.
func pad(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines[:n]
}

func (m Model) headerLine(w int) string {
	parts := []alert{{long: m.st.title.Render("callscope")}}
	if m.pause != nil {
		since := flow.FormatCount(m.pause.since)
		parts = append(parts, alert{long: m.pauseBadge(), short: m.st.warn.Render("⏸ paused +" + since)})
	}
	if b := m.targetBadge(); b != "" {
		parts = append(parts, alert{long: b, short: m.targetBadgeShort()})
	}
	// Before the run's description, which gives way at 80 columns
	// (header.go): these say what is wrong.
	parts = append(parts, m.eventLosses()...)
	if lint := m.lintSummary(); lint != "" {
		parts = append(parts, alert{long: m.st.warn.Render(lint), short: m.st.warn.Render("⚠ " + strconv.Itoa(len(m.opts.Header.Lint)) + " lint")})
	}
	if s := m.callsDropped(); s != "" {
		parts = append(parts, alert{long: s, short: m.st.warn.Render(flow.FormatCount(m.calls.Evicted()) + " calls dropped")})
	}
	return m.fitHeader(w, parts, m.aboutRun())
}

// eventLosses are the header's alerts for the events the run lost: those
// the bus dropped and each output's (Options.Lost). Their short forms
// leave out what was lost: ? says it (lossLines).
func (m Model) eventLosses() []alert {
	var parts []alert
	if n := m.droppedEvents(); n > 0 {
		parts = append(parts, alert{m.st.fail.Render("⚠ " + flow.FormatCount(n) + " events dropped"),
			m.st.fail.Render("⚠ " + flow.FormatCount(n) + " dropped"), n})
	}
	for _, l := range m.opts.Lost {
		if n := l.Count(); n > 0 {
			parts = append(parts, alert{m.st.fail.Render("⚠ " + flow.FormatCount(n) + " events " + l.What),
				m.st.fail.Render("⚠ " + flow.FormatCount(n) + " lost"), n})
		}
	}
	return parts
}

// lossLines are the header's losses in full, for the help: a full header
// at 80 columns says only how many.
func (m Model) lossLines(w int) []string {
	var out []string
	for _, a := range m.eventLosses() {
		out = append(out, fit(a.long, w))
	}
	if s := m.callsDropped(); s != "" {
		out = append(out, fit(s, w))
	}
	return out
}

// lintSummary is the header's account of the profile lint: the ids, the
// field when there is one, and where the rest is.
func (m Model) lintSummary() string {
	ws := m.opts.Header.Lint
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return "⚠ lint " + ws[0].ID + " " + ws[0].Field + " (? lists it)"
	}
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	return fmt.Sprintf("⚠ %d lint: %s (? lists them)", len(ws), strings.Join(ids, " "))
}

func (m Model) droppedEvents() uint64 {
	if m.dropped == nil {
		return 0
	}
	return m.dropped()
}

func (m Model) statusLine(w int) string {
	if m.failed {
		return fit(m.st.fail.Render("! "+m.status), w)
	}
	return fit(m.st.text.Render(m.status), w)
}

func (m Model) helpLine(w int) string {
	if m.confirming != nil {
		return fit(m.st.fail.Render("y send to production · any other key: do not send"), w)
	}
	if m.flt.typing {
		return fit(m.st.muted.Render(filterHelp), w)
	}
	if m.sheet != nil {
		return fit(m.st.muted.Render(m.sheetHelp()), w)
	}
	if m.compose != nil {
		return fit(m.st.muted.Render(composeHelp), w)
	}
	if k := m.readHelp(); k != "" {
		return fit(m.st.muted.Render(k), w)
	}
	return m.st.muted.Render(keyLine(w, shortKeys(m.mode)...))
}

// keyLine is the bottom line of keys: the keys given, most useful first,
// as many as fit in w, and then always "? help · q quit", so a narrow
// terminal never hides how to get help or out (? lists every key).
func keyLine(w int, keys ...string) string {
	const tail = "? help · q quit"
	for n := len(keys); n >= 0; n-- {
		line := strings.Join(append(keys[:n:n], tail), " · ")
		if ansi.StringWidth(line) <= w || n == 0 {
			return fit(line, w)
		}
	}
	return fit(tail, w)
}
