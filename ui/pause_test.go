package ui

import (
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestPauseKeys: space freezes the list, the ladder and the events as they
// were while events keep arriving into the live store, counted in the
// header; space again shows everything.
func TestPauseKeys(t *testing.T) {
	late := append(failedEvents(traceOf(callUUID(4)), callUUID(4), base.Add(secs(20))),
		endEvents(traceOf(callUUID(3)), callUUID(3), base.Add(secs(21)), flow.OutcomeConnected)...)
	for _, tc := range []struct {
		name      string
		keys      []string // pressed after the session, before the late events
		after     []string // pressed after them
		paused    bool
		since     uint64
		shown     string // calls in the list, by number
		sel       string
		sel3      flow.Outcome // call 3 as the view has it
		header    string
		statusHas string
	}{
		{"live", nil, nil, false, 0, "1 2 3 4", "4", flow.OutcomeConnected, "", "connected"},
		{"paused", []string{"space"}, nil, true, uint64(len(late)), "1 2 3", "3", "", "⏸ paused · 11 events since", "ringing"},
		{"resumed", []string{"space"}, []string{"space"}, false, 0, "1 2 3 4", "4", flow.OutcomeConnected, "", "resumed · 11 events arrived while paused"},
		{"moved while paused", []string{"space", "k"}, []string{"space"}, false, 0, "1 2 3 4", "2", flow.OutcomeConnected, "", "resumed"},
		{"paused filtered", []string{"space", "/", "f", "a", "i", "l", "e", "d", "enter"}, nil, true, uint64(len(late)), "2", "2", "", "⏸ paused", ""},
		{"filter kept on resume", []string{"space", "/", "f", "a", "i", "l", "e", "d", "enter"}, []string{"space"}, false, 0, "2 4", "4", flow.OutcomeConnected, "", "resumed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := press(mixedSession(), tc.keys...)
			m = feed(m, late...)
			m = press(m, tc.after...)
			if (m.pause != nil) != tc.paused {
				t.Fatalf("paused = %v, want %v", m.pause != nil, tc.paused)
			}
			if m.pause != nil && m.pause.since != tc.since {
				t.Errorf("counted %d events since the pause, want %d", m.pause.since, tc.since)
			}
			if got := strings.Join(shownIDs(m), " "); got != tc.shown {
				t.Errorf("list shows %q, want %q", got, tc.shown)
			}
			c, _ := m.calls.At(m.shownSel())
			if got := c.CallID[len(c.CallID)-1:]; got != tc.sel {
				t.Errorf("selected call %s, want %s", got, tc.sel)
			}
			if c3, _ := m.calls.Get(traceOf(callUUID(3))); c3.Outcome != tc.sel3 {
				t.Errorf("call 3 is %q on screen, want %q", c3.Outcome, tc.sel3)
			}
			head := strings.SplitN(screen(t, m, 120, 40), "\n", 2)[0]
			if tc.header != "" && !strings.Contains(head, tc.header) || tc.header == "" && strings.Contains(head, "paused") {
				t.Errorf("header %q, want %q", head, tc.header)
			}
			if !strings.Contains(m.status, tc.statusHas) {
				t.Errorf("status %q, want %q in it", m.status, tc.statusHas)
			}
		})
	}
}

// TestPauseKeepsStoring: paused, the live store takes every event, its
// bound and totals included; the frozen view is not touched by them.
func TestPauseKeepsStoring(t *testing.T) {
	m := newTestModel(&fakeController{})
	m.holdCalls(3)
	m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	m = press(m, "space")
	for n := 2; n <= 6; n++ {
		m = feed(m, failedEvents(traceOf(callUUID(n)), callUUID(n), base.Add(secs(n)))...)
	}
	if m.calls.Len() != 1 || m.tally.seen != 1 {
		t.Fatalf("frozen view holds %d calls (%d seen), want 1", m.calls.Len(), m.tally.seen)
	}
	live := m.pause.calls
	if live.Len() != 3 || live.Evicted() != 3 || m.pause.tally.seen != 6 || m.pause.tally.n[flow.OutcomeFailed] != 5 {
		t.Fatalf("live store: %d held, %d evicted, %d seen, %d failed; want 3, 3, 6, 5",
			live.Len(), live.Evicted(), m.pause.tally.seen, m.pause.tally.n[flow.OutcomeFailed])
	}
	if ev := m.calls.Events(traceOf(callUUID(1))); len(ev) != 10 {
		t.Fatalf("frozen call 1 has %d events, want its 10", len(ev))
	}
	m = press(m, "space")
	if m.calls != live || m.calls.Len() != 3 || !strings.Contains(screen(t, m, 120, 40), "3 older calls dropped") {
		t.Fatal("resume does not show the live store")
	}
}
