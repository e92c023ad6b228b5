package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// pane is where keys go: the call list, the ladder or the call's events.
type pane int

const (
	paneCalls pane = iota
	paneLadder
	paneEvents
	panes
)

var paneNames = [panes]string{"calls", "ladder", "events"}

// readState is how the screen is being read: the focused pane, the event
// cursor in the selected call, and the event opened whole (inspect.go).
type readState struct {
	focus pane
	// trace is the call cur and top belong to: another call selected
	// starts again at its newest event.
	trace string
	// pinned: the reader moved the cursor; else it follows the newest event.
	pinned   bool
	cur, top int
	insp     *inspectState
}

// bodyLayout is View's arithmetic, shared with the mouse: the rows of the
// list/ladder, of the detail pane, and the list's width.
func (m Model) bodyLayout() (top, detail, listW int) {
	w, h := m.width, m.height
	top = minTop
	if h >= 36 {
		top = minTop + (h-36)/2 + 4
	}
	detail = h - 1 - top - latencyRows - 2
	if detail < 2 || m.help || m.compose != nil {
		// Tiny terminals drop the percentiles first; the help takes their
		// rows so that every key fits at 80×24.
		detail = h - 1 - top - 2
	}
	// Past what the ladder's lanes need, width goes to the list (full
	// names), not to wider lanes.
	return top, detail, max(min(44, w*2/5), w-1-maxLadderW)
}

// maxLadderW is the widest the ladder gets: five lanes of 14 cells hold
// every hop label and a diagnosis code.
const maxLadderW = 70

func (m *Model) cycleFocus(d int) {
	m.read.focus = (m.read.focus + pane(d) + panes) % panes
}

// markFocus marks the title line of the pane that has the keys: ▸ on its
// first cell when that is blank or there is room for it, so the mark holds
// with NO_COLOR too; else (a full list title, whose counts must not be cut)
// the title in reverse video.
func (m Model) markFocus(p pane, line string, w int) string {
	if m.read.focus != p {
		return line
	}
	switch plain := ansi.Strip(line); {
	case strings.HasPrefix(plain, " "):
		return m.st.accent.Render("▸") + ansi.TruncateLeft(line, 1, "")
	case ansi.StringWidth(plain)+2 <= w:
		return m.st.accent.Render("▸ ") + line
	default:
		return m.st.sel.Render(plain)
	}
}

// mouse selects what was clicked and scrolls what is under the wheel.
func (m Model) mouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	ms := msg.Mouse()
	if m.sheet != nil {
		if _, ok := msg.(tea.MouseWheelMsg); ok {
			m.scrollSheet(wheelStep(ms.Button) * 3)
		}
		return m, nil
	}
	if m.confirming != nil || m.compose != nil || m.width == 0 {
		return m, nil
	}
	if m.read.insp != nil {
		if _, ok := msg.(tea.MouseWheelMsg); ok {
			m.scrollInspect(wheelStep(ms.Button) * 3)
		}
		return m, nil
	}
	top, _, listW := m.bodyLayout()
	inTop := ms.Y >= 1 && ms.Y <= top
	switch msg.(type) {
	case tea.MouseWheelMsg:
		d := wheelStep(ms.Button)
		if d == 0 {
			return m, nil
		}
		if inTop && ms.X < listW {
			m.moveVisible(d)
		} else if ms.Y > top {
			m.moveEvent(d)
		}
	case tea.MouseClickMsg:
		if ms.Button != tea.MouseLeft {
			return m, nil
		}
		switch {
		case inTop && ms.X < listW:
			m.read.focus = paneCalls
			if i, ok := m.callAtRow(ms.Y-1, top); ok {
				m.sel, m.follow = i, i == m.calls.Len()-1
			}
		case inTop:
			m.read.focus = paneLadder
		case ms.Y > top:
			m.read.focus = paneEvents
			r := ms.Y - top - 1
			if first, _ := m.eventArea(); r >= 2 && r < first {
				m.openDiagnosis()
			} else if i, ok := m.eventAtRow(r); ok {
				m.setEvent(i)
			}
		}
	}
	return m, nil
}

func wheelStep(b tea.MouseButton) int {
	switch b {
	case tea.MouseWheelUp:
		return -1
	case tea.MouseWheelDown:
		return 1
	}
	return 0
}

// callAtRow is the call drawn on row r of the list (0 is its title), as
// listLines lays it out.
func (m Model) callAtRow(r, h int) (int, bool) {
	vis := m.visible() // the rows listLines draws: the filter's calls
	n, rows := len(vis), h-1
	pos := n - 1
	for j, i := range vis {
		if i == m.sel {
			pos = j
		}
	}
	first := max(0, min(pos-rows/2, n-rows))
	j := first + r - 1
	if r < 1 || j >= n {
		return 0, false
	}
	return vis[j], true
}

// readHelp is the key line while reading events or an opened event.
func (m Model) readHelp() string {
	switch {
	case m.read.insp != nil:
		return "j/k pgup/pgdn g/G scroll · esc back · q quit"
	case m.read.focus == paneEvents && !m.help:
		return "j/k pgup/pgdn g/G scroll · enter open · tab pane · q quit"
	}
	return ""
}

// openDiagnosis opens the event that carries the selected call's
// diagnosis: a click on the diagnosis reads it whole.
func (m *Model) openDiagnosis() {
	c, ok := m.selected()
	if !ok || c.Diag == nil {
		return
	}
	events := m.sortedEvents(c.TraceID)
	for i := len(events) - 1; i >= 0; i-- {
		if d := events[i].Diagnosis; d != nil && d.Code == c.Diag.Code && d.Stage == c.Diag.Stage {
			m.setEvent(i)
			m.openEvent()
			return
		}
	}
}
