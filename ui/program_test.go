package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
)

// TestProgram drives the real Bubble Tea program as a person would: n,
// enter, wait for the ring, a, wait for the connection, q.
func TestProgram(t *testing.T) {
	ctrl := &fakeController{}
	m := NewModel(ctrl, Options{NoColor: true, Location: time.UTC, Header: Header{Mode: "embedded default"}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	ctrl.mu.Lock()
	ctrl.emit = func(e flow.Event) { tm.Send(EventMsg{Event: e}) }
	ctrl.mu.Unlock()

	waitFor := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			return strings.Contains(ansi.Strip(string(b)), s)
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	tm.Type("n")
	waitFor("Compose")
	tm.Send(key("enter"))
	waitFor("ringing")
	tm.Type("a")
	waitFor("connected")
	tm.Type("q")

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	c, ok := final.selected()
	if !ok || c.Outcome != flow.OutcomeConnected {
		t.Fatalf("selected call = %+v, want connected", c)
	}
	if len(ctrl.sent) != 1 || len(ctrl.answered) != 1 || ctrl.answered[0] != c.CallID {
		t.Fatalf("sent %v answered %v", ctrl.sent, ctrl.answered)
	}
	if !final.View().AltScreen {
		t.Error("the screen does not use the alternate screen")
	}
	golden.RequireEqual(t, ansi.Strip(final.View().Content))
}
