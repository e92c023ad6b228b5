package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// filterState is the list's filter: the one applied, and while the user types
// after /, the input and the last filter that parsed, shown as they type.
type filterState struct {
	on     filter
	typing bool
	input  textinput.Model
	draft  filter
	err    string
	// status is the status line before typing, back after esc.
	status string
	failed bool
}

// shown is the filter the list draws with.
func (f filterState) shown() filter {
	if f.typing {
		return f.draft
	}
	return f.on
}

// filterHelp is the help line while typing a filter.
const filterHelp = "failed · stage:extension · code:NSE_NOT_RUN · !term · enter apply · esc cancel"

// openFilter starts typing a filter, from the one applied.
func (m Model) openFilter() (tea.Model, tea.Cmd) {
	in := textinput.New()
	in.Prompt = "/"
	s := textinput.DefaultStyles(m.dark)
	s.Cursor.Blink = false // a steady cursor: nothing to tick
	in.SetStyles(s)
	in.SetValue(m.flt.on.text)
	in.CursorEnd()
	cmd := in.Focus()
	m.help = false
	m.flt.input, m.flt.typing, m.flt.draft, m.flt.err = in, true, m.flt.on, ""
	m.flt.status, m.flt.failed = m.status, m.failed
	return m, cmd
}

// filterKey edits the filter being typed: enter applies it, esc drops the
// edit and keeps the filter applied before.
func (m Model) filterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "ctrl+c":
		return m, tea.Quit
	case "esc":
		m.flt.typing, m.flt.err = false, ""
		m.setStatus(m.flt.status, m.flt.failed)
		m.snapSel()
		return m, nil
	case "enter":
		if m.flt.err != "" {
			m.setStatus("filter: "+m.flt.err, true)
			return m, nil
		}
		m.flt.on, m.flt.typing = m.flt.draft, false
		m.snapSel()
		if m.flt.on.active() {
			m.setStatus(fmt.Sprintf("filter /%s: %d of %d calls · esc clears", m.flt.on.text, len(m.visible()), m.calls.Len()), false)
		} else {
			m.setStatus("filter cleared", false)
		}
		return m, nil
	}
	return m.filterEdit(msg)
}

// filterEdit hands a key or a paste (a trace id copied from a log) to the
// input and filters by what it now holds.
func (m Model) filterEdit(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	m.flt.input, cmd = m.flt.input.Update(msg)
	v := m.flt.input.Value()
	f, err := parseFilter(v)
	m.flt.err = ""
	if err != nil {
		// Mostly the word being typed (stage:): show what the others
		// filter meanwhile, and say what is wrong.
		m.flt.err = err.Error()
		if words := strings.Fields(v); len(words) > 0 {
			if g, err := parseFilter(strings.Join(words[:len(words)-1], " ")); err == nil {
				f = g
			}
		}
	}
	if err == nil || f.text != v {
		m.flt.draft = f
	}
	if m.flt.err != "" {
		m.setStatus("filter: "+m.flt.err, true)
	} else {
		m.setStatus(fmt.Sprintf("filter: %d of %d calls", len(m.visible()), m.calls.Len()), false)
	}
	return m, cmd
}

// clearFilter drops the filter applied; it reports whether there was one.
func (m *Model) clearFilter() bool {
	if !m.flt.on.active() {
		return false
	}
	m.flt.on = filter{}
	m.setStatus("filter cleared", false)
	return true
}

// snapSel moves the selection onto a call the filter shows, if any.
func (m *Model) snapSel() {
	if !m.flt.shown().active() {
		return
	}
	if s := m.visibleSel(m.visible()); s >= 0 {
		m.sel = s
	}
}

// shownSel is the selection the view draws: on a shown call, -1 if none.
func (m Model) shownSel() int {
	if !m.flt.shown().active() {
		return m.sel
	}
	return m.visibleSel(m.visible())
}

// listHead is the list's first line: the input while typing a filter, the
// filter and how many calls it shows once applied, else the list title.
func (m Model) listHead(w, shown int) string {
	count := fmt.Sprintf(" %d of %d", shown, m.calls.Len())
	switch {
	case m.flt.typing:
		in := m.flt.input
		in.SetWidth(max(1, w-len(count)-2))
		head := in.View()
		if m.flt.err != "" {
			return fit(head, w-2) + m.st.fail.Render(" ✗")
		}
		return fit(head, w-len(count)) + m.st.muted.Render(count)
	case m.flt.on.active():
		// The count first in width: a long filter is cut, never the count.
		count = " ·" + count + " calls"
		return m.st.accent.Render(ansi.Truncate("/"+m.flt.on.text, max(1, w-len(count)), "…")) + m.st.title.Render(count)
	}
	return m.listTitle()
}
