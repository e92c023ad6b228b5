package ui

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// The header is one line that is never cut: what is wrong (paused, the
// APNs target, drops, lint) stays, and the run's description gives way part
// by part, least useful first, rather than ending in "…". What gives way is
// listed in full under ? (runLines).

// aboutPart is one part of the run's description and how soon it gives way
// (lower goes first).
type aboutPart struct {
	text string
	keep int
}

// aboutRun is the run's description in header order.
func (m Model) aboutRun() []aboutPart {
	h := m.opts.Header
	return []aboutPart{
		{h.Mode, 4},      // what runs: a mock, a replay, a real APNs
		{h.Endpoints, 3}, // where pushes go
		{h.Device, 1},    // which simulated phone: the ladder shows what it did
		{h.Clock, 2},     // real or scaled time: the durations' meaning
		{"theme " + m.theme.Name(m.dark), 0},
	}
}

// alert is a header part that says what is wrong: it never gives way, but
// at 80 columns with every alert at once it says itself in its short form.
type alert struct {
	long, short string // rendered; short "" keeps long
	lost        uint64 // events this alert says were lost, for the merge
}

// fitHeader joins the alerts and as much of the description as fits w:
// the parts with the lowest keep go first, whole. Then the alerts drop
// their "(space resumes)"-like hints, then take their short forms, last
// first; ? and the status line say the rest. Only when even that is too
// wide is the line cut.
func (m Model) fitHeader(w int, alerts []alert, about []aboutPart) string {
	sep := m.st.muted.Render(" · ")
	fixed := make([]string, len(alerts))
	for i, a := range alerts {
		fixed[i] = a.long
	}
	drop := make([]bool, len(about))
	join := func() string {
		parts := append([]string(nil), fixed...)
		for i, a := range about {
			if a.text != "" && !drop[i] {
				parts = append(parts, m.st.muted.Render(a.text))
			}
		}
		return strings.Join(parts, sep)
	}
	for line := join(); ansi.StringWidth(line) > w; line = join() {
		worst := -1
		for i, a := range about {
			if !drop[i] && a.text != "" && (worst < 0 || a.keep < about[worst].keep) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		drop[worst] = true
	}
	for i := len(fixed) - 1; i >= 0 && ansi.StringWidth(join()) > w; i-- {
		fixed[i] = trailingHint.ReplaceAllString(fixed[i], "$1")
	}
	for i := len(fixed) - 1; i >= 0 && ansi.StringWidth(join()) > w; i-- {
		if alerts[i].short != "" {
			fixed[i] = alerts[i].short
		}
	}
	if ansi.StringWidth(join()) > w {
		fixed = m.mergeLosses(alerts, fixed)
	}
	return fit(join(), w)
}

// mergeLosses puts every lost-events alert into one, "⚠ N lost", where
// the first of them was: each output's count is under ?.
func (m Model) mergeLosses(alerts []alert, fixed []string) []string {
	var total uint64
	first := -1
	for i, a := range alerts {
		if a.lost > 0 {
			total += a.lost
			if first < 0 {
				first = i
			}
		}
	}
	if first < 0 {
		return fixed
	}
	var out []string
	for i, f := range fixed {
		switch {
		case i == first:
			out = append(out, m.st.fail.Render("⚠ "+flow.FormatCount(total)+" lost"))
		case alerts[i].lost == 0:
			out = append(out, f)
		}
	}
	return out
}

// trailingHint is a part's closing " (…)", before the style's reset.
var trailingHint = regexp.MustCompile(` \([^()]*\)((?:\x1b\[[0-9;]*m)*)$`)

// runLines are the run's description in full for the help: the header
// may have let some of it go.
func (m Model) runLines(w int) []string {
	var parts []string
	for _, a := range m.aboutRun() {
		if a.text != "" {
			parts = append(parts, a.text)
		}
	}
	return wrapLines(m.st.title.Render("Run: ")+strings.Join(parts, " · "), w)
}
