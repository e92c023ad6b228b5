package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

func newTestModel(ctrl Controller) Model {
	m := NewModel(ctrl, Options{NoColor: true, Location: time0Loc(), Header: Header{Mode: "embedded default",
		Endpoints: "mock APNs https://127.0.0.1:2197", Device: "iPhone (simulated) 3f2a9c01…", Clock: "real time"}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return next.(Model)
}

func time0Loc() *time.Location { return base.Location() }

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press feeds keys to Update and runs the commands they return, feeding
// their messages back, as the program would.
func press(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(key(k))
		m = next.(Model)
		m = run(m, cmd)
	}
	return m
}

func run(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	msg := cmd()
	switch msg.(type) {
	case sentMsg, actedMsg:
		next, _ := m.Update(msg)
		return next.(Model)
	}
	return m
}

func feed(m Model, events ...flow.Event) Model {
	for _, e := range events {
		next, _ := m.Update(EventMsg{Event: e})
		m = next.(Model)
	}
	return m
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestKeys(t *testing.T) {
	ringing := ringingEvents(traceOf(callUUID(1)), callUUID(1), base)
	tests := []struct {
		name   string
		events []flow.Event
		keys   []string
		check  func(t *testing.T, m Model, c *fakeController)
	}{
		{"n opens the composer with defaults", nil, []string{"n"}, func(t *testing.T, m Model, _ *fakeController) {
			if m.compose == nil || m.compose.req.To != "bob@example.org" {
				t.Fatalf("composer = %+v", m.compose)
			}
		}},
		{"esc cancels compose and sends nothing", nil, []string{"n", "esc"}, func(t *testing.T, m Model, c *fakeController) {
			if m.compose != nil || len(c.sent) != 0 {
				t.Fatalf("compose %v, sent %v", m.compose, c.sent)
			}
		}},
		{"enter in the composer sends what was composed", nil, []string{"n", "space", "enter"}, func(t *testing.T, m Model, c *fakeController) {
			if len(c.sent) != 1 || c.sent[0].Kind != flow.KindMessage {
				t.Fatalf("sent %+v, want one message", c.sent)
			}
			if m.compose != nil || !strings.HasPrefix(m.status, "sent: trace ") {
				t.Fatalf("compose %v status %q", m.compose, m.status)
			}
		}},
		{"typing edits the callee", nil, []string{"n", "tab", "tab", "x", "enter"}, func(t *testing.T, _ Model, c *fakeController) {
			if len(c.sent) != 1 || c.sent[0].To != "bob@example.orgx" {
				t.Fatalf("sent %+v", c.sent)
			}
		}},
		{"q while typing is text, not quit", nil, []string{"n", "tab", "tab", "q", "enter"}, func(t *testing.T, _ Model, c *fakeController) {
			if len(c.sent) != 1 || c.sent[0].To != "bob@example.orgq" {
				t.Fatalf("sent %+v", c.sent)
			}
		}},
		{"enter alone sends a call with defaults", nil, []string{"enter"}, func(t *testing.T, _ Model, c *fakeController) {
			if len(c.sent) != 1 || c.sent[0].Kind != flow.KindCall {
				t.Fatalf("sent %+v", c.sent)
			}
		}},
		{"a answers the ringing call", ringing, []string{"a"}, func(t *testing.T, m Model, c *fakeController) {
			if len(c.answered) != 1 || c.answered[0] != callUUID(1) {
				t.Fatalf("answered %v", c.answered)
			}
			if m.status != "answered call "+callUUID(1)[:8] {
				t.Fatalf("status %q", m.status)
			}
		}},
		{"d declines the ringing call", ringing, []string{"d"}, func(t *testing.T, _ Model, c *fakeController) {
			if len(c.declined) != 1 || c.declined[0] != callUUID(1) {
				t.Fatalf("declined %v", c.declined)
			}
		}},
		{"a with nothing ringing says so", nil, []string{"a"}, func(t *testing.T, m Model, c *fakeController) {
			if len(c.answered) != 0 || !m.failed || m.status != "no call is ringing" {
				t.Fatalf("answered %v status %q", c.answered, m.status)
			}
		}},
		{"? toggles help", nil, []string{"?"}, func(t *testing.T, m Model, _ *fakeController) {
			if !m.help {
				t.Fatal("help not shown")
			}
		}},
		{"t cycles the theme", nil, []string{"t"}, func(t *testing.T, m Model, _ *fakeController) {
			if m.themeName != "harbor" {
				t.Fatalf("theme %q", m.themeName)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeController{}
			m := press(feed(newTestModel(c), tt.events...), tt.keys...)
			tt.check(t, m, c)
		})
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newTestModel(&fakeController{})
		msg := key(k)
		if k == "ctrl+c" {
			msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		}
		if _, cmd := m.Update(msg); !isQuit(cmd) {
			t.Errorf("%s does not quit", k)
		}
	}
}

func TestSelectionAndOutcomes(t *testing.T) {
	m := newTestModel(&fakeController{})
	for i := 1; i <= 3; i++ {
		m = feed(m, ringingEvents(traceOf(callUUID(i)), callUUID(i), base.Add(secs(i)))...)
	}
	if m.sel != 2 {
		t.Fatalf("new calls are followed: sel = %d", m.sel)
	}
	m = press(m, "k", "k", "k")
	if c, _ := m.selected(); c.CallID != callUUID(1) {
		t.Fatalf("k stops at the first call: %s", c.CallID)
	}
	m = feed(m, ringingEvents(traceOf(callUUID(4)), callUUID(4), base.Add(secs(4)))...)
	if c, _ := m.selected(); c.CallID != callUUID(1) {
		t.Fatalf("a new call moved a manual selection to %s", c.CallID)
	}
	m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(9)), flow.OutcomeConnected)...)
	c, _ := m.selected()
	if c.Outcome != flow.OutcomeConnected || c.Ringing {
		t.Fatalf("call 1 = %+v", c)
	}
	if m.summary.Calls() != 1 {
		t.Fatalf("summary counts %d finished calls, want 1", m.summary.Calls())
	}
	// The finished call is counted once however many events follow.
	m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(9)), flow.OutcomeConnected)...)
	if m.summary.Calls() != 1 {
		t.Fatalf("summary counts %d, want 1", m.summary.Calls())
	}
}

func TestTrimKeepsRingingCalls(t *testing.T) {
	m := newTestModel(&fakeController{})
	m = feed(m, ringingEvents("ringing", "R", base)...)
	for i := 0; i < maxCalls+10; i++ {
		id := traceOf(callUUID(i + 10))
		m = feed(m, ringingEvents(id, callUUID(i+10), base)...)
		m = feed(m, endEvents(id, callUUID(i+10), base, flow.OutcomeConnected)...)
	}
	if len(m.order) != maxCalls {
		t.Fatalf("%d calls kept, want %d", len(m.order), maxCalls)
	}
	if m.order[0] != "ringing" {
		t.Fatal("a ringing call was dropped before finished ones")
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// TestObserver: the standalone mock's screen has no sender to end a
// request; the first failure ends it, and a warning does not.
func TestObserver(t *testing.T) {
	m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Observer: true, Status: "watching"})
	if m.status != "watching" {
		t.Fatalf("status %q", m.status)
	}
	received := ev("t1", "", flow.StageAPNs, "received", base, 0)
	warn := ev("t1", "", flow.StageAPNs, "accepted", base.Add(time.Millisecond), 0)
	warn.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: "W_SOMETHING", Warning: true}
	m = feed(m, received, warn)
	if c, _ := m.selected(); c.Outcome != "" {
		t.Fatalf("a warning ended the request: %+v", c)
	}
	rejected := ev("t1", "", flow.StageAPNs, "rejected", base.Add(2*time.Millisecond), 0)
	rejected.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadPriority"}
	m = feed(m, rejected)
	c, _ := m.selected()
	if c.Outcome != flow.OutcomeFailed || c.Diag == nil || c.Diag.Apple != "BadPriority" {
		t.Fatalf("call %+v, want failed with BadPriority", c)
	}
	if !m.failed || !strings.HasPrefix(m.status, "failed: apns: APNS_REJECTED") {
		t.Fatalf("status %q", m.status)
	}
	// Without Observer, the same events leave the request open: the sender
	// decides when it ends.
	m2 := feed(newTestModel(&fakeController{}), received, rejected)
	if c, _ := m2.selected(); c.Outcome != "" {
		t.Fatalf("outcome %q without a sender's verdict", c.Outcome)
	}
}
