package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/themes"
)

// styles are the theme's colours as Lip Gloss styles.
type styles struct {
	text, muted, accent, ok, warn, fail, ring, title, header, sel lipgloss.Style
	// lanes are the stages' styles in flow.Stages order: a stage is drawn
	// in its own colour wherever it is named (list, ladder, events,
	// waterfall, inspect, percentiles). Use stage(s).
	lanes [5]lipgloss.Style
}

// failMark is the symbol that marks a failure beside its colour, so that a
// failure reads with NO_COLOR and to a reader who cannot tell the colours.
const failMark = "✗"

// newStyles returns them by pointer: they are about 10 kB, and the Model
// that holds them is copied on every message (every event).
func newStyles(th themes.Theme, noColor bool) *styles {
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
		title:  s.Foreground(th.Accent).Bold(true),
		header: s.Foreground(th.Text).Bold(true),
		sel:    s.Reverse(true),
	}
	for i, c := range th.Stages {
		st.lanes[i] = s.Foreground(c).Bold(true)
	}
	// Ringing is CallKit's doing: its colour.
	st.ring = st.lanes[len(st.lanes)-1]
	return &st
}

// stage is a stage's own style; text for a stage the screen does not know.
func (st styles) stage(s flow.Stage) lipgloss.Style {
	if i := s.Index(); i >= 0 && i < len(st.lanes) {
		return st.lanes[i]
	}
	return st.text
}

// outcome renders a call's state in a few words, coloured: a failure is
// "✗ failed@stage", the stage in its colour; short drops "failed@" for a
// narrow list, the mark still saying it failed.
func (st styles) outcome(c flow.Call, short bool) string {
	switch {
	case c.Ringing:
		return st.ring.Render("ringing")
	case c.Outcome == "":
		return st.stage(c.Stage).UnsetBold().Render(string(c.Stage) + "…")
	case c.Outcome == flow.OutcomeFailed:
		if c.Diag == nil {
			return st.fail.Render(failMark + " failed")
		}
		if short {
			return st.fail.Render(failMark+" ") + st.stage(c.Diag.Stage).Render(string(c.Diag.Stage))
		}
		return st.fail.Render(failMark+" failed@") + st.stage(c.Diag.Stage).Render(string(c.Diag.Stage))
	case c.Outcome.Succeeded():
		return st.ok.Render(string(c.Outcome))
	case c.Outcome == flow.OutcomeAccepted:
		// APNs took it; whether it arrived, nothing here knows.
		return st.text.Render(string(c.Outcome))
	}
	return st.warn.Render(string(c.Outcome))
}

// fromEnv is the options as the environment amends them for a real
// terminal: NO_COLOR (https://no-color.org) turns colour off. The Run
// functions apply it; tests build Models with the colours they ask for.
func fromEnv(o Options) Options {
	o.NoColor = o.NoColor || themes.NoColor()
	return o
}
