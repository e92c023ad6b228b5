package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// Update routes messages: global keys here, compose keys to the composer.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = newStyles(m.theme.Theme(m.dark), m.opts.NoColor)
	case EventMsg:
		m.applyLive(msg.Event, msg.Outside || m.opts.Observer)
	case eventsMsg:
		for _, e := range msg.events {
			m.applyLive(e, msg.outside || m.opts.Observer)
		}
	case sentMsg:
		m.sentDone(msg) // compose_send.go
	case previewMsg:
		m.previewDone(msg) // preview.go
	case actedMsg:
		if msg.err != nil {
			m.setStatus(msg.verb+" failed: "+msg.err.Error(), true)
		} else {
			m.setStatus(msg.verb+" call "+short(msg.callID, 8), false)
		}
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m.mouse(msg.(tea.MouseMsg))
	case tea.PasteMsg:
		if m.flt.typing {
			return m.filterEdit(msg)
		}
	case tea.KeyPressMsg:
		if m.flt.typing {
			return m.filterKey(msg) // filter.go: every key is text
		}
		if m.confirming != nil {
			return m.confirmKey(msg)
		}
		if m.sheet != nil {
			return m.sheetKey(msg) // preview.go: over the form too
		}
		if m.compose != nil {
			return m.composeKey(msg)
		}
		if next, ok := m.readKey(msg); ok {
			return next, nil
		}
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) setStatus(s string, failed bool) { m.status, m.failed = s, failed }

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if !actsOn(msg.String(), m.mode) {
		// Not offered here (keys.go): say why rather than do nothing.
		m.setStatus(cannotAct(m.mode), m.mode != ModeDemo)
		return m, nil
	}
	m.snapSel() // act on a call the filter shows (filter.go)
	switch msg.String() {
	case "q", "ctrl+c":
		return m, tea.Quit
	case "?":
		m.help = !m.help
	case "esc":
		if !m.help {
			m.clearFilter()
		}
		m.help = false
	case "/":
		return m.openFilter()
	case "space":
		m.togglePause() // pause.go
	case "n":
		m.help = false
		m.compose = newComposer(m.ctrl.Compose(), m.choices())
		m.setStatus("compose: nothing is sent before enter", false)
	case "enter":
		// enter without the composer open sends a call with the defaults.
		return m.guardSend(m.ctrl.Compose())
	case "j", "down":
		m.moveVisible(1)
	case "k", "up":
		m.moveVisible(-1)
	case "g", "home":
		m.sel, m.follow = 0, false
	case "G", "end":
		m.sel, m.follow = max(0, m.calls.Len()-1), true
	case "e":
		// e without the composer open previews a call with the defaults.
		return m, m.preview(Composed{Req: m.ctrl.Compose(), Count: 1})
	case "r":
		return m.resend() // compose_send.go
	case "y":
		return m.copyCurl() // curl.go
	case "a":
		return m, m.act("answered", m.ctrl.Answer)
	case "d":
		return m, m.act("declined", m.ctrl.Decline)
	case "w":
		m.waterfall = !m.waterfall
	case "t":
		m.theme = m.theme.Next(m.dark)
		m.st = newStyles(m.theme.Theme(m.dark), m.opts.NoColor)
		m.setStatus("theme "+m.theme.Name(m.dark), false)
	}
	return m, nil
}

// act answers or declines the selected call if it rings, else the newest
// ringing call.
func (m *Model) act(verb string, f func(string) error) tea.Cmd {
	// An observed call rings on a phone this screen does not drive.
	target := ""
	if c, ok := m.selected(); ok && c.Ringing && !c.Observed {
		target = c.CallID
	} else {
		// A key press, not an event: a scan of the calls held is fine.
		for i := m.calls.Len() - 1; i >= 0; i-- {
			if c, _ := m.calls.At(i); c.Ringing && !c.Observed {
				target = c.CallID
				break
			}
		}
	}
	if target == "" {
		m.setStatus("no call is ringing", true)
		return nil
	}
	return func() tea.Msg { return actedMsg{verb: verb, callID: target, err: f(target)} }
}

// apply folds an event into its call. observed: no sender on this screen
// concludes the call, its events do (flow.Calls.AddObserved). Its cost does
// not grow with the calls held: a lookup by trace id, at most one eviction,
// and the totals moved by this call alone.
func (m *Model) apply(e flow.Event, observed bool) {
	was, held := m.calls.Peek(e.TraceID)
	evicted := m.calls.Evicted()
	var ok bool
	if observed {
		ok = m.calls.AddObserved(e)
	} else {
		ok = m.calls.Add(e)
	}
	if !ok {
		return
	}
	// Only a finished call's latency counts (latencyStats): an open one's
	// waits until the list draws it.
	c, _ := m.calls.Peek(e.TraceID)
	if c.Done() {
		c, _ = m.calls.Get(e.TraceID)
	}
	if !held {
		m.tally.seen++
	}
	if m.follow {
		m.sel = m.calls.Len() - 1
	} else {
		// The oldest calls left: the selection stays on its call while it
		// is held, then on the oldest.
		m.sel = max(0, m.sel-int(m.calls.Evicted()-evicted))
	}
	if m.pick == e.TraceID {
		m.selectTrace(e.TraceID) // compose_send.go
	}
	m.tally.set(c)
	m.lat.set(c)
	who := strings.TrimSpace(c.From + " → " + c.To)
	if c.From == "" && c.To == "" {
		// Seen from APNs on: nobody's names, the push's id.
		who = "push " + short(c.TraceID, 8)
		if c.ApnsID != "" {
			who = "push " + c.ApnsID
		}
	}
	switch {
	case c.Outcome == was.Outcome && !(c.Ringing && !was.Ringing):
	case c.Outcome == flow.OutcomeFailed && c.Diag != nil:
		m.setStatus("failed: "+who+" · "+c.Diag.String(), true)
	case c.Ringing && c.Observed:
		m.setStatus("ringing: "+who, false)
	case c.Ringing:
		m.setStatus("ringing: "+who+" · a answer · d decline", false)
	case c.Outcome != "":
		m.setStatus(string(c.Outcome)+": "+who, false)
	}
}

func (m Model) selected() (flow.Call, bool) {
	return m.calls.At(m.sel)
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
