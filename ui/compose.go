package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
)

// The composer's fields, in tab order.
const (
	fScenario = iota
	fKind
	fVideo
	fScheme
	fDevice
	fTo
	fText
	fTTL
	fCount
	nFields
)

var composeFields = [nFields]string{"scenario", "kind", "video", "scheme", "device", "to", "text", "ttl", "count"}

// maxCount bounds count: a form is for a few calls, `callscope send
// --count` is for load.
const maxCount = 100

// composer edits a request and how to run it before it is sent. The choice
// fields (scenario, scheme) and toggles (kind, video) take ←/→; the rest
// are text. A chosen scenario decides kind, video, scheme and the device:
// those fields step aside.
type composer struct {
	c       Composed
	choices ComposeChoices
	field   int
	input   textinput.Model
	// scn indexes choices.Scenarios, -1 for none; query is what was typed
	// on the scenario field to find one.
	scn   int
	query string
	// ttl and count as typed, checked on send; problem is the last check's
	// complaint, shown in the form.
	ttl, count string
	problem    string
}

func newComposer(req flow.Request, choices ComposeChoices) *composer {
	c := &composer{c: Composed{Req: req, Count: 1}, choices: choices, input: textinput.New(), scn: -1,
		ttl: strconv.Itoa(req.TTL), count: "1"}
	if len(choices.Schemes) > 0 {
		c.c.Scheme = choices.Schemes[0]
	}
	c.input.Prompt = ""
	c.input.CharLimit = 200
	c.field = -1
	c.focus(0, 1)
	return c
}

// scenario is the chosen scenario, if any.
func (c *composer) scenario() (ScenarioChoice, bool) {
	if c.scn < 0 || c.scn >= len(c.choices.Scenarios) {
		return ScenarioChoice{}, false
	}
	return c.choices.Scenarios[c.scn], true
}

// enabled reports whether field f takes input now.
func (c *composer) enabled(f int) bool {
	_, scn := c.scenario()
	staged := len(c.choices.Scenarios) > 0 || len(c.choices.Schemes) > 0
	switch f {
	case fScenario:
		return len(c.choices.Scenarios) > 0
	case fKind, fVideo:
		return !scn
	case fScheme, fDevice:
		return staged && !scn
	case fText:
		return c.kind() == flow.KindMessage && !scn
	case fTo, fTTL:
		return !scn // a scenario runs as `send --scenario` runs it
	}
	return true
}

// kind is the request's kind: the scenario's when one is chosen.
func (c *composer) kind() flow.Kind {
	if s, ok := c.scenario(); ok {
		return s.Kind
	}
	return c.c.Req.Kind
}

// editing reports whether the focused field takes text.
func (c *composer) editing() bool {
	switch c.field {
	case fDevice, fTo, fText, fTTL, fCount:
		return true
	}
	return false
}

// focus moves to the next enabled field from f in direction d (±1).
func (c *composer) focus(f, d int) tea.Cmd {
	c.commit()
	for i := 0; i < nFields; i++ {
		f = (f + nFields) % nFields
		if c.enabled(f) {
			break
		}
		f += d
	}
	c.field = f
	if !c.editing() {
		c.input.Blur()
		return nil
	}
	c.input.SetValue(c.value())
	c.input.CursorEnd()
	return c.input.Focus()
}

func (c *composer) value() string {
	switch c.field {
	case fDevice:
		return c.c.Device
	case fText:
		return c.c.Req.Text
	case fTTL:
		return c.ttl
	case fCount:
		return c.count
	}
	return c.c.Req.To
}

// commit stores the text being edited.
func (c *composer) commit() {
	v := c.input.Value()
	switch c.field {
	case fDevice:
		c.c.Device = strings.TrimSpace(v)
	case fTo:
		c.c.Req.To = strings.TrimSpace(v)
	case fText:
		c.c.Req.Text = v
	case fTTL:
		c.ttl = strings.TrimSpace(v)
	case fCount:
		c.count = strings.TrimSpace(v)
	}
}

// composed checks the form and returns what it sends, or the one line
// that says which field is wrong.
func (c *composer) composed() (Composed, error) {
	c.commit()
	out := c.c
	ttl, err := strconv.Atoi(c.ttl)
	if err != nil || ttl < 1 || ttl > envelope.MaxTTL {
		return out, fmt.Errorf("ttl %q: want whole seconds from 1 to %d (the envelope's limit)", c.ttl, envelope.MaxTTL)
	}
	n, err := strconv.Atoi(c.count)
	if err != nil || n < 1 || n > maxCount {
		return out, fmt.Errorf("count %q: want 1 to %d (callscope send --count for more)", c.count, maxCount)
	}
	if out.Req.To == "" {
		return out, fmt.Errorf("to: the callee's handle must not be empty")
	}
	out.Req.TTL, out.Count = ttl, n
	if s, ok := c.scenario(); ok {
		out.Scenario = s.Name
		out.Req.Kind, out.Req.Video = s.Kind, s.Video
		out.Device, out.Scheme = "", ""
	}
	if out.Req.Kind != flow.KindMessage {
		out.Req.Text = ""
	}
	if len(c.choices.Schemes) > 0 && out.Scheme == c.choices.Schemes[0] {
		out.Scheme = "" // the run's own
	}
	return out, nil
}

// choose steps a choice or toggle field by d.
func (c *composer) choose(d int) {
	switch c.field {
	case fScenario:
		n := len(c.choices.Scenarios) + 1 // none, then each
		c.scn = (c.scn+1+d+n)%n - 1
		c.query = ""
	case fKind:
		if c.c.Req.Kind == flow.KindCall {
			c.c.Req.Kind = flow.KindMessage
		} else {
			c.c.Req.Kind = flow.KindCall
		}
	case fVideo:
		c.c.Req.Video = !c.c.Req.Video
	case fScheme:
		ss := c.choices.Schemes
		for i, s := range ss {
			if s == c.c.Scheme {
				c.c.Scheme = ss[(i+d+len(ss))%len(ss)]
				return
			}
		}
	}
}

// search finds the first scenario whose name contains the query: typing
// "tamp" on the scenario field goes to tampered-…
func (c *composer) search(q string) {
	c.query = q
	if q == "" {
		return
	}
	for i, s := range c.choices.Scenarios {
		if s.Name == q {
			c.scn = i
			return
		}
	}
	for i, s := range c.choices.Scenarios {
		if strings.Contains(s.Name, q) {
			c.scn = i
			return
		}
	}
}

func (m Model) composeKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c := m.compose
	k := msg.String()
	switch k {
	case "esc":
		if c.field == fScenario && c.query != "" {
			c.query = ""
			return m, nil
		}
		m.compose = nil
		m.setStatus("compose cancelled", false)
		return m, nil
	case "ctrl+c":
		return m, tea.Quit
	case "enter":
		cd, err := c.composed()
		if err != nil {
			c.problem = err.Error()
			return m, nil
		}
		m.compose = nil
		return m.guardSendComposed(cd)
	case "ctrl+e":
		return m.previewForm()
	case "tab", "down":
		return m, c.focus(c.field+1, 1)
	case "shift+tab", "up":
		return m, c.focus(c.field-1, -1)
	}
	c.problem = ""
	if c.editing() {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(msg)
		return m, cmd
	}
	switch k {
	case "left":
		c.choose(-1)
	case "right", "space":
		c.choose(1)
	case "backspace":
		if c.field == fScenario {
			if c.query == "" {
				c.scn = -1
			} else {
				c.search(c.query[:len(c.query)-1])
			}
		}
	case "e":
		if c.field != fScenario {
			return m.previewForm()
		}
		c.search(c.query + k)
	case "q":
		if c.field != fScenario {
			return m, tea.Quit
		}
		c.search(c.query + k)
	default:
		if c.field == fScenario && len(msg.Text) == 1 && strings.Contains("abcdefghijklmnopqrstuvwxyz0123456789-", msg.Text) {
			c.search(c.query + msg.Text)
		} else if k == "h" || k == "l" {
			c.choose(map[string]int{"h": -1, "l": 1}[k])
		}
	}
	return m, nil
}

// previewForm previews what the form would send.
func (m Model) previewForm() (tea.Model, tea.Cmd) {
	cd, err := m.compose.composed()
	if err != nil {
		m.compose.problem = err.Error()
		return m, nil
	}
	return m, m.preview(cd)
}
