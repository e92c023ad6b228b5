package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/ui"
)

// TestScreensOfferWhatActs: the standalone mock's screen and the screen on
// a real APNs with --ingest are the main screen's panes and keys, with the
// keys that cannot act there left out of the key line and the ? help.
func TestScreensOfferWhatActs(t *testing.T) {
	onReal := targetScreen("", nil, &pipeline.Target{Host: "https://api.sandbox.push.apple.com",
		Devices: []pipeline.TargetDevice{{Token: strings.Repeat("ab", 32)}}}, nil)
	for _, tt := range []struct {
		name     string
		opts     ui.Options
		has, not []string
	}{
		{"mock-apns", mockScreenOptions("https://127.0.0.1:2197", "sandbox", "ca.pem", nil, ""),
			[]string{"/ filter", "select a call", "pause the view"},
			[]string{"n compose", "enter send", "compose: scenario", "answer / decline"}},
		{"real APNs", onReal,
			[]string{"n compose", "compose: scenario", "/ filter"},
			[]string{"a answer", "answer / decline"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.NoColor, tt.opts.Location = true, time.UTC
			var m tea.Model = ui.NewModel(mockController{}, tt.opts)
			m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			view := ansi.Strip(m.View().Content)
			m, _ = m.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
			help := ansi.Strip(m.View().Content)
			for _, pane := range []string{"Calls", "Sender", "Server", "APNs", "Extension", "CallKit"} {
				if !strings.Contains(view, pane) {
					t.Errorf("no %s pane:\n%s", pane, view)
				}
			}
			for _, s := range tt.has {
				if !strings.Contains(view+help, s) {
					t.Errorf("%q not offered:\n%s\n%s", s, view, help)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(view+help, s) {
					t.Errorf("%q offered where it cannot act:\n%s\n%s", s, view, help)
				}
			}
		})
	}
}
