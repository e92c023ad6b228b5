package ui

import (
	"strconv"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// composer edits a request before it is sent.
type composer struct {
	req   flow.Request
	field int // 0 kind, 1 video, 2 to, 3 text
	input textinput.Model
}

var composeFields = []string{"kind", "video", "to", "text"}

func newComposer(req flow.Request) *composer {
	c := &composer{req: req, input: textinput.New()}
	c.input.Prompt = ""
	c.input.CharLimit = 120
	return c
}

// editing reports whether the focused field takes text.
func (c *composer) editing() bool { return c.field >= 2 }

func (c *composer) focus(field int) tea.Cmd {
	c.commit()
	c.field = (field + len(composeFields)) % len(composeFields)
	if c.field == 3 && c.req.Kind != flow.KindMessage {
		c.field = (c.field + 1) % len(composeFields)
	}
	if !c.editing() {
		c.input.Blur()
		return nil
	}
	c.input.SetValue(c.value())
	c.input.CursorEnd()
	return c.input.Focus()
}

func (c *composer) value() string {
	if c.field == 3 {
		return c.req.Text
	}
	return c.req.To
}

// commit stores the text being edited.
func (c *composer) commit() {
	switch c.field {
	case 2:
		c.req.To = c.input.Value()
	case 3:
		c.req.Text = c.input.Value()
	}
}

func (m Model) composeKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c := m.compose
	switch msg.String() {
	case "esc":
		m.compose = nil
		m.setStatus("compose cancelled", false)
		return m, nil
	case "ctrl+c":
		return m, tea.Quit
	case "enter":
		c.commit()
		req := c.req
		m.compose = nil
		return m.guardSend(req)
	case "tab", "down":
		return m, c.focus(c.field + 1)
	case "shift+tab", "up":
		return m, c.focus(c.field - 1)
	}
	if c.editing() {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(msg)
		return m, cmd
	}
	switch msg.String() {
	case "space", "left", "right", "h", "l":
		if c.field == 0 {
			if c.req.Kind == flow.KindCall {
				c.req.Kind = flow.KindMessage
			} else {
				c.req.Kind = flow.KindCall
			}
		} else {
			c.req.Video = !c.req.Video
		}
	case "q":
		return m, tea.Quit
	}
	return m, nil
}

// lines renders the composer for the detail pane.
func (c *composer) lines(st *styles, width int) []string {
	mark := func(i int) string {
		if i == c.field {
			return st.accent.Render("›")
		}
		return " "
	}
	opt := func(on bool, s string) string {
		if on {
			return st.accent.Render("[" + s + "]")
		}
		return st.muted.Render(" " + s + " ")
	}
	video := "[ ]"
	if c.req.Video {
		video = "[x]"
	}
	to, text := c.req.To, c.req.Text
	if c.field == 2 {
		to = c.input.View()
	}
	if c.field == 3 {
		text = c.input.View()
	}
	out := []string{
		st.title.Render("Compose") + st.muted.Render("  tab next · space toggle · enter send · esc cancel"),
		mark(0) + " kind   " + opt(c.req.Kind == flow.KindCall, "call") + " " + opt(c.req.Kind == flow.KindMessage, "message"),
		mark(1) + " video  " + video,
		mark(2) + " to     " + to,
	}
	if c.req.Kind == flow.KindMessage {
		out = append(out, mark(3)+" text   "+text)
	}
	out = append(out, st.muted.Render("  from "+c.req.From+" · ttl "+strconv.Itoa(c.req.TTL)+" s · sealed for each of the callee's devices"))
	return out
}
