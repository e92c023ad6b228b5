package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// screenOf opens each kind of screen at w×h with a failed call on it, and
// returns its inner Model after keys, and the whole screen's view.
type screenOf func(t *testing.T, w, h int, keys ...string) (Model, string)

func liveScreen(opts Options) screenOf {
	return func(t *testing.T, w, h int, keys ...string) (Model, string) {
		opts.NoColor, opts.Location = true, time.UTC
		m := NewModel(&fakeController{}, opts)
		next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
		m = feed(next.(Model), failedEvents(traceOf(callUUID(1)), callUUID(1), base)...)
		m = press(m, keys...)
		return m, ansi.Strip(m.View().Content)
	}
}

func demoScreen(t *testing.T, w, h int, keys ...string) (Model, string) {
	d := NewDemoModel(&fakeController{}, &fakeRunner{}, DemoOptions{Screen: Options{NoColor: true, Location: time.UTC},
		Steps: testSteps, Hold: time.Minute})
	var tm tea.Model = d
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for _, e := range failedEvents(traceOf(callUUID(1)), callUUID(1), base) {
		tm, _ = tm.Update(EventMsg{Event: e})
	}
	for _, k := range keys {
		tm, _ = tm.Update(key(k))
	}
	d = tm.(DemoModel)
	return d.inner, ansi.Strip(d.View().Content)
}

func replayScreen(t *testing.T, w, h int, keys ...string) (Model, string) {
	r := NewReplayModel(failedEvents(traceOf(callUUID(1)), callUUID(1), base), ReplayOptions{Paused: true,
		Now: (&fakeWall{t: base}).now, Options: Options{NoColor: true, Location: time.UTC}})
	var tm tea.Model = r
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for _, k := range append([]string{"f"}, keys...) { // f: on to the failure
		tm, _ = tm.Update(key(k))
	}
	r = tm.(ReplayModel)
	return r.m, ansi.Strip(r.View().Content)
}

// keyLineOf is the screen's key line: its last row, or the tour's above
// its caption.
func keyLineOf(view string) string {
	rows := strings.Split(view, "\n")
	for i := len(rows) - 1; i >= 0; i-- {
		if strings.Contains(rows[i], "q quit") {
			return rows[i]
		}
	}
	return rows[len(rows)-1]
}

// TestKeysPerScreen: every screen has the same panes, and offers (in its
// key line and its ? help) only the keys that act there: the mock's screen
// and the tour neither send nor answer, a screen on a real APNs sends but a
// real phone answers, the tour's space pauses the tour and the replay's
// plays, and each lists its own keys.
func TestKeysPerScreen(t *testing.T) {
	for _, tt := range []struct {
		name     string
		open     screenOf
		has, not []string // in the ? help or the key line
	}{
		{"embedded", liveScreen(Options{}),
			[]string{"n compose", "compose: scenario", "answer / decline", "pause the view"},
			[]string{"pause the tour", "play / pause"}},
		{"ingest", liveScreen(Options{Outside: nil, Header: Header{Endpoints: "ingest http://127.0.0.1:4318"}}),
			[]string{"n compose", "answer / decline", "pause the view"}, nil},
		{"real APNs", liveScreen(Options{Mode: ModeReal, Header: Header{Target: "sandbox APNs"}}),
			[]string{"n compose", "compose: scenario", "pause the view"},
			[]string{"a answer", "answer / decline"}},
		{"mock", liveScreen(Options{Observer: true}),
			[]string{"/ filter", "pause the view", "select a call"},
			[]string{"n compose", "enter send", "compose: scenario", "send: the composed", "answer / decline"}},
		{"demo", demoScreen,
			[]string{"space pause", "→ next step", "pause the tour", "next step of the tour", "/ filter", "select a call"},
			[]string{"n compose", "compose: scenario", "send: the composed", "answer / decline", "pause the view"}},
		{"replay", replayScreen,
			[]string{"space play/pause", "←/→ step", "play / pause the trace", "jump to the next failure", "select a call"},
			[]string{"n compose", "compose: scenario", "answer / decline", "pause the view"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range [][2]int{{80, 24}, {120, 40}} {
				_, plain := tt.open(t, size[0], size[1])
				bar := keyLineOf(plain)
				if !strings.HasSuffix(strings.TrimRight(bar, " "), "? help · q quit") {
					t.Errorf("%dx%d: key line %q", size[0], size[1], bar)
				}
				// The same panes on every screen.
				for _, pane := range []string{"Calls (1)", "Sender", "CallKit", "events", "✗ extension: REPORT_FAILED"} {
					if !strings.Contains(plain, pane) {
						t.Errorf("%dx%d: no %q:\n%s", size[0], size[1], pane, plain)
					}
				}
				_, help := tt.open(t, size[0], size[1], "?")
				all := bar + "\n" + help
				for _, s := range tt.has {
					if size[0] == 120 && !strings.Contains(all, s) {
						t.Errorf("%dx%d: %q not offered:\n%s", size[0], size[1], s, all)
					}
				}
				for _, s := range tt.not {
					if strings.Contains(all, s) {
						t.Errorf("%dx%d: %q offered where it cannot act:\n%s", size[0], size[1], s, all)
					}
				}
			}
		})
	}
}

// TestKeysRefused: a key that cannot act on a screen says why and does
// nothing; the same key acts where it is offered.
func TestKeysRefused(t *testing.T) {
	ring := ringingEvents(traceOf(callUUID(7)), callUUID(7), base)
	for _, tt := range []struct {
		mode Mode
		key  string
		acts bool
		why  string
	}{
		{ModeLive, "a", true, ""},
		{ModeLive, "n", true, ""},
		{ModeReal, "n", true, ""},
		{ModeReal, "a", false, "real device"},
		{ModeReal, "d", false, "real device"},
		{ModeWatch, "n", false, "only watches"},
		{ModeWatch, "enter", false, "only watches"},
		{ModeDemo, "a", false, "places its own calls"},
		{ModeReplay, "n", false, "only watches"},
	} {
		ctrl := &fakeController{}
		m := NewModel(ctrl, Options{NoColor: true, Location: time.UTC, Mode: tt.mode})
		m = feed(m, ring...)
		next, cmd := m.Update(key(tt.key))
		m = run(next.(Model), cmd)
		acted := m.compose != nil || len(ctrl.sent)+len(ctrl.answered)+len(ctrl.declined) > 0
		if acted != tt.acts || (tt.why != "" && !strings.Contains(m.status, tt.why)) {
			t.Errorf("mode %d, %s: acted %v, status %q", tt.mode, tt.key, acted, m.status)
		}
	}
}

// TestDemoKeysWhileReading: in the tour, a filter being typed takes l and
// space as text, and an opened event takes space to scroll: neither moves
// the tour. enter in the events pane opens the event there too.
func TestDemoKeysWhileReading(t *testing.T) {
	inner, _ := demoScreen(t, 120, 40, "/", "l", "space")
	if !inner.flt.typing || inner.flt.input.Value() != "l " {
		t.Fatalf("typing %v, filter %q: the tour took the keys", inner.flt.typing, inner.flt.input.Value())
	}
	inner, plain := demoScreen(t, 120, 40, "tab", "tab", "enter")
	if inner.read.insp == nil || !strings.Contains(plain, "Diagnosis") {
		t.Fatalf("enter on an event in the tour did not open it:\n%s", plain)
	}
	d := NewDemoModel(&fakeController{}, &fakeRunner{}, DemoOptions{Screen: Options{NoColor: true}, Steps: testSteps, Hold: time.Minute})
	d.inner.read.insp = &inspectState{ev: flow.Event{Name: "x"}}
	next, _ := d.Update(key("space"))
	if next.(DemoModel).tour.paused {
		t.Fatal("space with an event open paused the tour")
	}
}

// TestAddKey: a key another file registers is offered on its screens
// only, placed by its rank.
func TestAddKey(t *testing.T) {
	saved := registry
	t.Cleanup(func() { registry = saved })
	registry = append([]keyEntry(nil), registry...)
	addKey(keyEntry{Press: "Y", Keys: "Y", Help: "a key for senders", Short: "Y test", Rank: 15, Modes: Sends})
	if got := shortKeys(ModeLive); got[0] != "n compose" || got[1] != "Y test" {
		t.Fatalf("key line %v", got)
	}
	for _, h := range helpKeys(ModeWatch) {
		if h[0] == "Y" {
			t.Fatal("Y offered on the mock's screen")
		}
	}
	if actsOn("Y", ModeWatch) || !actsOn("Y", ModeReal) || !actsOn("x", ModeWatch) {
		t.Fatal("actsOn")
	}
}
