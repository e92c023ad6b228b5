package ui

import (
	"fmt"
	"strings"

	"github.com/callscope/callscope/flow"
)

// composeHelp is the key line while the composer is open.
const composeHelp = "tab field · ←/→ choose · type to edit · e preview · enter send · esc cancel"

// lines renders the composer for the detail pane: one row a field, the
// chosen scenario's declaration under it, and what the form cannot send.
func (c *composer) lines(st *styles, width int) []string {
	row := func(f int, v string) string {
		mark := " "
		if f == c.field {
			mark = st.accent.Render("›")
		}
		return fmt.Sprintf("%s %-9s%s", mark, composeFields[f], v)
	}
	opt := func(on bool, s string) string {
		if on {
			return st.accent.Render("[" + s + "]")
		}
		return st.muted.Render(" " + s + " ")
	}
	text := func(f int, v, empty string) string {
		if f == c.field {
			return c.input.View()
		}
		if v == "" {
			return st.muted.Render(empty)
		}
		return v
	}
	out := []string{st.title.Render("Compose") + st.muted.Render("  nothing is sent before enter · e previews the envelope")}
	s, scn := c.scenario()
	if len(c.choices.Scenarios) > 0 {
		v := st.muted.Render("none · ←/→ or type a name (" + fmt.Sprint(len(c.choices.Scenarios)) + " in callscope scenarios)")
		if scn {
			v = "‹ " + st.accent.Render(s.Name) + " › " + st.muted.Render(fmt.Sprintf("%d/%d", c.scn+1, len(c.choices.Scenarios)))
			if c.query != "" {
				v += st.muted.Render(" · “" + c.query + "”")
			}
			out = append(out, row(fScenario, v))
			for _, l := range wrapLines(scenarioLine(s), width-2) {
				out = append(out, "  "+st.muted.Render(l))
			}
		} else {
			if c.query != "" {
				v = st.fail.Render("no scenario has “"+c.query+"”") + st.muted.Render(" · backspace")
			}
			out = append(out, row(fScenario, v))
		}
	}
	video := "[ ]"
	if c.c.Req.Video {
		video = "[x]"
	}
	if scn {
		by := st.muted.Render(" (the scenario's)")
		if s.Video {
			video = "[x]"
		}
		out = append(out, row(fKind, string(s.Kind)+by), row(fVideo, video+by))
		if len(c.choices.Schemes) > 0 {
			out = append(out, row(fScheme, st.muted.Render("the scenario's")), row(fDevice, st.muted.Render("the scenario's devices")))
		}
	} else {
		out = append(out, row(fKind, opt(c.c.Req.Kind == flow.KindCall, "call")+" "+opt(c.c.Req.Kind == flow.KindMessage, "message")),
			row(fVideo, video))
		if len(c.choices.Schemes) > 0 {
			out = append(out, row(fScheme, "‹ "+st.accent.Render(c.c.Scheme)+" ›"),
				row(fDevice, text(fDevice, c.c.Device, "the screen's iPhone · a profile .toml or KEY=VALUE …")))
		}
	}
	if scn {
		out = append(out, row(fTo, st.muted.Render("the scenario's callee, text and ttl, as send --scenario runs it")))
	} else {
		out = append(out, row(fTo, text(fTo, c.c.Req.To, "")))
		if c.kind() == flow.KindMessage {
			out = append(out, row(fText, text(fText, c.c.Req.Text, "")))
		}
		ttl := text(fTTL, c.ttl, "")
		if c.field != fTTL {
			ttl += " s"
		}
		out = append(out, row(fTTL, ttl))
	}
	out = append(out, row(fCount, text(fCount, c.count, "")))
	if c.problem != "" {
		out = append(out, st.fail.Render("! "+c.problem))
	} else {
		out = append(out, st.muted.Render("  from "+c.c.Req.From+" · sealed for each of the callee's devices"))
	}
	return out
}

// scenarioLine is what a scenario declares, in one line.
func scenarioLine(s ScenarioChoice) string {
	want := "expects " + string(s.Outcome)
	if s.Code != "" {
		want = "fails at " + s.Stage + " " + s.Code
	}
	return strings.Join([]string{want, s.Source, s.Description}, " · ")
}
