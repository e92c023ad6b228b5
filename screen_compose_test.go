package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/scenario"
	"github.com/callscope/callscope/ui"
)

// composeScreen is the screen's model on a real embedded pipeline with
// the screen's controller, and the bus subscription the screen follows.
func composeScreen(t *testing.T) (tea.Model, *bus.Subscription, *screenCtl) {
	t.Helper()
	prof, err := screenProfile("", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(t.Context(), pipeline.Config{Profile: prof, Clock: flow.RealClock{Scale: 100}})
	if err != nil {
		t.Fatal(err)
	}
	sub := p.Bus().Subscribe(screenBuffer)
	lib, err := scenario.NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	ctl := newScreenCtl(t.Context(), p, lib, prof)
	t.Cleanup(func() { ctl.Close(); p.Close() })
	var m tea.Model = ui.NewModel(ctl, ui.Options{NoColor: true, Location: time.UTC})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return m, sub, ctl
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "e":
		return tea.KeyPressMsg{Code: 'e', Text: "e"}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeKeys feeds keys to Update and runs the commands they return, as the
// program would (a send's command does its I/O here).
func typeKeys(m tea.Model, keys ...string) tea.Model {
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(keyPress(k))
		m = runTeaCmd(m, cmd)
	}
	return m
}

func runTeaCmd(m tea.Model, cmd tea.Cmd) tea.Model {
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			m = runTeaCmd(m, c)
		}
	case nil:
	default:
		m, cmd = m.Update(msg)
		return runTeaCmd(m, cmd)
	}
	return m
}

func screenRows(m tea.Model) []string {
	return strings.Split(ansi.Strip(m.View().Content), "\n")
}

// TestComposedScenarioFailsAtItsStage is the acceptance of issue 13: a
// scenario chosen in the compose form, sent on the real pipeline, fails on
// the ladder at the stage it declares, with the code it declares: every
// failing scenario of the library.
func TestComposedScenarioFailsAtItsStage(t *testing.T) {
	lib, err := scenario.NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range lib.All() {
		if sc.Expect.Outcome == flow.OutcomeFailed && sc.Expect.Stage != "" {
			names = append(names, sc.Name)
		}
	}
	if len(names) < 40 {
		t.Fatalf("%d failing scenarios in the library: want them all here", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, sub, ctl := composeScreen(t)
			sc, err := ctl.lib.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			// n opens the form on its scenario field; typing finds the scenario.
			m = typeKeys(m, "n")
			m = typeKeys(m, strings.Split(name, "")...)
			if form := strings.Join(screenRows(m), "\n"); !strings.Contains(form, "‹ "+name+" ›") ||
				!strings.Contains(form, "fails at "+string(sc.Expect.Stage)+" "+string(sc.Expect.Code)) {
				t.Fatalf("the form does not show %s chosen with its declaration:\n%s", name, form)
			}
			m = typeKeys(m, "enter")
			if rows := screenRows(m); !strings.Contains(strings.Join(rows, "\n"), "sent: scenario "+name) {
				t.Fatalf("status after enter:\n%s", strings.Join(rows, "\n"))
			}
			// The run's events reach the screen through the screen's own bus.
			deadline := time.After(10 * time.Second)
			want := "✗ " + string(sc.Expect.Code)
			row := 2 + sc.Expect.Stage.Index() // header, lane names, then one row a hop
			// The scenario's call is selected, whatever else APNs lists
			// apart (an oversized push, its traceparent unread).
			for !failsOn(screenRows(m)[row], string(sc.Expect.Code)) {
				select {
				case e := <-sub.Events():
					m, _ = m.Update(ui.EventMsg{Event: e})
				case <-deadline:
					t.Fatalf("no %q on the %s row of the ladder:\n%s", want, sc.Expect.Stage, strings.Join(screenRows(m), "\n"))
				}
			}
			for i, r := range screenRows(m)[1 : 2+len(flow.Stages)] {
				if ladder := string([]rune(r)[45:]); i+1 != row && strings.Contains(ladder, "✗") {
					t.Errorf("✗ also on row %d: %s", i, r)
				}
			}
			if sub.Dropped() != 0 || ctl.Dropped() != 0 {
				t.Fatalf("dropped %d/%d events", sub.Dropped(), ctl.Dropped())
			}
		})
	}
}

// failsOn reports whether a ladder row carries ✗ code; a long code may be
// cut at the screen's edge, so a prefix of it counts.
func failsOn(row, code string) bool {
	i := strings.Index(row, "✗ ")
	if i < 0 {
		return false
	}
	shown := strings.TrimSuffix(strings.TrimRight(row[i+len("✗ "):], " "), "…")
	return len(shown) >= min(len(code), 12) && (strings.HasPrefix(code, shown) || strings.HasPrefix(shown, code))
}

// TestComposedDeviceAndScheme: the form's device and scheme run on a
// pipeline of their own whose events reach the screen's bus, and a and d
// reach its ringing calls.
func TestComposedDeviceAndScheme(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       ui.Composed
		answer  bool // answer from the screen (the device's policy is manual)
		outcome flow.Outcome
		scheme  string
	}{
		{"device set: decline", ui.Composed{Device: "answer=decline"}, false, flow.OutcomeDeclined, "hpke-x25519-sha256-chacha20poly1305"},
		{"p256, answered from the screen", ui.Composed{Scheme: "hpke-p256-sha256-aes256gcm"}, true, flow.OutcomeConnected, "hpke-p256-sha256-aes256gcm"},
		{"two calls", ui.Composed{Device: "answer=answer", Count: 2}, false, flow.OutcomeConnected, "hpke-x25519-sha256-chacha20poly1305"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sub, ctl := composeScreen(t)
			c := tc.c
			c.Req = ctl.Compose()
			ids, err := ctl.SendComposed(c)
			if err != nil || len(ids) != max(1, c.Count) {
				t.Fatalf("ids %v: %v", ids, err)
			}
			calls := flow.NewCalls()
			schemes := map[string]bool{}
			deadline := time.After(20 * time.Second)
			done := func() bool {
				for _, id := range ids {
					if c, ok := calls.Peek(id); !ok || !c.Done() {
						return false
					}
				}
				return true
			}
			for !done() {
				select {
				case e := <-sub.Events():
					calls.Add(e)
					if e.Name == "sealed" {
						schemes[e.Attrs["scheme"]] = true
					}
					if tc.answer && e.Stage == flow.StageCallKit && e.Name == flow.NameRinging {
						c, _ := calls.Peek(e.TraceID)
						if err := ctl.Answer(c.CallID); err != nil {
							t.Fatal(err)
						}
					}
				case <-deadline:
					t.Fatal("the composed calls did not end")
				}
			}
			for _, id := range ids {
				if c, _ := calls.Peek(id); c.Outcome != tc.outcome {
					t.Fatalf("call %s: %s %v, want %s", id, c.Outcome, c.Diag, tc.outcome)
				}
			}
			if len(schemes) != 1 || !schemes[tc.scheme] {
				t.Fatalf("sealed with %v, want %s", schemes, tc.scheme)
			}
		})
	}
}

// TestComposedBadDevice: a bad device field is one line naming it.
func TestComposedBadDevice(t *testing.T) {
	_, _, ctl := composeScreen(t)
	for field, want := range map[string]string{
		"answer=sometimes":  "device answer=sometimes:",
		"/nonexistent.toml": "device: --device-profile: /nonexistent.toml",
	} {
		_, err := ctl.SendComposed(ui.Composed{Req: ctl.Compose(), Device: field})
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("device %q: %v, want one line starting %q", field, err, want)
		}
	}
}
