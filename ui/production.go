package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// confirmPrompt asks before the first push to production: it reaches a real
// user's phone, and the screen sends on a single key.
const confirmPrompt = "Send to PRODUCTION APNs? It reaches a real user's device. y/N"

// guardSend sends req, or, while production is the target and nothing was
// confirmed yet, holds it and asks first.
func (m Model) guardSend(req flow.Request) (Model, tea.Cmd) {
	return m.guardSendComposed(Composed{Req: req, Count: 1})
}

// confirmKey answers the production prompt: y sends the held request and
// every later one; any other key drops it.
func (m Model) confirmKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c := *m.confirming
	m.confirming = nil
	switch msg.String() {
	case "y", "Y":
		m.prodConfirmed = true
		m.setStatus("sending to production APNs", false)
		return m, m.sendComposed(c)
	case "ctrl+c":
		return m, tea.Quit
	}
	m.setStatus("not sent: production needs y to confirm", false)
	return m, nil
}

// targetBadge is the header's APNs target; red for as long as production
// is the target.
func (m Model) targetBadge() string {
	h := m.opts.Header
	switch {
	case h.Target == "":
		return ""
	case h.Production:
		return m.st.fail.Reverse(true).Render(" " + h.Target + " ")
	}
	return m.st.accent.Render(h.Target)
}

// targetBadgeShort is the badge when the header is full: production keeps
// its reverse video, which is what warns.
func (m Model) targetBadgeShort() string {
	h := m.opts.Header
	if h.Production {
		return m.st.fail.Reverse(true).Render(" PRODUCTION ")
	}
	return m.targetBadge()
}
