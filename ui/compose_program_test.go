package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestComposeProgram drives the real program: n opens the form, typing
// chooses a scenario (the form's golden), ctrl+e previews its envelope
// (the preview's golden). Both at 80×24 and 120×40.
func TestComposeProgram(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, step := range []string{"form", "preview"} {
			t.Run(fmt.Sprintf("%s_%dx%d", step, size[0], size[1]), func(t *testing.T) {
				f := &fakeStager{}
				m := NewModel(f, Options{NoColor: true, Location: time.UTC, Header: Header{Mode: "embedded default"}})
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
				waitFor := func(s string) {
					t.Helper()
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
						return strings.Contains(ansi.Strip(string(b)), s)
					}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
				}
				tm.Type("n")
				waitFor("Compose")
				tm.Type("tamp")
				waitFor("tampered-header")
				if step == "preview" {
					tm.Send(ckey("ctrl+e"))
					waitFor("ENVELOPE PREVIEW")
				}
				tm.Send(ckey("ctrl+c"))
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				if (step == "preview") != (final.sheet != nil) || final.compose == nil {
					t.Fatalf("sheet %v compose %v", final.sheet != nil, final.compose != nil)
				}
				golden.RequireEqual(t, ansi.Strip(final.View().Content))
			})
		}
	}
}
