package ui

import (
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/themes"
)

var (
	black = color.RGBA{0, 0, 0, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// colourModel is the failed-call session in colour, theme as --theme.
func colourModel(t testing.TB, theme string) Model {
	t.Helper()
	m := NewModel(&fakeController{}, Options{Theme: theme, Location: time.UTC, Header: Header{Mode: "embedded default",
		Endpoints: "mock APNs https://127.0.0.1:2197", Device: "iPhone (simulated) 3f2a9c01…", Clock: "real time"}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	m = feed(m, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected)...)
	return feed(m, failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))...)
}

// TestBackgroundPicksTheme: with no --theme the terminal's background picks
// dark or light; a theme named keeps its name, in its variant for the
// background when it has one.
func TestBackgroundPicksTheme(t *testing.T) {
	for _, tc := range []struct {
		theme string
		bg    color.Color
		want  string
	}{
		{"", black, "dark"},
		{"", white, "light"},
		{"dark", white, "dark"},
		{"light", black, "light"},
		{"high-contrast", white, "high-contrast"},
		{"harbor", black, "harbor"},
	} {
		t.Run(fmt.Sprintf("%s on %v", tc.theme, tc.bg), func(t *testing.T) {
			m := NewModel(&fakeController{}, Options{Theme: tc.theme})
			next, _ := m.Update(tea.BackgroundColorMsg{Color: tc.bg})
			m = next.(Model)
			dark := tc.bg == black
			if got := m.theme.Name(m.dark); got != tc.want || m.dark != dark {
				t.Fatalf("theme %s (dark %v), want %s (dark %v)", got, m.dark, tc.want, dark)
			}
			want, _ := themes.Choose(tc.theme)
			if got := m.st.fail.Render("x"); got != newStyles(want.Theme(dark), false).fail.Render("x") {
				t.Fatalf("styles not the %s variant for the background: %q", tc.want, got)
			}
			head := strings.SplitN(screen(t, m, 120, 24), "\n", 2)[0]
			if !strings.Contains(head, "theme "+tc.want) {
				t.Fatalf("header %q does not name theme %s", head, tc.want)
			}
		})
	}
}

// sgr matches one Select Graphic Rendition sequence.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// styleBefore is the SGR sequence in force where word first appears in s
// ("" when none or not found).
func styleBefore(s, word string) (string, bool) {
	i := strings.Index(s, word)
	if i < 0 {
		return "", false
	}
	all := sgr.FindAllStringIndex(s[:i], -1)
	if len(all) == 0 {
		return "", true
	}
	last := all[len(all)-1]
	return s[last[0]:last[1]], true
}

// opening is the SGR a style opens with.
func opening(t *testing.T, s string) string {
	t.Helper()
	o := sgr.FindString(s)
	if o == "" {
		t.Fatalf("no colour in %q", s)
	}
	return o
}

// TestStageColourEverywhere: a stage is drawn in its one colour wherever
// it is named: the list's outcome, the ladder's lane, the events, the
// diagnosis, the waterfall, the percentiles and the inspect view; the
// failure's own colour marks the ✗, never the stage.
func TestStageColourEverywhere(t *testing.T) {
	for _, theme := range themes.Names() {
		t.Run(theme, func(t *testing.T) {
			m := colourModel(t, theme)
			c, _ := m.selected()
			ext := opening(t, m.st.stage(flow.StageExtension).Render("x"))
			fail := opening(t, m.st.fail.Render("x"))
			if ext == fail {
				t.Fatal("the extension's colour is the failure's")
			}
			diagEvent := failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5)))[8]
			wf := m
			wf.waterfall = true
			insp := press(m, "shift+tab", "enter")
			if insp.read.insp == nil {
				t.Fatal("enter on the diagnosis opened nothing")
			}
			places := []struct {
				where, text, word string
			}{
				{"list", m.callRow(c, 44, ""), "extension"},
				{"ladder", m.ladderLines(75, 8)[0], "Extension"},
				{"events", m.eventLine(diagEvent, base, 120), "extension"},
				{"diagnosis", m.diagnosisLines(*c.Diag, 120)[0], "extension"},
				{"waterfall", strings.Join(wf.waterfallLines(75, 12), "\n"), "Extension"},
				{"percentiles", strings.Join(m.latencyLines(120), "\n"), "Extension"},
				{"inspect title", strings.Join(insp.inspectLines(120, 30), "\n"), "extension"},
			}
			for _, p := range places {
				got, ok := styleBefore(p.text, p.word)
				if !ok {
					t.Errorf("%s: no %q in %q", p.where, p.word, ansi.Strip(p.text))
					continue
				}
				if got != ext {
					t.Errorf("%s: %q drawn with %q, want the extension's %q: %q", p.where, p.word, got, ext, p.text)
				}
			}
			// The failure's colour and its mark go together.
			for _, p := range []struct{ where, text string }{
				{"list", m.callRow(c, 44, "")},
				{"events", m.eventLine(diagEvent, base, 120)},
				{"diagnosis", m.diagnosisLines(*c.Diag, 120)[0]},
				{"ladder", strings.Join(m.ladderLines(75, 8), "\n")},
			} {
				if got, ok := styleBefore(p.text, failMark); !ok || got != fail {
					t.Errorf("%s: %s drawn with %q (found %v), want the failure colour %q", p.where, failMark, got, ok, fail)
				}
			}
		})
	}
}

// TestNoColor: NO_COLOR leaves no colour at all, and the failure still
// reads: its mark is on the list, the ladder, the events and the diagnosis.
func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	o := fromEnv(Options{Theme: "harbor", Location: time.UTC})
	if !o.NoColor {
		t.Fatal("NO_COLOR set: the screen's options keep colour")
	}
	m := NewModel(&fakeController{}, o)
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = feed(next.(Model), failedEvents(traceOf(callUUID(2)), callUUID(2), base)...)
	raw := m.View().Content
	for _, seq := range sgr.FindAllString(raw, -1) {
		for _, p := range strings.FieldsFunc(strings.Trim(seq, "\x1b[m"), func(r rune) bool { return r == ';' || r == ':' }) {
			if p == "38" || p == "48" || len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] != '8' {
				t.Fatalf("colour %q with NO_COLOR", seq)
			}
		}
	}
	plain := ansi.Strip(raw)
	for _, want := range []string{"✗ extension│", "✗ REPORT_FAILED", "✗ extension: REPORT_FAILED", "✗ report-voip-payload", "✗ failed@extension"} {
		if !strings.Contains(plain, want) {
			t.Errorf("no %q with NO_COLOR:\n%s", want, plain)
		}
	}
	t.Setenv("NO_COLOR", "")
	if fromEnv(Options{}).NoColor {
		t.Fatal("NO_COLOR empty: colour turned off")
	}
}

// TestThemeGolden: each built-in on the failed call, through the real
// program, on a dark and (for those that follow it) a light background,
// at 80×24 and 120×40. The goldens keep the escape codes: the colours are
// what is tested (go test ./ui -update rewrites them; read the diff).
func TestThemeGolden(t *testing.T) {
	for _, theme := range themes.Names() {
		for _, bg := range []struct {
			name string
			c    color.Color
		}{{"dark", black}, {"light", white}} {
			if (theme == "dark" || theme == "light") && bg.name != theme {
				continue // the same palette on either background
			}
			for _, size := range [][2]int{{80, 24}, {120, 40}} {
				t.Run(fmt.Sprintf("%s_on_%s_%dx%d", theme, bg.name, size[0], size[1]), func(t *testing.T) {
					m := NewModel(&fakeController{}, Options{Theme: theme, Location: time.UTC, Header: Header{Mode: "embedded default",
						Endpoints: "mock APNs https://127.0.0.1:2197", Device: "iPhone (simulated) 3f2a9c01…", Clock: "real time"}})
					tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
					tm.Send(tea.BackgroundColorMsg{Color: bg.c})
					for _, e := range ringingEvents(traceOf(callUUID(1)), callUUID(1), base) {
						tm.Send(EventMsg{Event: e})
					}
					for _, e := range endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(secs(3)), flow.OutcomeConnected) {
						tm.Send(EventMsg{Event: e})
					}
					for _, e := range failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(secs(5))) {
						tm.Send(EventMsg{Event: e})
					}
					tm.Send(key("q"))
					final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
					if got := final.theme.Name(final.dark); got != theme {
						t.Fatalf("theme %s, want %s", got, theme)
					}
					golden.RequireEqual(t, final.View().Content)
				})
			}
		}
	}
}
