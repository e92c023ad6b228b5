package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
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
			if m.compose == nil || m.compose.c.Req.To != "bob@example.org" {
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
			if m.theme.Name(m.dark) != "light" {
				t.Fatalf("theme %q", m.theme.Name(m.dark))
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
	if m.tally.done() != 1 || m.latencies().calls != 1 {
		t.Fatalf("tally counts %d finished calls, percentiles %d, want 1", m.tally.done(), m.latencies().calls)
	}
	// The finished call is counted once however many events follow.
	m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(9)), flow.OutcomeConnected)...)
	if m.tally.done() != 1 {
		t.Fatalf("tally counts %d, want 1", m.tally.done())
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

// pushEvents are a push seen from APNs on, as the standalone mock reports
// it: received, then accepted or rejected.
func pushEvents(trace string, at time.Time, reason string) []flow.Event {
	received := ev(trace, "", flow.StageAPNs, "received", at, 0)
	received.ApnsID = "5e9d7d40-bca0-405c-95ef-eb8910a7" + trace[len(trace)-4:]
	received.Attrs = map[string]string{"push_type": "alert", "priority": "10", "topic": "org.example.app"}
	end := ev(trace, "", flow.StageAPNs, flow.NameAccepted, at, 80*time.Microsecond) // as the mock: from the request's start
	end.ApnsID = received.ApnsID
	end.Attrs = map[string]string{"status": "200"}
	if reason != "" {
		end.Name = "rejected"
		end.Attrs = map[string]string{"status": "400", "reason": reason}
		end.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: reason,
			Detail: "400 " + reason}
	}
	return []flow.Event{received, end}
}

func nseNotRun(trace string, at time.Time) flow.Event {
	e := ev(trace, "", flow.StageExtension, "nse-not-run", at, 0)
	e.Diagnosis = &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeNSENotRun,
		Detail: "NSE not run: no mutable-content; iOS shows the alert as sent"}
	return e
}

func newObserver() Model {
	m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Observer: true,
		Status: "watching pushes to https://127.0.0.1:2197 · push from your provider server · ? help",
		Header: Header{Mode: "mock APNs (sandbox)", Endpoints: "https://127.0.0.1:2197 · CA ca.pem", Device: "simulated devices"}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return next.(Model)
}

// observerSession: an accepted push, a rejected one, and one accepted whose
// device then reports the NSE did not run.
func observerSession() Model {
	m := newObserver()
	m = feed(m, pushEvents("a0000000000000000000000000000001", base, "")...)
	m = feed(m, pushEvents("a0000000000000000000000000000002", base.Add(secs(1)), "BadDeviceToken")...)
	m = feed(m, pushEvents("a0000000000000000000000000000003", base.Add(secs(2)), "")...)
	return feed(m, nseNotRun("a0000000000000000000000000000003", base.Add(secs(2)+time.Millisecond)))
}

// TestObserverOutcomes: on a screen that only watches, a push the mock
// accepted ends as accepted and a diagnosed failure as failed, in the list,
// the counts and the percentiles; on the embedded screen the sender decides.
func TestObserverOutcomes(t *testing.T) {
	m := feed(newObserver(), pushEvents("a0000000000000000000000000000001", base, "")...)
	if c, _ := m.selected(); c.Outcome != flow.OutcomeAccepted || !c.Done() {
		t.Fatalf("accepted push: %+v", c)
	}
	if m.tally.n[flow.OutcomeAccepted] != 1 || m.latencies().calls != 1 || m.status != "accepted: push 5e9d7d40-bca0-405c-95ef-eb8910a70001" {
		t.Fatalf("tally %v, percentiles over %d, status %q", m.tally.n, m.latencies().calls, m.status)
	}

	m = observerSession()
	want := []flow.Outcome{flow.OutcomeAccepted, flow.OutcomeFailed, flow.OutcomeFailed}
	for i := range m.calls.Len() {
		if c, _ := m.calls.At(i); c.Outcome != want[i] {
			t.Errorf("push %d: %q, want %q", i+1, c.Outcome, want[i])
		}
	}
	if m.tally.n[flow.OutcomeAccepted] != 1 || m.tally.n[flow.OutcomeFailed] != 2 || m.tally.done() != 3 {
		t.Fatalf("tally %v: the failure after accepted must move its count", m.tally.n)
	}
	if l := m.latencies(); l.calls != 1 || len(l.stages[flow.StageAPNs]) != 1 {
		t.Fatalf("percentiles over %d calls (%v), want the one that did not fail", l.calls, l.stages)
	}
	if !m.failed || !strings.HasPrefix(m.status, "failed: push 5e9d7d40-bca0-405c-95ef-eb8910a70003 · extension: NSE_NOT_RUN") {
		t.Fatalf("status %q", m.status)
	}

	// Without Observer, the same events leave the request open: the sender
	// decides when it ends.
	m2 := feed(newTestModel(&fakeController{}), pushEvents("a0000000000000000000000000000002", base, "BadDeviceToken")...)
	if c, _ := m2.selected(); c.Outcome != "" || m2.tally.done() != 0 {
		t.Fatalf("outcome %q without a sender's verdict", c.Outcome)
	}
}

// TestOutsideEvents: on the embedded screen with --ingest, events from
// outside end as they show, and a/d never act on a phone the screen does
// not drive.
func TestOutsideEvents(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(ctrl)
	for _, e := range pushEvents("b0000000000000000000000000000001", base, "") {
		next, _ := m.Update(EventMsg{Event: e, Outside: true})
		m = next.(Model)
	}
	if c, _ := m.selected(); c.Outcome != flow.OutcomeAccepted || !c.Observed {
		t.Fatalf("outside push: %+v", c)
	}
	ring := ev("b0000000000000000000000000000001", "REMOTE-CALL", flow.StageCallKit, flow.NameRinging, base.Add(secs(1)), 0)
	next, _ := m.Update(EventMsg{Event: ring, Outside: true})
	m = press(next.(Model), "a")
	if c, _ := m.selected(); !c.Ringing || len(ctrl.answered) != 0 || m.status != "no call is ringing" {
		t.Fatalf("ringing %v, answered %v, status %q", c.Ringing, ctrl.answered, m.status)
	}
	end := ev("b0000000000000000000000000000001", "REMOTE-CALL", flow.StageSender, "ended", base.Add(secs(3)), 0)
	end.Outcome = flow.OutcomeConnected
	next, _ = m.Update(EventMsg{Event: end, Outside: true})
	m = next.(Model)
	if c, _ := m.selected(); c.Outcome != flow.OutcomeConnected || m.tally.n[flow.OutcomeAccepted] != 0 || m.tally.n[flow.OutcomeConnected] != 1 {
		t.Fatalf("a later outcome must replace accepted: %+v, tally %v", c, m.tally.n)
	}
}

// TestObserverKeys: a screen that only watches neither offers nor acts on
// n, enter, a and d.
func TestObserverKeys(t *testing.T) {
	ring := ev("a0000000000000000000000000000009", "C", flow.StageCallKit, flow.NameRinging, base, 0)
	for _, k := range []string{"n", "enter", "a", "d"} {
		ctrl := &fakeController{}
		m := NewModel(ctrl, Options{NoColor: true, Observer: true})
		m = feed(m, ring)
		next, cmd := m.Update(key(k))
		m = next.(Model)
		if m.compose != nil || cmd != nil || len(ctrl.sent)+len(ctrl.answered)+len(ctrl.declined) != 0 {
			t.Errorf("%s acted: compose %v cmd %v ctrl %+v", k, m.compose, cmd != nil, ctrl)
		}
		if !strings.Contains(m.status, "only watches") {
			t.Errorf("%s: status %q", k, m.status)
		}
	}
	m := press(newObserver(), "?")
	bar := ansi.Strip(m.helpLine(120))
	help := ansi.Strip(strings.Join(m.helpLines(120), "\n"))
	for _, s := range []string{"n compose", "enter send", "a answer", "compose: scenario", "send: the composed", "answer / decline"} {
		if strings.Contains(bar, s) || strings.Contains(help, s) {
			t.Errorf("offered on a screen that only watches: %q\nbar: %s\nhelp: %s", s, bar, help)
		}
	}
	if !strings.Contains(bar, "q quit") || !strings.Contains(help, "select a call") {
		t.Errorf("the keys that work are gone:\n%s\n%s", bar, help)
	}
	if bar := ansi.Strip(newTestModel(&fakeController{}).helpLine(120)); !strings.Contains(bar, "n compose · enter send") {
		t.Errorf("the embedded screen lost n and enter: %s", bar)
	}
}
