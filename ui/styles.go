package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/themes"
)

// styles are the theme's colours as Lip Gloss styles.
type styles struct {
	text, muted, accent, ok, warn, fail, ring, title, header, sel lipgloss.Style
	lanes                                                         [5]lipgloss.Style
}

// newStyles returns them by pointer: they are about 10 kB, and the Model
// that holds them is copied on every message (every event).
func newStyles(name string, dark, noColor bool) *styles {
	th, err := themes.Get(name, dark)
	if err != nil {
		th, _ = themes.Get("", dark)
	}
	s := lipgloss.NewStyle()
	if noColor {
		b := s.Bold(true)
		return &styles{text: s, muted: s, accent: b, ok: s, warn: b, fail: b, ring: b, title: b, header: b, sel: s.Reverse(true),
			lanes: [5]lipgloss.Style{b, b, b, b, b}}
	}
	st := styles{
		text:   s.Foreground(th.Text),
		muted:  s.Foreground(th.Muted),
		accent: s.Foreground(th.Accent).Bold(true),
		ok:     s.Foreground(th.OK),
		warn:   s.Foreground(th.Warn),
		fail:   s.Foreground(th.Fail).Bold(true),
		ring:   s.Foreground(th.Ring).Bold(true),
		title:  s.Foreground(th.Accent).Bold(true),
		header: s.Foreground(th.Text).Bold(true),
		sel:    s.Reverse(true),
	}
	for i, c := range th.Lanes {
		st.lanes[i] = s.Foreground(c).Bold(true)
	}
	return &st
}

// outcome renders a call's state in a word, coloured.
func (st styles) outcome(c flow.Call) string {
	switch {
	case c.Ringing:
		return st.ring.Render("ringing")
	case c.Outcome == "":
		return st.muted.Render(string(c.Stage) + "…")
	case c.Outcome == flow.OutcomeFailed:
		where := ""
		if c.Diag != nil {
			where = "@" + string(c.Diag.Stage)
		}
		return st.fail.Render("failed" + where)
	case c.Outcome.Succeeded():
		return st.ok.Render(string(c.Outcome))
	case c.Outcome == flow.OutcomeAccepted:
		// APNs took it; whether it arrived, nothing here knows.
		return st.text.Render(string(c.Outcome))
	}
	return st.warn.Render(string(c.Outcome))
}
