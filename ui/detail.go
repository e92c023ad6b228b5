package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// detailLines is the pane under the ladder: the composer while composing, the
// help while it is open, else the selected call's diagnosis and events.
func (m Model) detailLines(w, h int) []string {
	if h <= 0 {
		return nil
	}
	rule := m.st.muted.Render(strings.Repeat("─", w))
	if m.compose == nil && !m.help {
		rule = m.eventsTitle(w)
	}
	switch {
	case m.compose != nil:
		return pad(append([]string{rule}, m.compose.lines(m.st, w)...), h)
	case m.help:
		return pad(append([]string{rule}, m.helpLines(w)...), h)
	}
	c, ok := m.selected()
	if !ok {
		// Nothing to show yet but the lint, which explains what will fail.
		return pad(append([]string{rule, m.st.muted.Render("no call selected")}, m.lintLines(w)...), h)
	}
	out := []string{rule, m.callTitle(c)}
	if c.Diag != nil {
		out = append(out, m.diagnosisLines(*c.Diag, w)...)
	}
	if rows := h - len(out); rows > 0 {
		out = append(out, m.eventLines(c, rows, w)...)
	}
	return pad(out, h)
}

func (m Model) callTitle(c flow.Call) string {
	parts := []string{m.st.title.Render(strings.ToUpper(string(orCall(c.Kind))))}
	if c.From != "" || c.To != "" {
		// In full: the list shortens names (names.go).
		parts[0] += " " + c.From + " → " + c.To
	}
	if c.CallID != "" {
		parts = append(parts, "uuid "+c.CallID)
	}
	parts = append(parts, "trace "+c.TraceID)
	if c.ApnsID != "" {
		parts = append(parts, "apns-id "+c.ApnsID)
	}
	return strings.Join(parts, m.st.muted.Render(" · "))
}

func orCall(k flow.Kind) flow.Kind {
	if k == "" {
		return flow.KindCall
	}
	return k
}

func (m Model) diagnosisLines(d flow.Diagnosis, w int) []string {
	mark, style := "✗ ", m.st.fail
	if d.Warning {
		mark, style = "! warning ", m.st.warn
	}
	head := ": " + string(d.Code)
	if d.Apple != "" {
		head += " (" + d.Apple + ")"
	}
	// The stage in its own colour, as everywhere; the mark says failed.
	out := []string{fit(style.Render(mark)+m.st.stage(d.Stage).Render(string(d.Stage))+style.Render(head), w)}
	if d.Detail != "" {
		out = append(out, "  "+d.Detail)
	}
	if d.Hint != "" {
		out = append(out, m.st.warn.Render("  hint: "+d.Hint))
	}
	return out
}

// eventLine is one event: offset from the call's start, stage, name, its
// duration (marked when simulated) and its attributes.
func (m Model) eventLine(e flow.Event, since time.Time, w int) string {
	off := "+" + flow.FormatDuration(max(0, e.Time.Sub(since)))
	dur := ""
	switch {
	case e.Simulated:
		dur = flow.FormatDuration(e.Duration) + " sim"
	case e.Instant:
		dur = flow.InstantLabel
	case e.Duration > 0:
		dur = flow.FormatDuration(e.Duration)
	}
	lane := m.st.text
	if i := e.Stage.Index(); i >= 0 {
		lane = m.st.lanes[i]
	}
	// Pad before styling: escape codes have no width but fmt counts them.
	name := fmt.Sprintf("%-26s", e.Name)
	switch d := e.Diagnosis; {
	case d != nil && d.Warning:
		name = m.st.warn.Render(fmt.Sprintf("%-26s", "! "+e.Name))
	case d != nil:
		// A colour and a mark: the failure reads without colour too.
		name = m.st.fail.Render(fmt.Sprintf("%-26s", failMark+" "+e.Name))
	}
	line := fmt.Sprintf("%9s %s %s %11s ", off, lane.Render(fmt.Sprintf("%-9s", e.Stage)), name, dur)
	if rest := w - ansi.StringWidth(line); rest > 3 {
		// Another machine's clock (a real phone's): its offset is not on
		// the same time line as this machine's events.
		clock := ""
		if e.Clock != "" {
			clock = "clock=" + e.Clock + " (+ from its first event) "
		}
		line += m.st.muted.Render(ansi.Truncate(clock+attrText(e.Attrs, rest), rest, "…"))
	}
	return line
}

func attrText(attrs map[string]string, w int) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + attrs[k])
		if b.Len() > w {
			break
		}
	}
	return b.String()
}

// helpLines: the lint and the losses first (the header sends people here
// for them), then the keys this screen acts on, then how to read the
// numbers.
func (m Model) helpLines(w int) []string {
	keys := helpKeys(m.mode) // only the keys that act on this screen (keys.go)
	out := append(m.lintLines(w), m.lossLines(w)...)
	out = append(out, m.st.title.Render("Keys"))
	for _, k := range keys {
		out = append(out, fit(m.st.accent.Render(fmt.Sprintf("  %-8s", k[0]))+" "+k[1], w))
	}
	out = append(out,
		m.st.muted.Render(fit("Hop labels are measured latency; simulated iPhone time is shown apart (sim:).", w)),
		m.st.muted.Render(fit("Percentiles: connected calls (APNs-only pushes: accepted); failures apart.", w)))
	if m.opts.Observer || m.opts.Outside != nil {
		out = append(out, m.st.muted.Render(fit("accepted: APNs answered 200 (accepted, not delivered) and no device said more.", w)),
			m.st.muted.Render(fit("╌~12ms╌▶ / clock skew: a hop from this machine's clock to a phone's; not a latency.", w)))
	}
	return append(out, m.runLines(w)...)
}

// lintLines list the profile lint, one warning a line, or nothing.
func (m Model) lintLines(w int) []string {
	ws := m.opts.Header.Lint
	if len(ws) == 0 {
		return nil
	}
	out := []string{m.st.warn.Render(fit(fmt.Sprintf("Lint: %d device profile precondition%s broken before any push (docs/failures.md)",
		len(ws), map[bool]string{true: "", false: "s"}[len(ws) == 1]), w))}
	for _, x := range ws {
		out = append(out, fit(m.st.warn.Render("  ⚠ "+x.ID)+" "+x.Field+" ("+x.Device+"): "+x.Detail, w))
	}
	return out
}

// stripped removes styling so a row can be re-rendered as selected.
func stripped(s string) string { return ansi.Strip(s) }
