package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// sortedEvents are a call's events in time order: stages report from
// several goroutines, the pane reads in time order.
func (m Model) sortedEvents(trace string) []flow.Event {
	events := m.calls.Events(trace)
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	return events
}

// eventArea is where the selected call's events go in the detail pane: the
// row of the first line under the diagnosis, and how many rows there are.
func (m Model) eventArea() (first, rows int) {
	_, detail, _ := m.bodyLayout()
	first = 2 // the rule, the call's title
	if c, ok := m.selected(); ok && c.Diag != nil {
		first += len(m.diagnosisLines(*c.Diag, m.width))
	}
	return first, detail - first
}

// eventWindow places the cursor and the first event shown among n events
// in rows rows; shown is how many fit under the position line, drawn when
// not all do.
func (m Model) eventWindow(trace string, n, rows int) (cur, top, shown int) {
	shown = rows
	if n > rows {
		shown = rows - 1
	}
	if n == 0 || shown <= 0 {
		return 0, 0, max(0, shown)
	}
	r := m.read
	if r.trace != trace || !r.pinned {
		return n - 1, max(0, n-shown), shown
	}
	cur = min(max(r.cur, 0), n-1)
	top = min(max(r.top, 0), max(0, n-shown))
	if cur < top {
		top = cur
	}
	if cur >= top+shown {
		top = cur - shown + 1
	}
	return cur, top, shown
}

// eventLines are the selected call's events in rows rows: a window the
// reader scrolls, the newest in view until they do.
func (m Model) eventLines(c flow.Call, rows, w int) []string {
	events := m.sortedEvents(c.TraceID)
	cur, top, shown := m.eventWindow(c.TraceID, len(events), rows)
	var out []string
	notKept := max(0, c.Events-len(events))
	if len(events) > shown || notKept > 0 {
		pos := fmt.Sprintf("events %d–%d of %d", top+1, min(top+shown, len(events)), len(events))
		if notKept > 0 {
			// flow.Calls keeps a long call's first and latest events.
			pos += fmt.Sprintf(" (%d more not kept)", notKept)
		}
		if m.read.focus == paneEvents {
			pos += " · j/k pgup/pgdn g/G scroll"
		} else {
			pos += " · tab to events to scroll"
		}
		out = append(out, m.st.muted.Render("… "+pos))
	}
	// A phone's clock may be off by seconds: its events are offset from
	// its own first event, not from the call's start on this machine.
	since := map[string]time.Time{"": c.Started}
	for _, e := range events {
		if t, ok := since[e.Clock]; !ok || e.Time.Before(t) {
			since[e.Clock] = e.Time
		}
	}
	for i := top; i < len(events) && i < top+shown; i++ {
		line := m.eventLine(events[i], since[events[i].Clock], w)
		if i == cur && m.read.focus == paneEvents {
			// ▸ on the offset's first cell when blank, else before it: the
			// cursor shows with NO_COLOR and in a capture too.
			plain := stripped(line)
			if strings.HasPrefix(plain, " ") {
				plain = ansi.TruncateLeft(plain, 1, "")
			}
			line = m.st.sel.Render(fit("▸"+plain, w))
		}
		out = append(out, line)
	}
	return out
}

// eventsTitle is the detail pane's rule, named and marked when focused.
func (m Model) eventsTitle(w int) string {
	label := "─ events "
	if m.read.focus == paneEvents {
		label = "▸ events · enter opens one whole "
		return fit(m.st.accent.Render(label)+m.st.muted.Render(strings.Repeat("─", max(0, w-len([]rune(label))))), w)
	}
	return m.st.muted.Render(label + strings.Repeat("─", max(0, w-len([]rune(label)))))
}

// eventKey moves the event cursor or opens the event under it.
func (m Model) eventKey(k string) (Model, bool) {
	_, rows := m.eventArea()
	page := max(1, rows-2)
	switch k {
	case "j", "down":
		m.moveEvent(1)
	case "k", "up":
		m.moveEvent(-1)
	case "pgdown", "ctrl+d", "f":
		m.moveEvent(page)
	case "pgup", "ctrl+u", "b":
		m.moveEvent(-page)
	case "g", "home":
		m.setEvent(0)
	case "G", "end":
		m.read.pinned = false
	case "enter":
		m.openEvent()
	default:
		return m, false
	}
	return m, true
}

// moveEvent moves the cursor d events, keeping the window around it.
func (m *Model) moveEvent(d int) {
	c, ok := m.selected()
	if !ok {
		return
	}
	_, rows := m.eventArea()
	n := len(m.calls.Events(c.TraceID))
	cur, top, _ := m.eventWindow(c.TraceID, n, rows)
	m.read.trace, m.read.cur, m.read.top, m.read.pinned = c.TraceID, cur, top, true
	m.setEvent(cur + d)
}

// setEvent puts the cursor on event i of the selected call; on the newest
// it follows new events again.
func (m *Model) setEvent(i int) {
	c, ok := m.selected()
	if !ok {
		return
	}
	_, rows := m.eventArea()
	n := len(m.calls.Events(c.TraceID))
	if m.read.trace != c.TraceID {
		_, m.read.top, _ = m.eventWindow(c.TraceID, n, rows)
	}
	m.read.trace, m.read.cur, m.read.pinned = c.TraceID, min(max(i, 0), max(0, n-1)), true
	m.read.cur, m.read.top, _ = m.eventWindow(c.TraceID, n, rows)
	m.read.pinned = m.read.cur < n-1
}

// eventAtRow is the event drawn on row r of the detail pane (0 is its rule).
func (m Model) eventAtRow(r int) (int, bool) {
	c, ok := m.selected()
	if !ok {
		return 0, false
	}
	first, rows := m.eventArea()
	n := len(m.calls.Events(c.TraceID))
	_, top, shown := m.eventWindow(c.TraceID, n, rows)
	if n > shown || c.Events > n {
		first++ // the position line
	}
	i := top + r - first
	if r < first || i >= n || i >= top+shown {
		return 0, false
	}
	return i, true
}

// readKey handles the keys of reading: panes, the event cursor and the
// opened event. ok is false for keys it leaves to key.
func (m Model) readKey(msg tea.KeyPressMsg) (Model, bool) {
	k := msg.String()
	if m.read.insp != nil {
		return m.inspectKey(k)
	}
	switch k {
	case "tab":
		m.cycleFocus(1)
		return m, true
	case "shift+tab":
		m.cycleFocus(-1)
		return m, true
	}
	if m.read.focus == paneEvents && !m.help {
		return m.eventKey(k)
	}
	return m, false
}
