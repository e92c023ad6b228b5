package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
)

// TestProgramFilterPause drives the real program as a person would: calls
// arrive, /failed and enter leave the failed one, space pauses while more
// arrive, counted in the header. The final screen is the golden.
func TestProgramFilterPause(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Header: Header{Mode: "embedded default"}})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
			waitFor := func(s string) {
				t.Helper()
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
					return strings.Contains(ansi.Strip(string(b)), s)
				}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
			}
			send := func(events []flow.Event) {
				for _, e := range events {
					tm.Send(EventMsg{Event: e})
				}
			}
			send(ringingEvents(traceOf(callUUID(1)), callUUID(1), base))
			send(endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected))
			send(failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5))))
			send(ringingEvents(traceOf(callUUID(3)), callUUID(3), base.Add(secs(8))))
			waitFor("ringing")
			tm.Type("/failed")
			tm.Send(key("enter"))
			waitFor("1 of 3 calls")
			tm.Send(key("space"))
			waitFor("paused")
			send(failedEvents(traceOf(callUUID(4)), callUUID(4), base.Add(secs(20))))
			// Messages reach Update in the order sent: q comes after the
			// nine events. (The screen draws only changed cells, so the
			// count is not in the output whole to wait for.)
			tm.Type("q")

			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			if final.pause == nil || final.pause.since != 9 || final.pause.calls.Len() != 4 || final.calls.Len() != 3 {
				t.Fatalf("paused = %v: want 9 events counted, 4 calls in the live store, 3 on screen", final.pause != nil)
			}
			golden.RequireEqual(t, ansi.Strip(final.View().Content))
		})
	}
}
