package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// withTarget points the test screen at an APNs target.
func withTarget(m Model, target string, production bool) Model {
	m.opts.Header.Target, m.opts.Header.Production = target, production
	m.opts.Header.Mode, m.opts.Header.Endpoints = "real APNs", "APNs https://api.push.apple.com"
	m.opts.Header.Device = "1 real device(s) a1b2c3d4…: waiting for device events (--ingest)"
	return m
}

// acceptedEvents is a call to a real APNs that APNs accepted: the sender,
// the server and APNs' answer, and no device event.
func acceptedEvents(trace, callID string, t0 time.Time) []flow.Event {
	all := ringingEvents(trace, callID, t0)[:3]
	accepted := ev(trace, "", flow.StageAPNs, flow.NameAccepted, t0.Add(500*time.Microsecond), 30*time.Millisecond)
	accepted.Attrs = map[string]string{"status": "200", "measured": "round trip at the provider server"}
	end := ev(trace, callID, flow.StageSender, "apns-accepted", t0.Add(31*time.Millisecond), 0)
	end.Outcome = flow.OutcomeAccepted
	return append(all, accepted, end)
}

// TestProductionConfirm: with production as the target, the first send
// (enter, or the composer's enter) waits for y; any other key drops it;
// once confirmed, later sends go at once. Sandbox never asks.
func TestProductionConfirm(t *testing.T) {
	tests := []struct {
		name       string
		production bool
		keys       []string
		sent       int
		status     string // the status line after the keys, a prefix
		prompting  bool
	}{
		{"enter asks first", true, []string{"enter"}, 0, confirmPrompt, true},
		{"n does not send", true, []string{"enter", "n"}, 0, "not sent: production needs y", false},
		{"esc does not send", true, []string{"enter", "esc"}, 0, "not sent: production needs y", false},
		{"enter does not confirm", true, []string{"enter", "enter"}, 0, "not sent: production needs y", false},
		{"y sends", true, []string{"enter", "y"}, 1, "sent: trace", false},
		{"confirmed once, then at once", true, []string{"enter", "y", "enter", "enter"}, 3, "sent: trace", false},
		{"refused, asks again", true, []string{"enter", "n", "enter"}, 0, confirmPrompt, true},
		{"the composer asks too", true, []string{"n", "enter"}, 0, confirmPrompt, true},
		{"the composer's request after y", true, []string{"n", "enter", "y"}, 1, "sent: trace", false},
		{"sandbox never asks", false, []string{"enter"}, 1, "sent: trace", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctrl := &fakeController{}
			target := "sandbox APNs"
			if tt.production {
				target = "PRODUCTION APNs"
			}
			m := press(withTarget(newTestModel(ctrl), target, tt.production), tt.keys...)
			if len(ctrl.sent) != tt.sent {
				t.Fatalf("sent %d, want %d", len(ctrl.sent), tt.sent)
			}
			if !strings.HasPrefix(m.status, tt.status) {
				t.Fatalf("status %q, want it to start %q", m.status, tt.status)
			}
			help := ansi.Strip(m.helpLine(120))
			if got := strings.HasPrefix(help, "y send to production"); got != tt.prompting {
				t.Fatalf("help line %q while prompting=%v", help, tt.prompting)
			}
		})
	}
}

// TestProductionConfirmQuits: ctrl+c at the prompt quits, sending nothing.
func TestProductionConfirmQuits(t *testing.T) {
	ctrl := &fakeController{}
	m := press(withTarget(newTestModel(ctrl), "PRODUCTION APNs", true), "enter")
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if !isQuit(cmd) || len(ctrl.sent) != 0 {
		t.Fatalf("quit %v, sent %d", isQuit(cmd), len(ctrl.sent))
	}
}

// TestProductionBadgeRed: the header's badge is drawn in the theme's
// failure colour, reversed, for as long as production is the target (also
// after a confirmed send); a sandbox target is not.
func TestProductionBadgeRed(t *testing.T) {
	ctrl := &fakeController{}
	m := NewModel(ctrl, Options{Header: Header{Mode: "real APNs", Target: "PRODUCTION APNs", Production: true}})
	red := m.st.fail.Reverse(true).Render(" PRODUCTION APNs ")
	if red == " PRODUCTION APNs " {
		t.Fatal("the theme renders the failure style without colour")
	}
	for _, keys := range [][]string{nil, {"enter"}, {"enter", "y"}, {"enter", "y", "enter"}} {
		mm := press(m, keys...)
		if h := mm.headerLine(200); !strings.Contains(h, red) {
			t.Fatalf("after %v the header lacks the red badge: %q", keys, h)
		}
	}
	sb := NewModel(ctrl, Options{Header: Header{Mode: "real APNs", Target: "sandbox APNs"}})
	if h := sb.headerLine(200); strings.Contains(h, sb.st.fail.Reverse(true).Render(" sandbox APNs ")) || !strings.Contains(ansi.Strip(h), "sandbox APNs") {
		t.Fatalf("sandbox header %q", h)
	}
}
