package ui

import (
	"fmt"
	"testing"

	"github.com/callscope/callscope/flow"
)

// BenchmarkScreenEventFiltered: one event (a new call failing at APNs) into
// a screen at its limit of maxCalls calls, with a filter applied or the view
// paused, the view drawn after it. The filter runs at draw time over the
// calls held, never per event in Update: Update stays what it is unfiltered;
// the draw scans at most maxCalls calls.
func BenchmarkScreenEventFiltered(b *testing.B) {
	for _, tc := range []struct {
		name string
		keys []string
		view bool
	}{
		{"none/update", nil, false},
		{"failed/update", []string{"/", "f", "a", "i", "l", "e", "d", "enter"}, false},
		{"paused/update", []string{"space"}, false},
		{"none/update+view", nil, true},
		{"failed/update+view", []string{"/", "f", "a", "i", "l", "e", "d", "enter"}, true},
		{"code-not/update+view", []string{"/", "!", "c", "o", "d", "e", ":", "A", "P", "N", "S", "enter"}, true},
		{"paused/update+view", []string{"space"}, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := press(heldModel(maxCalls), tc.keys...)
			i := maxCalls
			for b.Loop() {
				i++
				e := ev(fmt.Sprintf("%032x", i), "", flow.StageAPNs, "rejected", base, 0)
				e.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}
				next, _ := m.Update(EventMsg{Event: e, Outside: true})
				m = next.(Model)
				if tc.view {
					_ = m.View()
				}
			}
		})
	}
}
