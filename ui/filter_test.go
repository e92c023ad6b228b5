package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/callscope/callscope/flow"
)

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []term
		err  string
	}{
		{"", nil, ""},
		{"   ", nil, ""},
		{"failed", []term{{key: "outcome", val: "failed"}}, ""},
		{"/failed", []term{{key: "outcome", val: "failed"}}, ""},
		{"FAILED", []term{{key: "outcome", val: "failed"}}, ""},
		{"fail", []term{{val: "fail"}}, ""}, // a prefix of an outcome is text
		{"outcome:connected", []term{{key: "outcome", val: "connected"}}, ""},
		{"outcome:con", []term{{key: "outcome", val: "connected"}}, ""},
		{"open", []term{{key: "outcome", val: "open"}}, ""},
		{"stage:extension", []term{{key: "stage", val: "extension"}}, ""},
		{"Stage:EXT", []term{{key: "stage", val: "extension"}}, ""},
		{"code:apns_rejected", []term{{key: "code", val: "APNS_REJECTED"}}, ""},
		{"NSE_NOT_RUN", []term{{val: "nse_not_run"}}, ""},
		{"kind:msg", []term{{key: "kind", val: "message"}}, ""},
		{"kind:push", []term{{key: "kind", val: ""}}, ""},
		{"!failed bob", []term{{key: "outcome", val: "failed", not: true}, {val: "bob"}}, ""},
		{"sip:alice", []term{{val: "sip:alice"}}, ""}, // not a key: text
		{"stage:", nil, "stage: needs a value"},
		{"stage:nse", nil, "stage:nse: want sender, server, apns, extension, callkit"},
		{"stage:s", nil, "stage:s: want"}, // sender or server
		{"outcome:lost", nil, "outcome:lost: want failed"},
		{"kind:fax", nil, "kind:fax: want call, message, push"},
		{"!", nil, "! needs a term"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			f, err := parseFilter(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.terms, tc.want) {
				t.Fatalf("terms = %+v, want %+v", f.terms, tc.want)
			}
		})
	}
}

// filterCalls are one of each: connected, failed in the extension and at
// APNs, a message shown, a call still ringing, a push seen from APNs on.
var filterCalls = []flow.Call{
	{TraceID: "aaaa0001", CallID: "C-1", Kind: flow.KindCall, From: "alice@example.org", To: "bob@example.org",
		Stage: flow.StageCallKit, Outcome: flow.OutcomeConnected},
	{TraceID: "bbbb0002", CallID: "C-2", Kind: flow.KindCall, From: "alice@example.org", To: "carol@example.org",
		Stage: flow.StageExtension, Outcome: flow.OutcomeFailed,
		Diag: &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeNSENotRun}},
	{TraceID: "cccc0003", CallID: "C-3", Kind: flow.KindCall, From: "dave@example.org", To: "bob@example.org",
		Stage: flow.StageAPNs, Outcome: flow.OutcomeFailed,
		Diag: &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}},
	{TraceID: "dddd0004", Kind: flow.KindMessage, From: "alice@example.org", To: "bob@example.org",
		Stage: flow.StageExtension, Outcome: flow.OutcomeShown},
	{TraceID: "eeee0005", CallID: "C-5", Kind: flow.KindCall, From: "erin@example.org", To: "bob@example.org",
		Stage: flow.StageCallKit, Ringing: true},
	{TraceID: "ffff0006", ApnsID: "5E9D7D40", Stage: flow.StageAPNs, Outcome: flow.OutcomeAccepted},
}

// TestFilterMatch is a table of filters × calls: the trace ids each shows.
func TestFilterMatch(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   string // the matching calls' trace id prefixes, oldest first
	}{
		{"", "aaaa bbbb cccc dddd eeee ffff"},
		{"failed", "bbbb cccc"},
		{"/failed", "bbbb cccc"},
		{"outcome:connected", "aaaa"},
		{"connected", "aaaa"},
		{"open", "eeee"},
		{"accepted", "ffff"},
		{"stage:extension", "bbbb dddd"}, // stopped there, or blamed
		{"stage:apns", "cccc ffff"},
		{"NSE_NOT_RUN", "bbbb"},
		{"code:APNS_REJECTED", "cccc"},
		{"code:apns", "cccc"},
		{"BadDeviceToken", "cccc"}, // Apple's reason
		{"carol", "bbbb"},
		{"bob@example.org", "aaaa cccc dddd eeee"},
		{"C-3", "cccc"},
		{"dddd", "dddd"},
		{"5e9d", "ffff"}, // apns-id, any case
		{"kind:message", "dddd"},
		{"kind:push", "ffff"},
		{"call", "aaaa bbbb cccc eeee"},
		{"failed alice", "bbbb"},
		{"!failed", "aaaa dddd eeee ffff"},
		{"!failed bob kind:call", "aaaa eeee"},
		{"nobody", ""},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := parseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range filterCalls {
				if f.match(c) {
					got = append(got, c.TraceID[:4])
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Fatalf("shows %q, want %q", g, tc.want)
			}
		})
	}
}

// mixedSession: a connected call, a failed one, a call ringing.
func mixedSession() Model {
	m := newTestModel(&fakeController{})
	m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
	m = feed(m, failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))...)
	return feed(m, ringingEvents(traceOf(callUUID(3)), callUUID(3), base.Add(secs(8)))...)
}

// shownIDs are the call ids of the calls the list shows.
func shownIDs(m Model) []string {
	var out []string
	for _, i := range m.visible() {
		c, _ := m.calls.At(i)
		out = append(out, c.CallID[len(c.CallID)-1:])
	}
	return out
}

// TestFilterKeys: keys → filter state, what the list shows and what is
// selected.
func TestFilterKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		keys   []string
		typing bool
		shown  string // the calls shown, by number
		sel    string // the call the ladder draws
		title  string // in the list's first line
		status string
	}{
		{"none", nil, false, "1 2 3", "3", "Calls (3)", ""},
		{"slash opens", []string{"/"}, true, "1 2 3", "3", "/", ""},
		{"typing narrows", []string{"/", "f", "a", "i", "l", "e", "d"}, true, "2", "2", "/failed", ""},
		{"enter applies", []string{"/", "f", "a", "i", "l", "e", "d", "enter"}, false, "2", "2", "/failed · 1 of 3 calls", "1 of 3 calls"},
		{"esc clears", []string{"/", "f", "a", "i", "l", "e", "d", "enter", "esc"}, false, "1 2 3", "2", "Calls (3)", "filter cleared"},
		{"esc while typing cancels", []string{"/", "o", "p", "e", "n", "esc"}, false, "1 2 3", "3", "Calls (3)", ""},
		{"esc while typing keeps the filter before", []string{"/", "c", "o", "n", "n", "e", "c", "t", "e", "d", "enter", "/", "x", "esc"},
			false, "1", "1", "/connected · 1 of 3 calls", ""},
		{"bad filter is refused", []string{"/", "s", "t", "a", "g", "e", ":", "x", "enter"}, true, "1 2 3", "3", "✗", "filter: stage:x: want"},
		{"stage", []string{"/", "s", "t", "a", "g", "e", ":", "e", "x", "t", "enter"}, false, "2", "2", "/stage:ext · 1 of 3 calls", ""},
		{"j k move among shown", []string{"/", "!", "f", "a", "i", "l", "e", "d", "enter", "k"}, false, "1 3", "1", "2 of 3", ""},
		{"g G among shown", []string{"/", "!", "f", "a", "i", "l", "e", "d", "enter", "g", "G"}, false, "1 3", "3", "2 of 3", ""},
		{"nothing matches", []string{"/", "z", "z", "enter"}, false, "", "", "/zz · 0 of 3 calls", ""},
		{"keys typed are text", []string{"/", "q", "n", "space"}, true, "", "", "/qn", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mixedSession()
			m.status = ""
			m = press(m, tc.keys...)
			if m.flt.typing != tc.typing {
				t.Errorf("typing = %v, want %v", m.flt.typing, tc.typing)
			}
			if got := strings.Join(shownIDs(m), " "); got != tc.shown {
				t.Errorf("shown %q, want %q", got, tc.shown)
			}
			sel := ""
			if i := m.shownSel(); i >= 0 {
				c, _ := m.calls.At(i)
				sel = c.CallID[len(c.CallID)-1:]
			}
			if sel != tc.sel {
				t.Errorf("selected %q, want %q", sel, tc.sel)
			}
			head := strings.SplitN(screen(t, m, 120, 40), "\n", 3)[1]
			if !strings.Contains(head, tc.title) {
				t.Errorf("list title %q, want %q in it", head, tc.title)
			}
			if !strings.Contains(m.status, tc.status) {
				t.Errorf("status %q, want %q in it", m.status, tc.status)
			}
		})
	}
}

// TestFilterPaste: a trace id pasted after / filters by it.
func TestFilterPaste(t *testing.T) {
	m := press(mixedSession(), "/")
	next, _ := m.Update(tea.PasteMsg{Content: traceOf(callUUID(2))})
	m = press(next.(Model), "enter")
	if got := strings.Join(shownIDs(m), " "); got != "2" {
		t.Fatalf("shown %q, want call 2", got)
	}
}

// TestFilterFollowsNewest: with a filter on and the newest selected, a new
// call the filter shows is selected; one it hides is not.
func TestFilterFollowsNewest(t *testing.T) {
	m := press(mixedSession(), "/", "f", "a", "i", "l", "e", "d", "enter")
	m = feed(m, ringingEvents(traceOf(callUUID(4)), callUUID(4), base.Add(secs(20)))...)
	if c, _ := m.calls.At(m.shownSel()); c.CallID != callUUID(2) {
		t.Fatalf("selected %s after a hidden call arrived, want call 2", c.CallID)
	}
	m = feed(m, failedEvents(traceOf(callUUID(5)), callUUID(5), base.Add(secs(30)))...)
	if c, _ := m.calls.At(m.shownSel()); c.CallID != callUUID(5) {
		t.Fatalf("selected %s, want the newest failed call 5", c.CallID)
	}
}

// TestFilterPauseGolden: the screen with a filter applied, one being typed,
// and paused, at 80×24 and 120×40.
func TestFilterPauseGolden(t *testing.T) {
	states := []struct {
		name  string
		build func() Model
	}{
		{"filter", func() Model { return press(mixedSession(), "/", "f", "a", "i", "l", "e", "d", "enter") }},
		{"filter_typing", func() Model { return press(mixedSession(), "/", "s", "t", "a", "g", "e", ":") }},
		{"filter_none", func() Model { return press(mixedSession(), "/", "z", "z", "enter") }},
		{"paused", func() Model {
			m := press(mixedSession(), "space")
			return feed(m, failedEvents(traceOf(callUUID(4)), callUUID(4), base.Add(secs(20)))...)
		}},
	}
	for _, st := range states {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", st.name, size[0], size[1]), func(t *testing.T) {
				golden.RequireEqual(t, screen(t, st.build(), size[0], size[1]))
			})
		}
	}
}

// TestReplayFilter: on the replay screen a filter typed takes every key (f
// is text, not "next failure"; space is text, not play), and stepping back,
// which rebuilds the screen, keeps it.
func TestReplayFilter(t *testing.T) {
	r := newReplay(&fakeWall{t: base}, true)
	r, _ = rpress(t, r, "/", "f", "a", "i", "l", "e", "d", "space", "enter")
	if r.pos != 0 || r.playing || r.m.flt.on.text != "failed" {
		t.Fatalf("at %d, playing %v, filter %q: want 0, paused, %q", r.pos, r.playing, r.m.flt.on.text, "failed")
	}
	r, _ = rpress(t, r, strings.Split(strings.Repeat("right ", 20), " ")[:20]...)
	r, _ = rpress(t, r, "left")
	if r.pos != 19 || r.m.flt.on.text != "failed" {
		t.Fatalf("after ←: at %d, filter %q; want 19 and the filter kept", r.pos, r.m.flt.on.text)
	}
}

// TestFilterClick: with a filter on, a click on the list's first row
// selects the first call the filter shows, not the first call held.
func TestFilterClick(t *testing.T) {
	m := press(mixedSession(), "/", "f", "a", "i", "l", "e", "d", "enter")
	next, _ := m.Update(tea.MouseClickMsg{X: 5, Y: 2, Button: tea.MouseLeft})
	m = next.(Model)
	if c, _ := m.calls.At(m.sel); c.CallID != callUUID(2) {
		t.Fatalf("clicked call %s, want call 2, the only failed one", c.CallID)
	}
}
