package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/themes"
)

// Update routes messages: global keys here, compose keys to the composer.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = newStyles(m.themeName, m.dark, m.opts.NoColor)
	case EventMsg:
		m.apply(msg.Event)
	case sentMsg:
		if msg.err != nil {
			m.setStatus("send failed: "+msg.err.Error(), true)
		} else {
			m.setStatus("sent: trace "+short(msg.traceID, 8), false)
		}
	case actedMsg:
		if msg.err != nil {
			m.setStatus(msg.verb+" failed: "+msg.err.Error(), true)
		} else {
			m.setStatus(msg.verb+" call "+short(msg.callID, 8), false)
		}
	case tea.KeyPressMsg:
		if m.compose != nil {
			return m.composeKey(msg)
		}
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) setStatus(s string, failed bool) { m.status, m.failed = s, failed }

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "q", "ctrl+c":
		return m, tea.Quit
	case "?":
		m.help = !m.help
	case "esc":
		m.help = false
	case "n":
		m.help = false
		m.compose = newComposer(m.ctrl.Compose())
	case "enter":
		// enter without the composer open sends a call with the defaults.
		return m, m.send(m.ctrl.Compose())
	case "j", "down":
		m.move(1)
	case "k", "up":
		m.move(-1)
	case "g", "home":
		m.sel, m.follow = 0, false
	case "G", "end":
		m.sel, m.follow = max(0, len(m.order)-1), true
	case "a":
		return m, m.act("answered", m.ctrl.Answer)
	case "d":
		return m, m.act("declined", m.ctrl.Decline)
	case "t":
		m.themeName = themes.Next(m.themeName)
		m.st = newStyles(m.themeName, m.dark, m.opts.NoColor)
		m.setStatus("theme "+m.themeName, false)
	}
	return m, nil
}

func (m *Model) move(d int) {
	if len(m.order) == 0 {
		return
	}
	m.sel = min(max(m.sel+d, 0), len(m.order)-1)
	m.follow = m.sel == len(m.order)-1
}

func (m Model) send(req flow.Request) tea.Cmd {
	ctrl := m.ctrl
	return func() tea.Msg {
		id, err := ctrl.Send(req)
		return sentMsg{traceID: id, err: err}
	}
}

// act answers or declines the selected call if it rings, else the newest
// ringing call.
func (m *Model) act(verb string, f func(string) error) tea.Cmd {
	target := ""
	if c, ok := m.selected(); ok && c.Ringing {
		target = c.CallID
	} else {
		for i := len(m.order) - 1; i >= 0; i-- {
			if c, _ := m.calls.Get(m.order[i]); c.Ringing {
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

// apply folds an event into its call.
func (m *Model) apply(e flow.Event) {
	if m.opts.Observer && e.Outcome == "" && e.Diagnosis != nil && !e.Diagnosis.Warning {
		e.Outcome = flow.OutcomeFailed
	}
	before := m.calls.Len()
	c, ok := m.calls.Apply(e)
	if !ok {
		return
	}
	if m.calls.Len() > before {
		m.order = append(m.order, e.TraceID)
		if m.follow {
			m.sel = len(m.order) - 1
		}
		m.trim()
	}
	if c.Done() && !m.summarized[c.TraceID] {
		m.summarized[c.TraceID] = true
		m.summary.Add(c)
	}
	who := ""
	if c.From != "" || c.To != "" {
		who = strings.TrimSpace(c.From+" → "+c.To) + " · "
	}
	switch {
	case e.Outcome == flow.OutcomeFailed && c.Diag != nil:
		m.setStatus("failed: "+who+c.Diag.String(), true)
	case e.Outcome != "":
		m.setStatus(string(e.Outcome)+": "+strings.TrimSuffix(who, " · "), false)
	case e.Stage == flow.StageCallKit && e.Name == flow.NameRinging:
		m.setStatus("ringing: "+who+"a answer · d decline", false)
	}
}

// trim drops the oldest finished calls beyond maxCalls.
func (m *Model) trim() {
	for len(m.order) > maxCalls {
		drop := -1
		for i, id := range m.order {
			if c, _ := m.calls.Get(id); c.Done() {
				drop = i
				break
			}
		}
		if drop < 0 {
			return
		}
		m.calls.Forget(m.order[drop])
		delete(m.summarized, m.order[drop])
		m.order = append(m.order[:drop], m.order[drop+1:]...)
		if m.sel >= drop && m.sel > 0 {
			m.sel--
		}
	}
}

func (m Model) selected() (flow.Call, bool) {
	if m.sel < 0 || m.sel >= len(m.order) {
		return flow.Call{}, false
	}
	return m.calls.Get(m.order[m.sel])
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
