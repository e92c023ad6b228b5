package ansisvg

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestRuns(t *testing.T) {
	for _, tt := range []struct {
		name string
		line string
		want []run
	}{
		{"plain", "abc", []run{{0, "abc", style{}}}},
		{"truecolor bold, reset", "\x1b[1;38;2;255;0;16mfail\x1b[m ok",
			[]run{{0, "fail", style{fg: "#ff0010", bold: true}}, {4, " ok", style{}}}},
		{"colon truecolor", "\x1b[38:2::1:2:3mx", []run{{0, "x", style{fg: "#010203"}}}},
		{"256 and basic", "\x1b[38;5;196ma\x1b[92;44mb", []run{{0, "a", style{fg: "#ff0000"}}, {1, "b", style{fg: "#00ff00", bg: "#0000ee"}}}},
		{"reverse", "\x1b[7msel\x1b[27m", []run{{0, "sel", style{reversed: true}}}},
		{"wide and symbols keep columns", "✗ 界\x1b[1mx", []run{{0, "✗ 界", style{}}, {4, "x", style{bold: true}}}},
		{"OSC and other CSI skipped", "\x1b]0;title\x07a\x1b[2Kb", []run{{0, "ab", style{}}}},
		{"default colours", "\x1b[31ma\x1b[39mb", []run{{0, "a", style{fg: "#cd0000"}}, {1, "b", style{}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := runs(tt.line)
			if len(got) != len(tt.want) {
				t.Fatalf("runs %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("run %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRender: well-formed SVG, text escaped, colours and the reversed
// cell's background drawn, rows past Rows left out.
func TestRender(t *testing.T) {
	screen := "\x1b[1;38;2;255;0;0m✗ <fail> & \"x\"\x1b[0m\n\x1b[7msel\x1b[27m\nthird"
	svg := string(Render(screen, Options{Cols: 20, Rows: 2, FG: "#eeeeee", BG: "#111111", Title: "a & b"}))
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	for _, want := range []string{`fill="#ff0000" font-weight="bold">✗ &lt;fail&gt; &amp; &quot;x&quot;</text>`,
		`fill="#eeeeee"/>`, `fill="#111111">sel</text>`, "<title>a &amp; b</title>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %q in\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "third") {
		t.Error("a row past Rows was drawn")
	}
}
