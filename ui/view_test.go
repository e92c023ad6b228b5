package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/report"
)

// screen renders the model as plain text: goldens compare what a person
// reads, not escape codes, which change with the theme.
func screen(t *testing.T, m Model, w, h int) string {
	t.Helper()
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	content := next.(Model).View().Content
	lines := strings.Split(content, "\n")
	if len(lines) != h {
		t.Fatalf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n != w {
			t.Errorf("line %d is %d cells wide, want %d: %q", i+1, n, w, ansi.Strip(l))
		}
	}
	return ansi.Strip(content)
}

func TestViewGolden(t *testing.T) {
	states := []struct {
		name  string
		build func() Model
	}{
		{"empty", func() Model { return newTestModel(&fakeController{}) }},
		{"ringing", func() Model {
			return feed(newTestModel(&fakeController{}), ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
		}},
		{"connected", func() Model {
			m := newTestModel(&fakeController{})
			m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
			return feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
		}},
		{"failed", func() Model {
			m := newTestModel(&fakeController{})
			m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
			m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
			return feed(m, failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))...)
		}},
		{"compose", func() Model { return press(newTestModel(&fakeController{}), "n", "space") }},
		{"help", func() Model { return press(newTestModel(&fakeController{}), "?") }},
		{"observer", observerSession},
		{"observer_help", func() Model { return press(observerSession(), "?") }},
		{"lint", func() Model { return withLint(newTestModel(&fakeController{})) }},
		{"lint_help", func() Model { return press(withLint(newTestModel(&fakeController{})), "?") }},
		{"production", func() Model {
			return withTarget(newTestModel(&fakeController{}), "PRODUCTION APNs", true)
		}},
		{"production_accepted", func() Model {
			return feed(withTarget(newTestModel(&fakeController{}), "PRODUCTION APNs", true), acceptedEvents(traceOf(callUUID(1)), callUUID(1), base)...)
		}},
		{"production_confirm", func() Model {
			return press(withTarget(newTestModel(&fakeController{}), "PRODUCTION APNs", true), "enter")
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

// withLint gives the screen the lint of a profile with alerts off and no
// filtering entitlement.
func withLint(m Model) Model {
	m.opts.Header.Lint = []report.Warning{
		{ID: "F-03", Device: "iPhone", Field: "alerts_enabled", Detail: "alerts are off for the app: iOS never runs the NSE"},
		{ID: "F-09", Device: "iPhone", Field: "filtering_entitlement", Detail: "the NSE lacks com.apple.developer.usernotifications.filtering"},
	}
	return m
}

// TestViewSmall keeps tiny terminals from panicking or overflowing.
func TestViewSmall(t *testing.T) {
	m := feed(newTestModel(&fakeController{}), failedEvents("t", "c", base)...)
	for _, size := range [][2]int{{40, 12}, {20, 6}, {80, 10}} {
		screen(t, m, size[0], size[1])
	}
}

// TestCallRowAligned: with colours on, the outcome column still lines up
// whatever the total's width.
func TestCallRowAligned(t *testing.T) {
	m := NewModel(&fakeController{}, Options{Location: time.UTC})
	col := -1
	for _, d := range []time.Duration{125 * time.Microsecond, 5470 * time.Microsecond, 2 * time.Second} {
		c := flow.Call{TraceID: "t", Started: base, Outcome: flow.OutcomeAccepted, Latency: flow.Latency{Total: d}}
		row := ansi.Strip(m.callRow(c, 44, ""))
		at := utf8.RuneCountInString(row[:strings.Index(row, "accepted")])
		if col >= 0 && at != col {
			t.Fatalf("outcome at column %d, want %d: %q", at, col, row)
		}
		col = at
	}
}

// TestDroppedShown: events the screen's subscriptions lost, and those the
// run lost elsewhere (--events-to, --record), are counted in the header,
// never dropped silently; thousands are grouped.
func TestDroppedShown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dropped uint64
		lost    uint64
		want    string // the header's start; "" for no drop shown
	}{
		{"none", 0, 0, ""},
		{"a few", 3, 0, "callscope · ⚠ 3 events dropped"},
		{"thousands", 55904, 0, "callscope · ⚠ 55,904 events dropped"},
		{"lost elsewhere", 0, 1234567, "callscope · ⚠ 1,234,567 events not sent to --events-to"},
		{"both", 7, 12, "callscope · ⚠ 7 events dropped · ⚠ 12 events not sent to --events-to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC,
				Lost: []Loss{{"not sent to --events-to", func() uint64 { return tc.lost }}}})
			m.dropped = func() uint64 { return tc.dropped }
			s := screen(t, m, 120, 24)
			head := strings.SplitN(s, "\n", 2)[0]
			if tc.want == "" && strings.Contains(head, "⚠") || !strings.HasPrefix(head, tc.want) {
				t.Fatalf("header: %s\nwant it to start %q", head, tc.want)
			}
		})
	}
}

// TestKeyLine: the bottom line keeps "? help · q quit" at every width and
// drops the least useful keys first.
func TestKeyLine(t *testing.T) {
	keys := []string{"n compose", "enter send", "a answer", "w waterfall"}
	for _, tt := range []struct {
		w    int
		want string
	}{
		{120, "n compose · enter send · a answer · w waterfall · ? help · q quit"},
		{51, "n compose · enter send · a answer · ? help · q quit"},
		{30, "n compose · ? help · q quit"},
		{15, "? help · q quit"},
	} {
		got := strings.TrimRight(keyLine(tt.w, keys...), " ")
		if got != tt.want {
			t.Errorf("keyLine(%d) = %q, want %q", tt.w, got, tt.want)
		}
	}
}
