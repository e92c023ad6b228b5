package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/report"
)

// TestHeaderNeverCut: at 80 columns the header is whole: what is wrong
// (pause, target, drops, lint) stays, the run's description gives way part
// by part (the theme, then the device, the clock, the endpoints), never
// ending in "…"; at 120 columns it shows more.
func TestHeaderNeverCut(t *testing.T) {
	full := Header{Mode: "embedded default", Endpoints: "mock APNs https://127.0.0.1:2197",
		Device: "iPhone (simulated) 3f2a9c01…", Clock: "real time"}
	for _, tc := range []struct {
		name     string
		setup    func(*Model)
		w        int
		want     []string // in the header
		wantGone []string // given way
	}{
		{"screen at 80", nil, 80,
			[]string{"callscope", "embedded default", "mock APNs https://127.0.0.1:2197", "real time"},
			[]string{"iPhone", "theme"}},
		{"screen at 120", nil, 120,
			[]string{"embedded default", "mock APNs https://127.0.0.1:2197", "iPhone (simulated) 3f2a9c01…", "real time", "theme dark"}, nil},
		{"paused at 80", func(m *Model) { *m = press(*m, "space") }, 80,
			[]string{"⏸ paused", "(space resumes)", "embedded default"}, []string{"theme", "iPhone"}},
		{"production at 80", func(m *Model) {
			*m = withTarget(*m, "PRODUCTION APNs", true)
		}, 80, []string{"PRODUCTION APNs", "real APNs", "APNs https://api.push.apple.com"}, []string{"1 real device"}},
		{"lint and drops at 80", func(m *Model) {
			m.opts.Header.Lint = []report.Warning{{ID: "F-03"}, {ID: "F-09"}}
			m.dropped = func() uint64 { return 12 }
		}, 80, []string{"⚠ 12 events dropped", "⚠ 2 lint: F-03 F-09 (? lists them)"}, []string{"embedded default"}},
		{"paused on production with lint at 80", func(m *Model) {
			*m = withTarget(*m, "PRODUCTION APNs", true)
			*m = press(*m, "space")
			m.opts.Header.Lint = []report.Warning{{ID: "F-03"}, {ID: "F-09"}}
		}, 80, []string{"⏸ paused · 0 events since", "PRODUCTION APNs", "⚠ 2 lint: F-03 F-09"},
			[]string{"(? lists them)", "(space resumes)", "real APNs"}},
		{"every alert at once at 80", func(m *Model) {
			*m = withTarget(*m, "PRODUCTION APNs", true)
			*m = press(*m, "space")
			m.opts.Header.Lint = []report.Warning{{ID: "F-03"}, {ID: "F-09"}}
			m.dropped = func() uint64 { return 12 }
			m.opts.Lost = []Loss{{What: "not recorded (--record)", Count: func() uint64 { return 3 }}}
		}, 80, []string{"⏸ paused +0", " PRODUCTION ", "⚠ 12 dropped", "⚠ 3 lost", "⚠ 2 lint"},
			[]string{"events since", "PRODUCTION APNs", "real APNs"}},
		{"narrow", nil, 40, []string{"callscope · embedded default"}, []string{"mock APNs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Header: full})
			if tc.setup != nil {
				tc.setup(&m)
			}
			head := strings.TrimRight(strings.SplitN(screen(t, m, tc.w, 24), "\n", 2)[0], " ")
			if strings.HasSuffix(head, "…") && !strings.HasSuffix(head, "3f2a9c01…") {
				t.Errorf("header cut: %q", head)
			}
			for _, s := range tc.want {
				if !strings.Contains(head, s) {
					t.Errorf("header %q lacks %q", head, s)
				}
			}
			for _, s := range tc.wantGone {
				if strings.Contains(head, s) {
					t.Errorf("header %q still has %q at %d columns", head, s, tc.w)
				}
			}
		})
	}
	// What gave way is under ? in full.
	m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Header: full})
	help := screen(t, press(m, "?"), 80, 24)
	if !strings.Contains(strings.Join(strings.Fields(help), " "), "Run: embedded default · mock APNs https://127.0.0.1:2197 · iPhone (simulated) 3f2a9c01… · real time · theme dark") {
		t.Errorf("help at 80×24 does not give the run in full:\n%s", help)
	}
	// So are the losses the full header says only the count of.
	m.dropped = func() uint64 { return 12 }
	m.opts.Lost = []Loss{{What: "not sent to --events-to", Count: func() uint64 { return 4 }},
		{What: "not recorded (--record)", Count: func() uint64 { return 3 }}}
	help = strings.Join(strings.Fields(screen(t, press(m, "?"), 80, 24)), " ")
	for _, s := range []string{"⚠ 12 events dropped", "⚠ 4 events not sent to --events-to", "⚠ 3 events not recorded (--record)"} {
		if !strings.Contains(help, s) {
			t.Errorf("help at 80×24 lacks %q:\n%s", s, help)
		}
	}
}

// TestShortWho: names shorten by the home domain only, so that a call to
// another domain never reads as one within it.
func TestShortWho(t *testing.T) {
	for _, tc := range []struct {
		from, to, home string
		w              int
		want           string
	}{
		{"alice@example.org", "bob@example.org", "example.org", 40, "alice@example.org→bob@example.org"},
		{"alice@example.org", "bob@example.org", "example.org", 9, "alice→bob"},
		{"alice@example.org", "bob@example.xyz", "example.org", 21, "alice→bob@example.xyz"},
		{"alice@example.org", "bob@example.xyz", "example.org", 12, "alice→bob@…"},
		{"alice@example.org", "bob@example.xyz", "example.org", 9, "alice→bo…"},
		{"alice@example.xyz", "bob@example.xyz", "example.org", 14, "alice@…→bob@…"},
		{"alice@example.org", "bob@example.org", "", 14, "alice@…→bob@…"},
		{"alice", "+15551234567", "example.org", 18, "alice→+15551234567"},
		{"", "", "example.org", 9, ""},
	} {
		got := shortWho(tc.from, tc.to, tc.home, tc.w)
		if got != tc.want || ansi.StringWidth(got) > tc.w {
			t.Errorf("shortWho(%s, %s, home %q, %d) = %q, want %q", tc.from, tc.to, tc.home, tc.w, got, tc.want)
		}
	}
}

// TestCallList: the list never cuts an outcome, at 80 columns (32 for the
// list) or wider, and a call to bob@example.xyz beside calls within
// example.org is not "alice→bob".
func TestCallList(t *testing.T) {
	diag := &flow.Diagnosis{Stage: flow.StageExtension, Code: "NSE_NOT_RUN"}
	org := func(c flow.Call) flow.Call {
		c.TraceID, c.Started, c.From, c.To = "t", base, "alice@example.org", "bob@example.org"
		return c
	}
	for _, tc := range []struct {
		name string
		call flow.Call
		want map[int]string // list width → the row's end
	}{
		{"failed", org(flow.Call{Outcome: flow.OutcomeFailed, Diag: diag, Latency: flow.Latency{Total: 1800 * time.Microsecond}}),
			map[int]string{32: "alice→bob   ✗ extension", 44: "1.8ms ✗ extension", 60: "1.8ms ✗ failed@extension"}},
		{"failed, no diagnosis", org(flow.Call{Outcome: flow.OutcomeFailed}), map[int]string{32: "alice→bob   ✗ failed   ", 44: "✗ failed   "}},
		{"unanswered", org(flow.Call{Outcome: flow.OutcomeUnanswered}), map[int]string{32: "alice→bob   unanswered ", 44: "unanswered "}},
		{"pending", org(flow.Call{Stage: flow.StageExtension}), map[int]string{32: "alice→bob   extension… ", 44: "extension… "}},
		{"push", flow.Call{TraceID: "t", Started: base, Outcome: flow.OutcomeFailed, Diag: &flow.Diagnosis{Stage: flow.StageAPNs}},
			map[int]string{32: "12:00:00           ✗ failed@apns", 44: "✗ failed@apns"}},
	} {
		for w, want := range tc.want {
			m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC})
			row := m.callRow(tc.call, w, "example.org")
			plain := ansi.Strip(row)
			if ansi.StringWidth(row) != w || !strings.HasSuffix(plain, want) {
				t.Errorf("%s at %d: %q (%d cells), want it to end %q", tc.name, w, plain, ansi.StringWidth(row), want)
			}
		}
	}
	m := newTestModel(&fakeController{})
	m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	other := ringingEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))
	other[0].Attrs = map[string]string{flow.AttrKind: "call", flow.AttrFrom: "alice@example.org", flow.AttrTo: "bob@example.xyz"}
	m = feed(m, other...)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		rows := strings.Split(screen(t, m, size[0], size[1]), "\n")
		if !strings.Contains(rows[2], "alice→bob ") || !strings.Contains(rows[3], "alice→bob@") {
			t.Errorf("at %dx%d the calls read:\n%s\n%s", size[0], size[1], rows[2], rows[3])
		}
	}
}

// TestHeaderEveryLossAt80: the mock's screen with everything at once and
// four-digit counts (paused, events dropped, both outputs losing, older
// calls dropped) still fits 80 columns whole: the losses merge into one
// total, and ? lists each.
func TestHeaderEveryLossAt80(t *testing.T) {
	m := heldModel(1)
	for i := 2; i <= 1001; i++ {
		m = feed(m, ev(fmt.Sprintf("%032x", i), "", flow.StageAPNs, "received", base, 0))
	}
	m.opts.NoColor = true
	m = press(m, "space")
	m.dropped = func() uint64 { return 1234 }
	m.opts.Lost = []Loss{{What: "not sent to --events-to", Count: func() uint64 { return 4000 }},
		{What: "not recorded (--record)", Count: func() uint64 { return 3000 }}}
	head := strings.TrimRight(strings.SplitN(screen(t, m, 80, 24), "\n", 2)[0], " ")
	for _, want := range []string{"⏸ paused", "⚠ 8,234 lost", "1,000 calls dropped"} {
		if !strings.Contains(head, want) {
			t.Errorf("header %q lacks %q", head, want)
		}
	}
	if strings.HasSuffix(head, "…") {
		t.Errorf("header cut: %q", head)
	}
	help := strings.Join(strings.Fields(screen(t, press(m, "?"), 80, 40)), " ")
	for _, want := range []string{"⚠ 1,234 events dropped", "⚠ 4,000 events not sent to --events-to", "⚠ 3,000 events not recorded (--record)"} {
		if !strings.Contains(help, want) {
			t.Errorf("? lacks %q", want)
		}
	}
}
