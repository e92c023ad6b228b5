package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/pipeline"
)

// Composed is what the compose form sends: the request and how to run it.
type Composed struct {
	Req flow.Request
	// Scenario is a scenario's name (callscope scenarios): it runs as
	// `send --scenario` runs it, its faults and devices with it.
	Scenario string
	// Device is the callee's iPhone: a profile file, or --device-set
	// KEY=VALUE changes over the screen's profile; "": the screen's own.
	Device string
	Scheme string // the envelope scheme; "": the run's
	Count  int    // requests to send, one after another; 0 is 1
}

// plain reports whether the screen's own pipeline sends c as it is.
func (c Composed) plain() bool { return c.Scenario == "" && c.Device == "" && c.Scheme == "" }

// ScenarioChoice is one scenario the form offers, as `callscope scenarios`
// lists it.
type ScenarioChoice struct {
	Name, Stage, Code, Source, Description string
	Outcome                                flow.Outcome
	Kind                                   flow.Kind
	Video                                  bool
}

// ComposeChoices are what the form offers beyond the request itself.
type ComposeChoices struct {
	Scenarios []ScenarioChoice
	Schemes   []string // the run's scheme first
}

// Stager is the part of a Controller that runs what the form composes
// beyond a plain request: scenarios, another device or scheme, counts, and
// previews. A Controller without it gets a form of the request alone.
type Stager interface {
	Choices() ComposeChoices
	// SendComposed starts c's requests and returns their trace ids.
	SendComposed(c Composed) ([]string, error)
	// Preview seals c's request as sending would, and sends nothing.
	Preview(c Composed) ([]pipeline.EnvelopePreview, error)
}

func (m Model) stager() (Stager, bool) {
	s, ok := m.ctrl.(Stager)
	return s, ok
}

func (m Model) choices() ComposeChoices {
	if s, ok := m.stager(); ok {
		return s.Choices()
	}
	return ComposeChoices{}
}

// guardSendComposed is guardSend for what the form composed.
func (m Model) guardSendComposed(c Composed) (Model, tea.Cmd) {
	if m.opts.Header.Production && !m.prodConfirmed {
		m.confirming = &c
		m.help = false
		m.setStatus(confirmPrompt, true)
		return m, nil
	}
	if c.Scenario != "" {
		// A scenario runs whole before its events show: say so meanwhile.
		m.setStatus("running scenario "+c.Scenario+" as send --scenario runs it…", false)
	}
	return m, m.sendComposed(c)
}

// sendComposed sends c: a plain request through Send, count times, the
// rest through the Stager.
func (m Model) sendComposed(c Composed) tea.Cmd {
	ctrl := m.ctrl
	st, staged := m.stager()
	return func() tea.Msg {
		if staged && !c.plain() {
			ids, err := st.SendComposed(c)
			return sentMsg{traceIDs: ids, composed: c, err: err}
		}
		var ids []string
		for range max(1, c.Count) {
			id, err := ctrl.Send(c.Req)
			if err != nil {
				return sentMsg{traceIDs: ids, composed: c, err: err}
			}
			ids = append(ids, id)
		}
		return sentMsg{traceIDs: ids, composed: c}
	}
}

// sent records what each trace was sent as, for r; and says so.
func (m *Model) sentDone(msg sentMsg) {
	one := msg.composed
	one.Count = 1
	for _, id := range msg.traceIDs {
		m.sentLog.add(id, one)
	}
	what := ""
	if msg.composed.Scenario != "" {
		what = " scenario " + msg.composed.Scenario + ":"
		if n := len(msg.traceIDs); n > 0 && !m.selectTrace(msg.traceIDs[n-1]) {
			m.pick = msg.traceIDs[n-1]
		}
	}
	switch {
	case msg.err != nil && len(msg.traceIDs) > 0:
		m.setStatus(fmt.Sprintf("sent %d of %d, then failed:%s %v", len(msg.traceIDs), msg.composed.Count, what, msg.err), true)
	case msg.err != nil:
		m.setStatus("send failed:"+what+" "+msg.err.Error(), true)
	case len(msg.traceIDs) == 1:
		m.setStatus("sent:"+what+" trace "+short(msg.traceIDs[0], 8), false)
	default:
		m.setStatus(fmt.Sprintf("sent %d:%s traces %s … %s", len(msg.traceIDs), what, short(msg.traceIDs[0], 8),
			short(msg.traceIDs[len(msg.traceIDs)-1], 8)), false)
	}
}

// selectTrace selects a scenario's call and stops following newer ones:
// its failure stays on the ladder while the pushes APNs could not tie to it
// (an oversized body hides its traceparent) are listed after it.
func (m *Model) selectTrace(id string) bool {
	for i := m.calls.Len() - 1; i >= 0; i-- {
		if c, _ := m.calls.At(i); c.TraceID == id {
			m.sel, m.follow, m.pick = i, false, ""
			return true
		}
	}
	return false
}

// resend sends the selected call again as it was composed.
func (m Model) resend() (tea.Model, tea.Cmd) {
	c, ok := m.selected()
	if !ok {
		m.setStatus("no call selected to resend", true)
		return m, nil
	}
	cd, ok := m.sentLog.get(c.TraceID)
	if !ok {
		m.setStatus("r: call "+short(c.TraceID, 8)+" was not sent from this screen · n composes one", true)
		return m, nil
	}
	return m.guardSendComposed(cd)
}

// sentLog is what each trace sent from this screen was composed as, for
// r. It forgets a trace when the screen lets its call go, and past its
// bound the oldest: a call not held cannot be selected to resend.
type sentLog struct {
	by    map[string]Composed
	order []string
}

func newSentLog() *sentLog { return &sentLog{by: map[string]Composed{}} }

func (l *sentLog) add(id string, c Composed) {
	if _, ok := l.by[id]; !ok {
		l.order = append(l.order, id)
	}
	l.by[id] = c
	for len(l.order) > 2*maxCalls {
		delete(l.by, l.order[0])
		l.order = l.order[1:]
	}
}

func (l *sentLog) get(id string) (Composed, bool) {
	c, ok := l.by[id]
	return c, ok
}

func (l *sentLog) forget(id string) {
	if _, ok := l.by[id]; !ok {
		return
	}
	delete(l.by, id)
	for i, x := range l.order {
		if x == id {
			l.order = append(l.order[:i], l.order[i+1:]...)
			break
		}
	}
}

// describe is a composed request in a few words, for the preview's title.
func (c Composed) describe() string {
	parts := []string{string(orCall(c.Req.Kind))}
	if c.Req.Video {
		parts = append(parts, "video")
	}
	parts = append(parts, "to "+c.Req.To)
	if c.Scenario != "" {
		parts = append(parts, "scenario "+c.Scenario)
	}
	if c.Scheme != "" {
		parts = append(parts, c.Scheme)
	}
	if c.Device != "" {
		parts = append(parts, "device "+c.Device)
	}
	parts = append(parts, fmt.Sprintf("ttl %d s", c.Req.TTL))
	if c.Count > 1 {
		parts = append(parts, fmt.Sprintf("×%d", c.Count))
	}
	return strings.Join(parts, " · ")
}
